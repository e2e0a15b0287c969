/* libFuzzer driver for the conditional and idempotency request headers:
 * If-Match (api_if_match_or_reply), If-None-Match (api_not_modified over
 * api_etag_listed) and Idempotency-Key (api_idempotency_key_ok).
 *
 * Input: "<If-Match>\n<If-None-Match>\n<Idempotency-Key>"; byte 0's low bit
 * (kept in the If-Match value) says whether If-Match is required. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include "api/common.h"
#include "api/idempotency.h"
#include "tests/fuzz/fake_request.h"

/* The next '\n'-terminated part of *p (in a), NULL past the end. */
static char *
next_line(struct arena *a, const char **p, const char *end)
{
	if (*p > end)
		return NULL;
	const char *nl = memchr(*p, '\n', (size_t)(end - *p));
	const char *stop = nl ? nl : end;
	char *line = arena_strndup(a, *p, (size_t)(stop - *p));
	*p = stop + 1;
	return line;
}

/* An accepted If-Match is "*" or exactly the strong ETag of *version. */
static void
check_if_match(struct api_request *rq, const char *h, bool required)
{
	int version;
	bool ok = api_if_match_or_reply(rq, required, &version);
	if (!ok) {
		if (rq->replies != 1 || (rq->resp.status != 412 && rq->resp.status != 428))
			abort();
		return;
	}
	if (rq->replies != 0 || version < 0 || (required && !h))
		abort();
	h = h ? h + strspn(h, " \t") : NULL;
	if (version == 0 ? h && strcmp(h, "*") != 0
	    : strcmp(h, arena_printf(rq->arena, "\"%d\"", version)) != 0)
		abort();	/* "+3", " 3" or "03" is not the ETag "3" */
}

/* If-None-Match naming the reply's ETag, strongly or weakly, makes a GET 304. */
static void
check_if_none_match(struct api_request *rq, const char *h)
{
	rq->method = "GET";
	api_set_etag(rq, 7);
	bool hit = api_not_modified(rq);
	if (h && (!strcmp(h, "\"7\"") || !strcmp(h, "W/\"7\"") || !strcmp(h, "*")) && !hit)
		abort();
	if (h && hit && !strstr(h, "\"7\"") && !strchr(h, '*'))
		abort();
}

static void
check_idempotency_key(const char *key)
{
	size_t n = strlen(key);
	bool visible = n >= 1 && n <= 255;
	for (size_t i = 0; i < n && visible; i++)
		visible = key[i] >= 0x21 && key[i] <= 0x7e;
	if (api_idempotency_key_ok(key) != visible)
		abort();
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	if (size == 0)
		return 0;
	struct api_request rq = {.arena = arena_create(), .path = "/v1/rounds/x"};
	const char *p = (const char *)data, *end = p + size;
	char *if_match = next_line(rq.arena, &p, end);
	char *if_none_match = next_line(rq.arena, &p, end);
	char *key = next_line(rq.arena, &p, end);
	fake_reset();
	if (if_match && *if_match)
		fake_add(fake_headers, &fake_nheaders, "If-Match", if_match);
	if (if_none_match)
		fake_add(fake_headers, &fake_nheaders, "If-None-Match", if_none_match);
	check_if_match(&rq, api_header(&rq, "If-Match"), data[0] & 1);
	check_if_none_match(&rq, if_none_match);
	if (key)
		check_idempotency_key(key);
	arena_destroy(rq.arena);
	return 0;
}
