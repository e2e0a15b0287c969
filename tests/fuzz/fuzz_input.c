/* libFuzzer: the request parsers that see untrusted bytes before any
 * handler logic: JSON bodies through a field spec, pagination cursors,
 * form bodies and RFC 3339 times. The first byte picks the parser. */
#include <stdint.h>
#include <string.h>
#include "api/common.h"
#include "api/http.h"
#include "api/spec.h"
#include "base/text.h"

static const char *const roles[] = {"lead", "shadow", "bar_raiser", NULL};
static const struct spec_field person[] = {
	{"user_id", SPEC_STRING, SPEC_REQUIRED, .format = SPEC_UUID},
	{"role", SPEC_STRING, SPEC_REQUIRED, .enums = roles},
	{NULL},
};
static const struct spec_field body_spec[] = {
	{"kind", SPEC_STRING, SPEC_REQUIRED, 2, 64, SPEC_KEY},
	{"starts_at", SPEC_STRING, 0, .format = SPEC_DATETIME},
	{"email", SPEC_STRING, 0, 3, 254, SPEC_EMAIL},
	{"count", SPEC_INTEGER, 0, 1, 100},
	{"note", SPEC_STRING, SPEC_NULLABLE, 0, 50},
	{"people", SPEC_ARRAY, 0, 0, 5, .item_type = SPEC_OBJECT, .item_spec = person},
	{"tags", SPEC_ARRAY, 0, 0, 5, .item_type = SPEC_STRING, .item_max = 10},
	{NULL},
};

static void
fuzz_json(const char *s, size_t n)
{
	json_t *doc = json_loadb(s, n, JSON_REJECT_DUPLICATES, NULL);
	if (json_is_object(doc)) {
		json_t *errors = json_array();
		spec_check(body_spec, doc, "", errors);
		json_decref(errors);
	}
	json_decref(doc);
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	if (size < 1)
		return 0;
	static const unsigned char key[32] = {1, 2, 3};
	api_cursor_set_key(key, sizeof key);
	struct api_request rq = {.arena = arena_create()};
	char *s = arena_strndup(rq.arena, (const char *)data + 1, size - 1);
	int64_t us;
	bool bad = false;
	switch (data[0] % 4) {
	case 0:
		fuzz_json((const char *)data + 1, size - 1);
		break;
	case 1:
		api_cursor_read(&rq, s);
		break;
	case 2:
		rq.body = s;
		rq.body_len = size - 1;
		api_form(&rq, "grant_type", &bad);
		break;
	default:
		if (text_parse_rfc3339(s, &us))
			text_format_rfc3339(rq.arena, us);
	}
	arena_destroy(rq.arena);
	return 0;
}
