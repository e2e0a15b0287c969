/* Email normalisation and look-alike refusal (ICU; pure code, no I/O). */
#include <stdbool.h>
#include <string.h>
#include <unicode/uchar.h>
#include <unicode/uidna.h>
#include <unicode/unorm2.h>
#include <unicode/uspoof.h>
#include <unicode/ustring.h>
#include <unicode/utf16.h>
#include <unicode/utf8.h>
#include "base/email.h"
#include "base/text.h"

#define EMAIL_MAX_INPUT 1024	/* bytes read at most: bounds the work per call */

/* A UTF-16 string in an arena. */
struct u16 {
	UChar *s;
	int32_t n;
};

/* UTF-8 -> UTF-16 in a; false when s is not UTF-8. */
static bool
from_utf8(struct arena *a, const char *s, struct u16 *out)
{
	UErrorCode err = U_ZERO_ERROR;
	int32_t n = 0;
	u_strFromUTF8(NULL, 0, &n, s, -1, &err);
	if (U_FAILURE(err) && err != U_BUFFER_OVERFLOW_ERROR)
		return false;
	err = U_ZERO_ERROR;
	out->s = arena_alloc(a, ((size_t)n + 1) * sizeof(UChar));
	u_strFromUTF8(out->s, n + 1, &out->n, s, -1, &err);
	return U_SUCCESS(err);
}

/* UTF-16 -> UTF-8 in a; NULL on failure. */
static char *
to_utf8(struct arena *a, const struct u16 *t)
{
	UErrorCode err = U_ZERO_ERROR;
	int32_t n = 0;
	u_strToUTF8(NULL, 0, &n, t->s, t->n, &err);
	if (U_FAILURE(err) && err != U_BUFFER_OVERFLOW_ERROR)
		return NULL;
	err = U_ZERO_ERROR;
	char *out = arena_alloc(a, (size_t)n + 1);
	u_strToUTF8(out, n + 1, NULL, t->s, t->n, &err);
	return U_SUCCESS(err) ? out : NULL;
}

/* Replaces t by its NFKC form (in a); false on an ICU failure. */
static bool
nfkc(struct arena *a, struct u16 *t)
{
	UErrorCode err = U_ZERO_ERROR;
	const UNormalizer2 *n2 = unorm2_getNFKCInstance(&err);
	if (U_FAILURE(err))
		return false;
	int32_t n = unorm2_normalize(n2, t->s, t->n, NULL, 0, &err);
	if (U_FAILURE(err) && err != U_BUFFER_OVERFLOW_ERROR)
		return false;
	err = U_ZERO_ERROR;
	UChar *d = arena_alloc(a, ((size_t)n + 1) * sizeof(UChar));
	n = unorm2_normalize(n2, t->s, t->n, d, n + 1, &err);
	if (U_FAILURE(err))
		return false;
	*t = (struct u16){d, n};
	return true;
}

/* Replaces t by its full lower case in the root locale (in a). */
static bool
lower(struct arena *a, struct u16 *t)
{
	UErrorCode err = U_ZERO_ERROR;
	int32_t n = u_strToLower(NULL, 0, t->s, t->n, "", &err);
	if (U_FAILURE(err) && err != U_BUFFER_OVERFLOW_ERROR)
		return false;
	err = U_ZERO_ERROR;
	UChar *d = arena_alloc(a, ((size_t)n + 1) * sizeof(UChar));
	n = u_strToLower(d, n + 1, t->s, t->n, "", &err);
	if (U_FAILURE(err))
		return false;
	*t = (struct u16){d, n};
	return true;
}

/* EMAIL_INVISIBLE or EMAIL_UNASSIGNED for the first code point that is
 * either, else EMAIL_OK. */
static enum email_verdict
scan(const struct u16 *t)
{
	for (int32_t i = 0; i < t->n;) {
		UChar32 c;
		U16_NEXT(t->s, i, t->n, c);
		int8_t type = u_charType(c);
		if (u_hasBinaryProperty(c, UCHAR_DEFAULT_IGNORABLE_CODE_POINT) ||
		    u_hasBinaryProperty(c, UCHAR_BIDI_CONTROL) || u_hasBinaryProperty(c, UCHAR_WHITE_SPACE) ||
		    type == U_FORMAT_CHAR || type == U_CONTROL_CHAR || type == U_SPACE_SEPARATOR ||
		    type == U_LINE_SEPARATOR || type == U_PARAGRAPH_SEPARATOR)
			return EMAIL_INVISIBLE;
		if (type == U_UNASSIGNED || type == U_PRIVATE_USE_CHAR || type == U_SURROGATE ||
		    u_hasBinaryProperty(c, UCHAR_NONCHARACTER_CODE_POINT))
			return EMAIL_UNASSIGNED;
	}
	return EMAIL_OK;
}

/* ICU's spoof checks on the n bytes at s (a local part or one label):
 * scripts mixed past "highly restrictive", digits of two systems, or
 * stacked invisible marks. */
