/* libFuzzer driver for application/x-www-form-urlencoded bodies (the
 * OAuth endpoints): api_form looking up a field, as each grant does. */
#include <stdint.h>
#include <string.h>
#include "api/http.h"

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct api_request rq = {.arena = arena_create()};
	rq.body = arena_strndup(rq.arena, (const char *)data, size);
	rq.body_len = size;
	static const char *const names[] = {"grant_type", "username", "password", "scope"};
	bool bad = false;
	for (size_t i = 0; i < sizeof names / sizeof names[0] && !bad; i++)
		api_form(&rq, names[i], &bad);
	arena_destroy(rq.arena);
	return 0;
}
