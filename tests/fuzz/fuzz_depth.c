/* libFuzzer driver for the JSON nesting check that runs before a body is
 * parsed (text_json_depth): it must stay within the bytes it is given, and
 * for any text jansson accepts as the server parses a body (no duplicate
 * keys, whose dropped values still count), the parsed document's depth. */
#include <jansson.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include "base/text.h"

/* Depth of a parsed value: 0 for a scalar, 1 + the deepest member else. */
static int
tree_depth(json_t *v)
{
	int max = 0;
	if (json_is_array(v)) {
		size_t i;
		json_t *item;
		json_array_foreach(v, i, item) {
			int d = tree_depth(item);
			max = d > max ? d : max;
		}
		return max + 1;
	}
	if (json_is_object(v)) {
		const char *k;
		json_t *item;
		json_object_foreach(v, k, item) {
			int d = tree_depth(item);
			max = d > max ? d : max;
		}
		return max + 1;
	}
	return 0;
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	/* A copy of exactly size bytes, so reading past them is caught. */
	char *s = malloc(size ? size : 1);
	if (!s)
		return 0;
	memcpy(s, data, size);
	int depth = text_json_depth(s, size);
	if (depth < 0 || (size_t)depth > size)
		abort();
	json_t *doc = json_loadb(s, size, JSON_DECODE_ANY | JSON_ALLOW_NUL | JSON_REJECT_DUPLICATES,
				  NULL);
	if (doc && tree_depth(doc) != depth)
		abort();
	json_decref(doc);
	free(s);
	return 0;
}