static enum email_verdict
spoof_check(const char *s, int32_t n)
{
	UErrorCode err = U_ZERO_ERROR;
	USpoofChecker *sc = uspoof_open(&err);
	if (U_FAILURE(err))
		return EMAIL_FORMAT;
	uspoof_setChecks(sc, USPOOF_RESTRICTION_LEVEL | USPOOF_MIXED_NUMBERS | USPOOF_INVISIBLE, &err);
	uspoof_setRestrictionLevel(sc, USPOOF_HIGHLY_RESTRICTIVE);
	int32_t r = uspoof_check2UTF8(sc, s, n, NULL, &err);
	uspoof_close(sc);
	if (U_FAILURE(err))
		return EMAIL_FORMAT;
	if (r & USPOOF_INVISIBLE)
		return EMAIL_INVISIBLE;
	return r ? EMAIL_MIXED_SCRIPT : EMAIL_OK;
}

/* The domain d in its UTS #46 Unicode form (in a), or NULL when it is not a
 * valid domain name (bad punycode, bidi or joiner rules, empty or long labels). */
static char *
domain_unicode(struct arena *a, const char *d)
{
	UErrorCode err = U_ZERO_ERROR;
	UIDNA *idna = uidna_openUTS46(UIDNA_NONTRANSITIONAL_TO_UNICODE | UIDNA_CHECK_BIDI |
				      UIDNA_CHECK_CONTEXTJ | UIDNA_CHECK_CONTEXTO, &err);
	if (U_FAILURE(err))
		return NULL;
	UIDNAInfo info = UIDNA_INFO_INITIALIZER;
	int32_t len = (int32_t)strlen(d);
	int32_t n = uidna_nameToUnicodeUTF8(idna, d, len, NULL, 0, &info, &err);
	char *out = NULL;
	if (U_SUCCESS(err) || err == U_BUFFER_OVERFLOW_ERROR) {
		err = U_ZERO_ERROR;
		info = (UIDNAInfo)UIDNA_INFO_INITIALIZER;
		out = arena_alloc(a, (size_t)n + 1);
		uidna_nameToUnicodeUTF8(idna, d, len, out, n + 1, &info, &err);
	}
	uidna_close(idna);
	return U_SUCCESS(err) && !info.errors ? out : NULL;
}

/* The spoof checks on the local part and on every label of the domain. */
static enum email_verdict
check_parts(const char *local, size_t local_len, const char *domain)
{
	enum email_verdict v = spoof_check(local, (int32_t)local_len);
	for (const char *p = domain; v == EMAIL_OK && *p;) {
		size_t n = strcspn(p, ".");
		if (n)
			v = spoof_check(p, (int32_t)n);
		p += n + (p[n] == '.');
	}
	return v;
}

/* The normalised address in a, or the reason it is refused (base/email.h). */
enum email_verdict
email_normalize(struct arena *a, const char *in, char **out)
{
	*out = NULL;
	struct u16 t;
	if (!in || !*in || strnlen(in, EMAIL_MAX_INPUT + 1) > EMAIL_MAX_INPUT || !from_utf8(a, in, &t))
		return EMAIL_FORMAT;
	enum email_verdict v = scan(&t);
	if (v != EMAIL_OK)
		return v;
	if (!nfkc(a, &t) || !lower(a, &t) || !nfkc(a, &t))
		return EMAIL_FORMAT;
	if ((v = scan(&t)) != EMAIL_OK)
		return v;
	char *s = to_utf8(a, &t);
	if (!s || !text_is_email(s))
		return EMAIL_FORMAT;
	char *at = strchr(s, '@');
	/* A quoted local part names the same mailbox as its unquoted form
	 * ("ada"@x is ada@x): refused, so it cannot make a second address. */
	if (memchr(s, '"', (size_t)(at - s)) || memchr(s, '\\', (size_t)(at - s)))
		return EMAIL_FORMAT;
	char *domain = domain_unicode(a, at + 1);
	if (!domain)
		return EMAIL_DOMAIN;
	if ((v = check_parts(s, (size_t)(at - s), domain)) != EMAIL_OK)
		return v;
	char *norm = arena_printf(a, "%.*s@%s", (int)(at - s), s, domain);
	if (!text_is_email(norm))
		return EMAIL_FORMAT;
	*out = norm;
	return EMAIL_OK;
}

bool
email_text_is_blank(const char *s)
{
	int32_t n = (int32_t)strlen(s);
	for (int32_t i = 0; i < n;) {
		UChar32 c;
		U8_NEXT(s, i, n, c);
		if (c < 0)
			return false;	/* not UTF-8: not ours to call blank */
		int8_t type = u_charType(c);
		bool shows_nothing = c == 0x2800 ||
			u_hasBinaryProperty(c, UCHAR_DEFAULT_IGNORABLE_CODE_POINT) ||
			u_hasBinaryProperty(c, UCHAR_BIDI_CONTROL) ||
			u_hasBinaryProperty(c, UCHAR_WHITE_SPACE) || type == U_FORMAT_CHAR ||
			type == U_CONTROL_CHAR || type == U_SPACE_SEPARATOR ||
			type == U_LINE_SEPARATOR || type == U_PARAGRAPH_SEPARATOR;
		if (!shows_nothing)
			return false;
	}
	return true;
}
