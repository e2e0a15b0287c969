/* The memory of verified access tokens: found only by the same bytes, and
 * only while the time, issuer, audience and key it verified with still hold. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <stdlib.h>
#include <string.h>
#include "auth/token.h"
#include "auth/verified.h"

#define ISS "https://loopd.test"
#define AUD "loopd-api"
#define NOW INT64_C(1900000000)

static const unsigned char secret[32] = "new-secret-0123456789abcdefghijk";
static const struct auth_key keys[] = {{"k-new", secret, sizeof secret}};
static const struct auth_keyring ring = {keys, 1};
static const struct auth_keyring other_ring = {
	(const struct auth_key[]){{"k-other", secret, sizeof secret}}, 1};
static const char *const roles[] = {"interviewer", "hiring_manager"};

static int
setup(void **state)
{
	auth_verified_clear();
	*state = arena_create();
	return 0;
}

static int
teardown(void **state)
{
	arena_destroy(*state);
	auth_verified_clear();
	return 0;
}

/* A token issued at NOW for 15 minutes, verified and kept. */
static char *
kept_token(struct arena *a, const char *sub)
{
	struct auth_claims c = {.iss = ISS, .aud = AUD, .sub = sub,
				.org = "6f1d2c3b-4a59-4e8d-8c7b-6a5f4e3d2c1b",
				.roles = (const char **)roles, .n_roles = 2,
				.scope = "loops:read", .iat = NOW, .nbf = NOW, .exp = NOW + 900},
			   out;
	char *t = auth_token_issue(a, &keys[0], &c);
	assert_non_null(t);
	assert_int_equal(auth_token_verify(a, t, &ring, ISS, AUD, NOW, &out), AUTH_TOKEN_OK);
	assert_string_equal(out.kid, "k-new");
	auth_verified_keep(t, &out);
	return t;
}

#define SUB1 "0b4f8f8e-6a59-4d0c-9a0e-3f1c2b7d9e01"

static bool
find(struct arena *a, const char *t, const struct auth_keyring *r, const char *iss,
     const char *aud, int64_t now)
{
	struct auth_claims out;
	return auth_verified_find(a, t, r, iss, aud, now, &out);
}

static void
test_found_with_its_claims(void **state)
{
	struct arena *a = *state;
	char *t = kept_token(a, SUB1);
	struct auth_claims out;
	assert_true(auth_verified_find(a, t, &ring, ISS, AUD, NOW + 10, &out));
	assert_string_equal(out.sub, SUB1);
	assert_string_equal(out.scope, "loops:read");
	assert_int_equal(out.n_roles, 2);
	assert_string_equal(out.roles[1], "hiring_manager");
	assert_int_equal(out.exp, NOW + 900);
}

static void
test_only_the_same_bytes(void **state)
{
	struct arena *a = *state;
	char *t = kept_token(a, SUB1);
	char *changed = arena_strdup(a, t);
	changed[strlen(changed) - 1] ^= 1;	/* another signature */
	assert_false(find(a, changed, &ring, ISS, AUD, NOW));
	changed[strlen(changed) - 1] = '\0';	/* a prefix */
	assert_false(find(a, changed, &ring, ISS, AUD, NOW));
	assert_false(find(a, "", &ring, ISS, AUD, NOW));
	assert_false(find(a, NULL, &ring, ISS, AUD, NOW));
	assert_true(find(a, t, &ring, ISS, AUD, NOW));
}

static void
test_time_is_checked_again(void **state)
{
	struct arena *a = *state;
	char *t = kept_token(a, SUB1);
	assert_true(find(a, t, &ring, ISS, AUD, NOW + 900 + AUTH_TOKEN_LEEWAY));
	assert_false(find(a, t, &ring, ISS, AUD, NOW + 900 + AUTH_TOKEN_LEEWAY + 1));	/* expired */
	assert_false(find(a, t, &ring, ISS, AUD, NOW - AUTH_TOKEN_LEEWAY - 1));	/* not yet valid */
	assert_false(find(a, t, &ring, ISS, AUD, INT64_MAX));
	assert_false(find(a, t, &ring, ISS, AUD, INT64_MIN));
}

static void
test_key_issuer_and_audience_are_checked_again(void **state)
{
	struct arena *a = *state;
	char *t = kept_token(a, SUB1);
	assert_false(find(a, t, &other_ring, ISS, AUD, NOW));	/* its key left the ring */
	assert_false(find(a, t, NULL, ISS, AUD, NOW));
	assert_false(find(a, t, &ring, "https://evil.test", AUD, NOW));
	assert_false(find(a, t, &ring, ISS, "other-api", NOW));
	assert_false(find(a, t, &ring, NULL, AUD, NOW));
	assert_true(find(a, t, &ring, ISS, AUD, NOW));
}

/* Far more tokens than slots: each found is found with its own claims. */
static void
test_bounded_and_never_mixed_up(void **state)
{
	struct arena *a = *state;
	enum { N = AUTH_VERIFIED_SLOTS * 3 };
	char **t = arena_alloc(a, N * sizeof *t);
	char **sub = arena_alloc(a, N * sizeof *sub);
	for (int i = 0; i < N; i++) {
		sub[i] = arena_printf(a, "0b4f8f8e-6a59-4d0c-9a0e-%012d", i);
		t[i] = kept_token(a, sub[i]);
	}
	int found = 0;
	for (int i = 0; i < N; i++) {
		struct auth_claims out;
		if (auth_verified_find(a, t[i], &ring, ISS, AUD, NOW, &out)) {
			assert_string_equal(out.sub, sub[i]);
			found++;
		}
	}
	assert_true(found > 0 && found <= AUTH_VERIFIED_SLOTS);
	auth_verified_clear();
	assert_false(find(a, t[N - 1], &ring, ISS, AUD, NOW));
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_found_with_its_claims, setup, teardown),
		cmocka_unit_test_setup_teardown(test_only_the_same_bytes, setup, teardown),
		cmocka_unit_test_setup_teardown(test_time_is_checked_again, setup, teardown),
		cmocka_unit_test_setup_teardown(test_key_issuer_and_audience_are_checked_again, setup,
						teardown),
		cmocka_unit_test_setup_teardown(test_bounded_and_never_mixed_up, setup, teardown),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
