/* libFuzzer driver for RFC 3339 date-times (text_parse_rfc3339): a time
 * that parses must format and parse back to the same instant. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include "base/text.h"

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct arena *a = arena_create();
	char *s = arena_strndup(a, (const char *)data, size);
	int64_t us, again;
	if (text_parse_rfc3339(s, &us)) {
		char *text = text_format_rfc3339(a, us);
		if (!text_parse_rfc3339(text, &again) || again != us ||
		    strcmp(text, text_format_rfc3339(a, again)) != 0)
			abort();
	}
	arena_destroy(a);
	return 0;
}
