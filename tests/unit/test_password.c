#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <argon2.h>
#include <string.h>
#include <unistd.h>
#include "auth/password.h"
#include "base/text.h"

#define PW "correct horse battery staple"

/* One default-parameter hash shared by the tests (argon2 is slow on purpose). */
static struct arena *arena;
static const char *default_hash;

static int
group_setup(void **state)
{
	auth_password_init(NULL);
	arena = arena_create();
	default_hash = auth_password_hash(arena, PW, NULL);
	return default_hash ? 0 : -1;
}

static int
group_teardown(void **state)
{
	arena_destroy(arena);
	return 0;
}

/* The "salt$hash" part of an encoded hash (after its fourth '$'). */
static const char *
salt_and_hash(const char *h)
{
	for (int i = 0; i < 4; i++)
		h = strchr(h, '$') + 1;
	return h;
}

/* A cheap, weak argon2id hash (m=4096 KiB, t=1), as an older config made. */
static void
weak_hash(const char *pw, char *out, size_t n)
{
	const unsigned char salt[16] = "0123456789abcdef";
	assert_int_equal(argon2id_hash_encoded(1, 4096, 1, pw, strlen(pw), salt, sizeof salt, 32,
					       out, n), ARGON2_OK);
}

static void
test_hash_verify(void **state)
{
	assert_true(strncmp(default_hash, "$argon2id$v=19$m=19456,t=2,p=1$", 31) == 0);
	assert_true(auth_password_verify(default_hash, PW));
	assert_false(auth_password_verify(default_hash, PW "!"));
	assert_false(auth_password_verify(default_hash, ""));
	assert_false(auth_password_verify(default_hash, NULL));
	assert_false(auth_password_verify("$argon2i$v=19$m=19456,t=2,p=1$AAAA$AAAA", PW));
	assert_false(auth_password_verify("", PW));
	assert_false(auth_password_verify(NULL, PW));

	/* A weak hash still verifies (so the login can re-hash it). */
	char weak[128];
	weak_hash(PW, weak, sizeof weak);
	assert_true(auth_password_verify(weak, PW));
	assert_false(auth_password_verify(weak, "nope nope nope"));

	/* Absurd parameters in a (corrupt) row are refused without hashing. */
	const char *absurd = arena_printf(arena, "$argon2id$v=19$m=4194304,t=1,p=1$%s",
					  salt_and_hash(weak));
	assert_false(auth_password_verify(absurd, PW));
	assert_true(auth_password_needs_rehash(absurd, NULL));
}

static void
test_params_and_salt(void **state)
{
	struct auth_argon_params p = auth_password_params();
	assert_int_equal(p.m_kib, 19456);
	assert_int_equal(p.t, 2);
	assert_int_equal(p.p, 1);
	/* 16-byte salt (22 base64 characters), 32-byte hash (43). */
	const char *sh = salt_and_hash(default_hash);
	assert_int_equal(strcspn(sh, "$"), 22);
	assert_int_equal(strlen(strchr(sh, '$') + 1), 43);
}

static void
test_needs_rehash(void **state)
{
	char weak[128];
	weak_hash(PW, weak, sizeof weak);
	struct auth_argon_params stronger = {65536, 3, 1};
	struct auth_argon_params weaker = {4096, 1, 1};

	assert_true(auth_password_needs_rehash(weak, NULL));
	assert_false(auth_password_needs_rehash(default_hash, NULL));
	assert_false(auth_password_needs_rehash(default_hash, &AUTH_ARGON_DEFAULTS));
	assert_true(auth_password_needs_rehash(default_hash, &stronger));
	/* A configuration below the floor is raised to it: the weak hash still
	 * needs re-hashing, the default one does not. */
	assert_true(auth_password_needs_rehash(weak, &weaker));
	assert_false(auth_password_needs_rehash(default_hash, &weaker));

	assert_true(auth_password_needs_rehash(NULL, NULL));
	assert_true(auth_password_needs_rehash("", NULL));
	assert_true(auth_password_needs_rehash("$2b$12$abcdefghijklmnopqrstuv", NULL));
	assert_true(auth_password_needs_rehash("$argon2id$v=19$m=65536,t=3,p=1$c2FsdA$aGFzaA",
					       NULL));	/* salt and hash too short */
	assert_true(auth_password_needs_rehash("$argon2id$v=19$m=-1,t=3,p=1$", NULL));
	char *trailing = arena_printf(arena, "%s$", default_hash);
	assert_true(auth_password_needs_rehash(trailing, NULL));
	char *argon2i = arena_strdup(arena, default_hash);
	memmove(argon2i + 8, argon2i + 9, strlen(argon2i + 9) + 1);	/* "$argon2i$..." */
	assert_true(auth_password_needs_rehash(argon2i, NULL));
}

