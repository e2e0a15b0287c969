/* libFuzzer driver for the query arguments every list reads: limit,
 * cursor, order, updated_after and created_after (api_sync_page_or_reply),
 * on a route of the real table, and the cursor's binding to the route's
 * filter values (api_cursor_make, api_cursor_read).
 *
 * Input: byte 0 picks the route; the rest is a query string as
 * libmicrohttpd hands it over, split at '&' into name=value arguments
 * (no '=': the value is NULL). */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include "api/common.h"
#include "tests/fuzz/fake_request.h"

#define POSITION "2026-01-02T03:04:05.000006Z|6f1c2e1a-3b4d-4c5e-8f90-a1b2c3d4e5f6"

static void
add_args(struct arena *a, const char *query)
{
	for (const char *p = query; *p;) {
		size_t n = strcspn(p, "&");
		char *arg = arena_strndup(a, p, n);
		char *eq = strchr(arg, '=');
		if (eq)
			*eq++ = '\0';
		fake_add(fake_args, &fake_nargs, arg, eq);
		p += n + (p[n] == '&');
	}
}

/* Accepted: no reply, a limit of 1-200, a position only with a cursor. */
static void
check_page(struct api_request *rq)
{
	struct api_page page;
	if (!api_sync_page_or_reply(rq, &page)) {
		if (rq->replies != 1 || rq->resp.status != 400)
			abort();
		return;
	}
	if (rq->replies != 0 || page.limit < 1 || page.limit > 200 ||
	    (!page.after_created) != (!api_query(rq, "cursor")) || (!page.after_id) != (!page.after_created))
		abort();
	(void)api_page_keeps(&page, "2026-01-02T03:04:05Z", "2026-01-02T03:04:05Z");
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	if (size == 0)
		return 0;
	static const unsigned char key[32] = {7, 8, 9};
	api_cursor_set_key(key, sizeof key);
	struct api_request rq = {.arena = arena_create(), .method = "GET"};
	rq.route = &api_routes[data[0] % api_nroutes];
	rq.path = rq.route->pattern;
	fake_reset();
	add_args(rq.arena, arena_strndup(rq.arena, (const char *)data + 1, size - 1));
	char *cursor = api_cursor_make(&rq, POSITION);
	char *back = api_cursor_read(&rq, cursor);
	if (!back || strcmp(back, POSITION) != 0)
		abort();	/* a cursor reads back under the filters it was made with */
	check_page(&rq);
	arena_destroy(rq.arena);
	return 0;
}
