/* libFuzzer driver for request bodies checked by a field spec: bytes ->
 * JSON (as the server parses a body) -> spec_check against a spec using
 * every kind of field. A refusal must name at least one field. */
#include <jansson.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdlib.h>
#include "api/spec.h"

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

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	json_t *doc = json_loadb((const char *)data, size, JSON_REJECT_DUPLICATES, NULL);
	if (json_is_object(doc)) {
		json_t *errors = json_array();
		bool ok = spec_check(body_spec, doc, "", errors);
		if (ok != (json_array_size(errors) == 0))
			abort();	/* a refusal names its fields, a pass names none */
		size_t i;
		json_t *e;
		json_array_foreach(errors, i, e)
			if (!json_is_string(json_object_get(e, "field")) ||
			    !json_is_string(json_object_get(e, "code")) ||
			    !json_is_string(json_object_get(e, "message")))
				abort();
		json_decref(errors);
	}
	json_decref(doc);
	return 0;
}
