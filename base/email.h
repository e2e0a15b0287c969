#ifndef BASE_EMAIL_H
#define BASE_EMAIL_H
#include <stdbool.h>
#include "base/arena.h"

/*
 * Email addresses as loopd stores and compares them. Look-alikes of one
 * address (full-width letters, a zero-width space, a Cyrillic "а" among
 * Latin letters) must either become the same string or be refused, so
 * uniqueness and duplicate detection cannot be bypassed.
 */
enum email_verdict {
	EMAIL_OK = 0,
	EMAIL_FORMAT,		/* not an address once normalised, or not UTF-8 */
	EMAIL_INVISIBLE,	/* default-ignorable, format, bidi control, space or control */
	EMAIL_UNASSIGNED,	/* unassigned, private-use or noncharacter code point */
	EMAIL_MIXED_SCRIPT,	/* the local part or a domain label mixes scripts or digit systems */
	EMAIL_DOMAIN,		/* the domain is not a valid (internationalised) domain name */
};

/* Normalises in: NFKC, lower case (root locale), NFKC again; the domain
 * through UTS #46 to its Unicode form (so xn-- labels equal their U-labels).
 * Refuses invisible and unassigned characters, and a local part or domain
 * label whose scripts are mixed beyond ICU's "highly restrictive" level
 * (Latin with Han and kana, Han with Hangul or Bopomofo pass; Latin with
 * Cyrillic or Greek does not). Pure: no I/O, no shared state. On EMAIL_OK
 * *out is the normalised address, allocated in a; else *out is NULL. */
enum email_verdict email_normalize(struct arena *a, const char *in, char **out);

/* True when the UTF-8 text s shows nothing: every code point is white
 * space, default-ignorable (zero-width spaces and joiners, the Hangul
 * fillers), a bidi control, a format or control character, a separator,
 * or the braille blank. Names made only of these look empty. (Here because
 * it needs ICU, as the email checks do.) */
bool email_text_is_blank(const char *s);

#endif
