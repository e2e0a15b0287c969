/* The cache of rendered representations (rubric versions, loop templates). */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "api/common.h"
#include "api/repr_cache.h"
#include "base/crypto.h"
#include "base/shared_cache.h"

/* Past 20 000 entries the cache is emptied and refilled. */
static struct shared_cache cache = SHARED_CACHE_INIT(20000);

struct api_repr {
	char etag[36];		/* "\"" + 32 hex digits of the body's SHA-256 + "\"" */
	size_t len;
	char *body;
};

static void
repr_free(void *p)
{
	struct api_repr *r = p;
	free(r->body);
	free(r);
}

const struct api_repr *
api_repr_get(struct api_request *rq, const char *key, uint64_t *seen)
{
	return shared_cache_get(&cache, rq->arena, key, seen);
}

const struct api_repr *
api_repr_put(struct api_request *rq, uint64_t seen, const char *key, char *body)
{
	struct api_repr *r = calloc(1, sizeof *r);
	if (!r)
		abort();
	r->body = body;
	r->len = strlen(body);
	unsigned char d[32];
	crypto_sha256(body, r->len, d);
	char *p = r->etag;
	*p++ = '"';
	for (int i = 0; i < 16; i++)
		p += snprintf(p, 3, "%02x", d[i]);
	*p++ = '"';
	*p = 0;
	return shared_cache_put(&cache, rq->arena, seen, key, r, repr_free);
}

enum api_result
api_reply_repr(struct api_request *rq, const struct api_repr *r, const char *cache_control)
{
	const char *inm = api_header(rq, "If-None-Match");
	api_add_header(rq, "ETag", r->etag);
	api_add_header(rq, "Cache-Control", cache_control);
	if (inm && api_etag_listed(inm, r->etag))
		return api_reply_empty(rq, 304);
	return api_reply_text(rq, 200, "application/json; charset=utf-8", r->body, r->len);
}

void
api_repr_reset(bool now_usable)
{
	shared_cache_reset(&cache, now_usable);
}

void
api_repr_flush(void)
{
	shared_cache_flush(&cache);
}
