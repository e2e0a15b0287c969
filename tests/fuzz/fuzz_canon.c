/* libFuzzer driver for canonical JSON (canon_json, used for audit hashes
 * and idempotency keys): for any document jansson reads, the canonical
 * text must read back as an equal document whose canonical text is the
 * same bytes. */
#include <jansson.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include "base/canon.h"

#define FLAGS (JSON_DECODE_ANY | JSON_ALLOW_NUL)

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	json_t *doc = json_loadb((const char *)data, size, FLAGS, NULL);
	if (!doc)
		return 0;
	struct arena *a = arena_create();
	char *once = canon_json(a, doc);
	json_t *back = json_loads(once, FLAGS, NULL);
	if (!back || !json_equal(doc, back))
		abort();	/* canonical text must mean the same document */
	char *twice = canon_json(a, back);
	if (strcmp(once, twice) != 0)
		abort();	/* canonicalising is idempotent */
	json_decref(back);
	json_decref(doc);
	arena_destroy(a);
	return 0;
}
