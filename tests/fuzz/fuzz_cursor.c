/* libFuzzer driver for pagination cursors (api_cursor_read), then the
 * position inside a cursor as api_page_or_reply reads it.
 *
 * Input byte 0 picks the mode:
 *   even: the rest, NUL-terminated, is a cursor as a client sent it;
 *   odd:  the rest is a position, made into a correctly signed cursor, so
 *         the fuzzer reaches the position checks behind the MAC; it must
 *         read back as the same position.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include "api/common.h"
#include "api/http.h"
#include "base/text.h"

/* Splits a cursor's position "created|id" and checks both halves. */
static void
read_position(char *text)
{
	char *bar = strchr(text, '|');
	int64_t us;
	if (!bar)
		return;
	*bar = '\0';
	if (text_parse_rfc3339(text, &us))
		(void)text_is_uuid(bar + 1);
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	if (size == 0)
		return 0;
	static const unsigned char key[32] = {1, 2, 3};
	api_cursor_set_key(key, sizeof key);
	struct api_request rq = {.arena = arena_create()};
	char *s = arena_strndup(rq.arena, (const char *)data + 1, size - 1);
	const char *cursor = (data[0] & 1) ? api_cursor_make(&rq, s) : s;
	char *text = api_cursor_read(&rq, cursor);
	if ((data[0] & 1) && strlen(cursor) <= 512 && (!text || strcmp(text, s) != 0))
		abort();	/* a cursor we signed must read back as it was made */
	if (text)
		read_position(text);
	arena_destroy(rq.arena);
	return 0;
}
