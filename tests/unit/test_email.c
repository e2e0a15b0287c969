/* Email normalisation: look-alikes fold to one form or are refused. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include "base/email.h"

static struct arena *a;

static int
setup(void **state)
{
	a = arena_create();
	return 0;
}

static int
teardown(void **state)
{
	arena_destroy(a);
	return 0;
}

/* The verdict for in, and (on EMAIL_OK) that its form is want. */
static void
expect(const char *in, enum email_verdict verdict, const char *want)
{
	char *out;
	enum email_verdict v = email_normalize(a, in, &out);
	if (v != verdict)
		fail_msg("%s: verdict %d, want %d", in, (int)v, (int)verdict);
	if (verdict == EMAIL_OK)
		assert_string_equal(out, want);
	else
		assert_null(out);
}

/* A plain address is lower-cased and otherwise kept. */
static void
test_ascii(void **state)
{
	expect("Ada.Lovelace+loops@Example.TEST", EMAIL_OK, "ada.lovelace+loops@example.test");
	expect("ada@example.test", EMAIL_OK, "ada@example.test");
	expect("nope", EMAIL_FORMAT, NULL);
	expect("a@@b.c", EMAIL_FORMAT, NULL);
	expect("", EMAIL_FORMAT, NULL);
	expect("ada@example.\xff", EMAIL_FORMAT, NULL);	/* not UTF-8 */
}

/* Zero-width and bidi characters are refused, not silently dropped. */
static void
test_invisible(void **state)
{
	expect("a\u200Bda@example.test", EMAIL_INVISIBLE, NULL);	/* ZWSP */
	expect("a\u200Dda@example.test", EMAIL_INVISIBLE, NULL);	/* ZWJ */
	expect("a\u200Cda@example.test", EMAIL_INVISIBLE, NULL);	/* ZWNJ */
	expect("ada\u202Etset@example.test", EMAIL_INVISIBLE, NULL);	/* RLO */
	expect("ada@exa\u2066mple.test", EMAIL_INVISIBLE, NULL);	/* LRI in the domain */
	expect("\uFEFFada@example.test", EMAIL_INVISIBLE, NULL);	/* BOM */
	expect("ada\u00AD@example.test", EMAIL_INVISIBLE, NULL);	/* soft hyphen */
	expect("ada\uFE0F@example.test", EMAIL_INVISIBLE, NULL);	/* variation selector */
	expect("ad\u3164a@example.test", EMAIL_INVISIBLE, NULL);	/* Hangul filler */
	expect("a\u00A0da@example.test", EMAIL_INVISIBLE, NULL);	/* no-break space */
	expect("ada\u0301\u0301@example.test", EMAIL_INVISIBLE, NULL);	/* stacked marks */
	expect("ada\uE000@example.test", EMAIL_UNASSIGNED, NULL);	/* private use */
	expect("ada\U000E0001@example.test", EMAIL_INVISIBLE, NULL);	/* language tag */
}

/* Full-width and other compatibility forms fold to ASCII (NFKC). */
static void
test_compatibility_forms(void **state)
{
	expect("\uFF41\uFF44\uFF41@example.test", EMAIL_OK, "ada@example.test");
	expect("\uFF21da@example.test", EMAIL_OK, "ada@example.test");
	expect("ada\uFF20example\uFF0Etest", EMAIL_OK, "ada@example.test");	/* ＠ and ． */
	expect("\U0001D41A\U0001D41D\U0001D41A@example.test", EMAIL_OK, "ada@example.test");	/* math bold */
	expect("\u2168@example.test", EMAIL_OK, "ix@example.test");	/* Roman numeral nine */
}

/* A Cyrillic or Greek letter among Latin ones is refused. */
static void
test_mixed_scripts(void **state)
{
	expect("\u0430da@example.test", EMAIL_MIXED_SCRIPT, NULL);	/* Cyrillic а */
	expect("ad\u0430@example.test", EMAIL_MIXED_SCRIPT, NULL);
	expect("\u0391da@example.test", EMAIL_MIXED_SCRIPT, NULL);	/* Greek Α, lower-cased */
	expect("ada@ex\u0430mple.test", EMAIL_MIXED_SCRIPT, NULL);	/* in a domain label */
	expect("ada1\u0661@example.test", EMAIL_MIXED_SCRIPT, NULL);	/* two digit systems */
}

/* Single-script local parts in other scripts, and common CJK mixes, pass. */
static void
test_other_scripts(void **state)
{
	expect("\u0410\u0434\u0430@example.test", EMAIL_OK, "\u0430\u0434\u0430@example.test");
	expect("\u03B1\u03B4\u03B1@example.test", EMAIL_OK, "\u03B1\u03B4\u03B1@example.test");
	expect("\u0391\u0394\u0391.\u03B2@example.test", EMAIL_OK, "\u03B1\u03B4\u03B1.\u03B2@example.test");
	expect("\u5c71\u7530\u305f\u308d\u3046@example.test", EMAIL_OK,
	       "\u5c71\u7530\u305f\u308d\u3046@example.test");		/* Han + Hiragana */
	expect("tanaka\u5c71\u7530@example.test", EMAIL_OK, "tanaka\u5c71\u7530@example.test");
	expect("stra\u00DFe@example.test", EMAIL_OK, "stra\u00DFe@example.test");	/* ß kept */
}

/* IDN domains: U-labels accepted, A-labels brought to the same form. */
static void
test_idn_domains(void **state)
{
	expect("ada@B\u00FCcher.de", EMAIL_OK, "ada@b\u00FCcher.de");
	expect("ada@xn--bcher-kva.de", EMAIL_OK, "ada@b\u00FCcher.de");
	expect("\u0430\u0434\u0430@\u043F\u0440\u0438\u043C\u0435\u0440.\u0440\u0444", EMAIL_OK,
	       "\u0430\u0434\u0430@\u043F\u0440\u0438\u043C\u0435\u0440.\u0440\u0444");
	expect("ada@xn--e1afmkfd.xn--p1ai", EMAIL_OK,
	       "ada@\u043F\u0440\u0438\u043C\u0435\u0440.\u0440\u0444");
	expect("ada@xn--99999999999999.de", EMAIL_DOMAIN, NULL);	/* bad punycode */
	expect("ada@-leading.de", EMAIL_DOMAIN, NULL);			/* hyphen rules */
	expect("ada@a..test", EMAIL_DOMAIN, NULL);			/* empty label */
}

/* The form is a fixed point: normalising it again changes nothing. */
static void
test_idempotent(void **state)
{
	const char *inputs[] = {"\uFF21da@Example.test", "\u0391\u0394\u0391@xn--bcher-kva.de",
				"\u0130stanbul@example.test", "\u1E9E@example.test", NULL};
	for (const char **p = inputs; *p; p++) {
		char *once, *twice;
		assert_int_equal(email_normalize(a, *p, &once), EMAIL_OK);
		assert_int_equal(email_normalize(a, once, &twice), EMAIL_OK);
		assert_string_equal(once, twice);
	}
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_ascii, setup, teardown),
		cmocka_unit_test_setup_teardown(test_invisible, setup, teardown),
		cmocka_unit_test_setup_teardown(test_compatibility_forms, setup, teardown),
		cmocka_unit_test_setup_teardown(test_mixed_scripts, setup, teardown),
		cmocka_unit_test_setup_teardown(test_other_scripts, setup, teardown),
		cmocka_unit_test_setup_teardown(test_idn_domains, setup, teardown),
		cmocka_unit_test_setup_teardown(test_idempotent, setup, teardown),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
