/* libFuzzer driver for route matching (api_route_match) against the real
 * route table. Input: "<method> <path>". A match must be the method's route
 * (or GET's for HEAD) whose pattern, its {params} filled in, is the path; a
 * miss lists the methods the path has, or none. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include "api/http.h"
#include "base/text.h"

/* The pattern of route i with params in place of its {segments}, in a. */
static char *
fill_pattern(struct arena *a, int i, const char **params, int nparams)
{
	struct abuf b;
	abuf_init(&b, a);
	int k = 0;
	for (const char *p = api_routes[i].pattern; *p;) {
		if (*p != '{') {
			abuf_add(&b, p++, 1);
			continue;
		}
		if (k == nparams)
			abort();	/* fewer params than the pattern names */
		abuf_puts(&b, params[k++]);
		p += strcspn(p, "}") + 1;
	}
	if (k != nparams)
		abort();
	return b.data;
}

/* True when the Allow list "GET, POST" names method. */
static bool
in_allow(struct arena *a, const char *allow, const char *method)
{
	return strstr(arena_printf(a, ", %s, ", allow), arena_printf(a, ", %s, ", method)) != NULL;
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct arena *a = arena_create();
	char *method = arena_strndup(a, (const char *)data, size);
	char *path = strchr(method, ' ');
	if (path) {
		*path++ = '\0';
		const char *params[API_MAX_PARAMS], *allow;
		int nparams = 0;
		int i = api_route_match(a, method, path, params, &nparams, &allow);
		if (i >= api_nroutes || i < -1)
			abort();
		if (i >= 0 && (allow || strcmp(fill_pattern(a, i, params, nparams), path) != 0 ||
			       (strcmp(api_routes[i].method, method) != 0 &&
				(strcmp(method, "HEAD") != 0 || strcmp(api_routes[i].method, "GET") != 0))))
			abort();
		for (int k = 0; i >= 0 && k < nparams; k++)
			if (!*params[k] || strchr(params[k], '/'))
				abort();	/* a {param} is one whole segment */
		if (i < 0 && allow && (!*allow || in_allow(a, allow, method) ||
				       (!strcmp(method, "HEAD") && in_allow(a, allow, "GET"))))
			abort();	/* Allow names other methods only */
	}
	arena_destroy(a);
	return 0;
}