static void
test_hash_never_below_floor(void **state)
{
	struct auth_argon_params weaker = {4096, 1, 1};
	char *h = auth_password_hash(arena, PW, &weaker);
	assert_non_null(h);
	assert_true(strncmp(h, "$argon2id$v=19$m=19456,t=2,p=1$", 31) == 0);
}

static void
test_dummy_verify(void **state)
{
	int64_t t0 = text_now_monotonic_us();
	auth_password_dummy_verify(PW);		/* first call also makes the dummy */
	int64_t t1 = text_now_monotonic_us();
	auth_password_dummy_verify("anything at all");
	int64_t t2 = text_now_monotonic_us();
	auth_password_dummy_verify(NULL);
	/* A full argon2id at m=19 MiB is tens of milliseconds, never free. */
	assert_true(t1 - t0 > 5000);
	assert_true(t2 - t1 > 5000);
}

static void
test_acceptable(void **state)
{
	const char *why = NULL;
	char buf[4 * 1100];

	assert_false(auth_password_acceptable("abcdefghijk", &why));	/* 11 */
	assert_string_equal(why, "password must be at least 12 characters");
	assert_true(auth_password_acceptable("abcdefghijkl", &why));	/* 12 */
	assert_false(auth_password_acceptable(NULL, &why));
	assert_false(auth_password_acceptable("", NULL));

	memset(buf, 'a', 1024);
	buf[1024] = '\0';
	assert_true(auth_password_acceptable(buf, &why));
	memset(buf, 'a', 1025);
	buf[1025] = '\0';
	assert_false(auth_password_acceptable(buf, &why));
	assert_string_equal(why, "password must be at most 1024 characters");

	/* Code points, not bytes: 11 euro signs are 33 bytes and too short. */
	for (int i = 0; i < 11; i++)
		memcpy(buf + 3 * i, "\xe2\x82\xac", 3);
	buf[3 * 11] = '\0';
	assert_false(auth_password_acceptable(buf, &why));
	memcpy(buf + 3 * 11, "\xe2\x82\xac", 4);	/* a 12th, and the NUL */
	assert_true(auth_password_acceptable(buf, &why));	/* 12 code points */
	/* 1024 three-byte code points (3072 bytes) fit; 1025 do not. */
	buf[0] = '\0';
	for (int i = 0; i < 1024; i++)
		memcpy(buf + 3 * i, "\xe2\x82\xac", 3);
	buf[3 * 1024] = '\0';
	assert_true(auth_password_acceptable(buf, &why));
	memcpy(buf + 3 * 1024, "\xe2\x82\xac", 4);
	assert_false(auth_password_acceptable(buf, &why));
	/* Four-byte code points: 12 of them (48 bytes) are fine. */
	for (int i = 0; i < 12; i++)
		memcpy(buf + 4 * i, "\xf0\x9f\x94\x91", 4);
	buf[4 * 12] = '\0';
	assert_true(auth_password_acceptable(buf, &why));

	assert_false(auth_password_acceptable("abcdefghijk\xff", &why));
	assert_string_equal(why, "password must be valid UTF-8");
	assert_false(auth_password_acceptable("abcdefghijk\xc0\xaf", &why));	/* overlong */
	assert_false(auth_password_acceptable("abcdefghijk\xed\xa0\x80", &why));	/* surrogate */
}

static void
test_semaphore(void **state)
{
	long cores = sysconf(_SC_NPROCESSORS_ONLN);
	assert_true(cores >= 1);
	for (long i = 0; i < cores; i++)
		assert_true(auth_password_slot_acquire(0));

	int64_t t0 = text_now_monotonic_us();
	assert_false(auth_password_slot_acquire(10));
	int64_t waited = text_now_monotonic_us() - t0;
	assert_true(waited >= 9000);
	assert_true(waited < 1000000);
	assert_false(auth_password_slot_acquire(0));

	/* Holding slots, this thread's own hashing runs in them (no deadlock). */
	char weak[128];
	weak_hash(PW, weak, sizeof weak);
	assert_true(auth_password_verify(weak, PW));
	assert_false(auth_password_slot_acquire(0));

	auth_password_slot_release();
	assert_true(auth_password_slot_acquire(10));
	for (long i = 0; i < cores; i++)
		auth_password_slot_release();
	auth_password_slot_release();	/* stray release: ignored, no extra slot */
	for (long i = 0; i < cores; i++)
		assert_true(auth_password_slot_acquire(0));
	assert_false(auth_password_slot_acquire(0));
	for (long i = 0; i < cores; i++)
		auth_password_slot_release();
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_hash_verify),
		cmocka_unit_test(test_params_and_salt),
		cmocka_unit_test(test_needs_rehash),
		cmocka_unit_test(test_hash_never_below_floor),
		cmocka_unit_test(test_dummy_verify),
		cmocka_unit_test(test_acceptable),
		cmocka_unit_test(test_semaphore),
	};
	return cmocka_run_group_tests(tests, group_setup, group_teardown);
}
