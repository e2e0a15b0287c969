/* libFuzzer driver for email addresses (email_normalize: NFKC, case
 * folding, UTS #46 domains, script mixing) and blank names
 * (email_text_is_blank). A normalised address normalises to itself, and a
 * refusal leaves no address. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include "base/email.h"

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct arena *a = arena_create();
	char *in = arena_strndup(a, (const char *)data, size);
	char *out = NULL, *again = NULL;
	enum email_verdict v = email_normalize(a, in, &out);
	if ((v == EMAIL_OK) != (out != NULL))
		abort();
	if (out && (email_normalize(a, out, &again) != EMAIL_OK || strcmp(out, again) != 0))
		abort();	/* normalising is idempotent */
	(void)email_text_is_blank(in);
	arena_destroy(a);
	return 0;
}
