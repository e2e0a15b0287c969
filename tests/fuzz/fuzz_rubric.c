#include <jansson.h>
#include <stddef.h>
#include <stdint.h>
#include "base/arena.h"
#include "rubrics/rubric.h"

/* libFuzzer driver for rubric documents: bytes -> JSON -> rubric_parse, and
 * for a valid rubric rubric_to_json and rubric_canonical. Everything is
 * released per input so the leak checker sees real leaks. */
int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	json_t *doc = json_loadb((const char *)data, size, JSON_REJECT_DUPLICATES, NULL);
	if (!doc)
		return 0;
	struct arena *a = arena_create();
	json_t *errors = json_array();
	struct rubric r;
	if (rubric_parse(a, doc, &r, errors)) {
		if (json_array_size(errors) != 0)
			__builtin_trap();
		json_t *back = rubric_to_json(&r);
		if (!back || !rubric_canonical(a, back) || !rubric_digest(a, doc))
			__builtin_trap();
		json_decref(back);
	} else if (json_array_size(errors) == 0) {
		__builtin_trap();	/* a refusal must say why */
	}
	json_decref(errors);
	json_decref(doc);
	arena_destroy(a);
	return 0;
}
