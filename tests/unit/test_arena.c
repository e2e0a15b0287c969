/* arena_printf: the text is whole and NUL-terminated on both sides of the
 * stack buffer's size, and the arena stays usable around it. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <stdlib.h>
#include <string.h>
#include "base/arena.h"

static void
printf_any_length(void **state)
{
	(void)state;
	struct arena *a = arena_create();
	const size_t lengths[] = {0, 1, 254, 255, 256, 257, 511, 8191, 8192, 100000};
	char *fill = malloc(100001);
	memset(fill, 'x', 100000);
	fill[100000] = 0;
	for (size_t i = 0; i < sizeof lengths / sizeof *lengths; i++) {
		size_t n = lengths[i];
		/* "%s%d": the last digit is formatted, so a truncated pass shows */
		char *s = arena_printf(a, "%.*s%d", (int)(n ? n - 1 : 0), fill, 7);
		size_t want = n ? n : 1;
		assert_int_equal(strlen(s), want);
		assert_int_equal(s[want - 1], '7');
		assert_true(want == 1 || s[0] == 'x');
		char *next = arena_strdup(a, "after");
		assert_string_equal(next, "after");
		assert_int_equal(s[want], 0);
	}
	free(fill);
	arena_destroy(a);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {cmocka_unit_test(printf_any_length)};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
