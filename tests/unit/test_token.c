#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <jansson.h>
#include <stdlib.h>
#include <string.h>
#include "auth/token.h"
#include "base/crypto.h"

#define ISS "https://loopd.test"
#define AUD "loopd-api"
#define NOW INT64_C(1900000000)
#define SUB "0b4f8f8e-6a59-4d0c-9a0e-3f1c2b7d9e01"
#define ORG "6f1d2c3b-4a59-4e8d-8c7b-6a5f4e3d2c1b"

static const unsigned char secret_old[32] = "old-secret-0123456789abcdefghijk";
static const unsigned char secret_new[32] = "new-secret-0123456789abcdefghijk";
static const unsigned char secret_bad[32] = "bad-secret-0123456789abcdefghijk";

static const struct auth_key key_old = {"k-old", secret_old, sizeof secret_old};
static const struct auth_key key_new = {"k-new", secret_new, sizeof secret_new};
static const struct auth_key both[] = {
	{"k-old", secret_old, sizeof secret_old},
	{"k-new", secret_new, sizeof secret_new},
};
static const struct auth_keyring ring = {both, 2};

static const char *const roles[] = {"interviewer", "hiring_manager"};

static int
setup(void **state)
{
	*state = arena_create();
	return 0;
}

static int
teardown(void **state)
{
	arena_destroy(*state);
	return 0;
}

/* Claims valid at NOW, for 15 minutes. */
static struct auth_claims
sample_claims(void)
{
	struct auth_claims c = {
		.iss = ISS, .aud = AUD, .sub = SUB, .org = ORG,
		.roles = (const char **)roles, .n_roles = 2,
		.scope = "candidates:read loops:read",
		.iat = NOW, .nbf = NOW, .exp = NOW + 900,
	};
	return c;
}

/* The default hand-built payload as a JSON object (caller owns it). */
static json_t *
sample_payload(void)
{
	return json_pack("{s:s, s:s, s:s, s:s, s:[s], s:s, s:I, s:I, s:I, s:s, s:s}",
			 "iss", ISS, "aud", AUD, "sub", SUB, "org", ORG, "roles", "interviewer",
			 "scope", "loops:read", "iat", (json_int_t)NOW, "nbf", (json_int_t)NOW,
			 "exp", (json_int_t)(NOW + 900), "jti", "abc", "tt", "access");
}

/* header.payload.signature from raw JSON texts, HMAC-signed with secret
 * (an empty signature when secret is NULL); in a. */
static char *
make_raw(struct arena *a, const char *header, const char *payload, const void *secret,
	 size_t len)
{
	char *signing = arena_printf(a, "%s.%s", crypto_b64url_encode(a, header, strlen(header)),
				     crypto_b64url_encode(a, payload, strlen(payload)));
	unsigned char mac[32];
	if (!secret)
		return arena_printf(a, "%s.", signing);
	crypto_hmac_sha256(secret, len, signing, strlen(signing), mac);
	return arena_printf(a, "%s.%s", signing, crypto_b64url_encode(a, mac, sizeof mac));
}

/* Like make_raw with the payload given as a JSON object (consumed). */
static char *
make(struct arena *a, const char *header, json_t *payload, const void *secret, size_t len)
{
	char *p = json_dumps(payload, JSON_COMPACT);
	char *t = make_raw(a, header, arena_strdup(a, p), secret, len);
	free(p);
	json_decref(payload);
	return t;
}

#define HDR_OLD "{\"alg\":\"HS256\",\"typ\":\"JWT\",\"kid\":\"k-old\"}"

/* Verifies t against ring with our iss and aud at NOW. */
static enum auth_token_status
check(struct arena *a, const char *t)
{
	struct auth_claims out;
	return auth_token_verify(a, t, &ring, ISS, AUD, NOW, &out);
}

/* A hand-built payload with k set to v (v consumed; NULL deletes k). */
static json_t *
payload_with(const char *k, json_t *v)
{
	json_t *p = sample_payload();
	if (v)
		json_object_set_new(p, k, v);
	else
		json_object_del(p, k);
	return p;
}

static void
test_round_trip(void **state)
{
	struct arena *a = *state;
	struct auth_claims c = sample_claims(), out;

	char *t = auth_token_issue(a, &key_new, &c);
	assert_non_null(t);
	assert_int_equal(auth_token_verify(a, t, &ring, ISS, AUD, NOW, &out), AUTH_TOKEN_OK);
	assert_string_equal(out.iss, ISS);
	assert_string_equal(out.aud, AUD);
	assert_string_equal(out.sub, SUB);
	assert_string_equal(out.org, ORG);
	assert_int_equal(out.n_roles, 2);
	assert_string_equal(out.roles[0], "interviewer");
	assert_string_equal(out.roles[1], "hiring_manager");
	assert_string_equal(out.scope, "candidates:read loops:read");
	assert_int_equal(out.iat, NOW);
	assert_int_equal(out.nbf, NOW);
	assert_int_equal(out.exp, NOW + 900);
	assert_non_null(out.jti);
	assert_true(strlen(out.jti) >= 22);

	/* The header is exactly what we promise. */
	size_t n;
	char *h = arena_strndup(a, t, strcspn(t, "."));
	unsigned char *hj = crypto_b64url_decode(a, h, &n);
	json_t *hdr = json_loadb((const char *)hj, n, 0, NULL);
	assert_string_equal(json_string_value(json_object_get(hdr, "alg")), "HS256");
	assert_string_equal(json_string_value(json_object_get(hdr, "typ")), "JWT");
	assert_string_equal(json_string_value(json_object_get(hdr, "kid")), "k-new");
	json_decref(hdr);

	/* Two tokens for the same claims differ by jti. */
	struct auth_claims out2;
	char *t2 = auth_token_issue(a, &key_new, &c);
	assert_int_equal(auth_token_verify(a, t2, &ring, ISS, AUD, NOW, &out2), AUTH_TOKEN_OK);
	assert_string_not_equal(out.jti, out2.jti);

	/* An explicit jti is kept; no roles is fine. */
	c.jti = "my-jti";
	c.n_roles = 0;
	t = auth_token_issue(a, &key_new, &c);
	assert_int_equal(auth_token_verify(a, t, &ring, ISS, AUD, NOW, &out), AUTH_TOKEN_OK);
	assert_string_equal(out.jti, "my-jti");
	assert_int_equal(out.n_roles, 0);

	/* A hand-built token with the same shape verifies too. */
	assert_int_equal(check(a, make(a, HDR_OLD, sample_payload(), secret_old, 32)),
			 AUTH_TOKEN_OK);
}

static void
test_issue_refuses_bad_input(void **state)
{
	struct arena *a = *state;
	struct auth_claims c = sample_claims();
	struct auth_key short_key = {"short", secret_old, 31};
	struct auth_key no_kid = {"", secret_old, 32};

	assert_null(auth_token_issue(a, &short_key, &c));
	assert_null(auth_token_issue(a, &no_kid, &c));
	c.sub = "not-a-uuid";
	assert_null(auth_token_issue(a, &key_new, &c));
	c = sample_claims();
	c.iss = NULL;
	assert_null(auth_token_issue(a, &key_new, &c));
}

static void
test_alg_none(void **state)
{
	struct arena *a = *state;
	const char *hdr = "{\"alg\":\"none\",\"typ\":\"JWT\",\"kid\":\"k-old\"}";

	/* The classic form: empty signature (not three non-empty segments). */
	assert_int_equal(check(a, make(a, hdr, sample_payload(), NULL, 0)), AUTH_TOKEN_MALFORMED);
	/* With a signature (even a right one) the alg check catches it. */
	assert_int_equal(check(a, make(a, hdr, sample_payload(), secret_old, 32)),
			 AUTH_TOKEN_BAD_ALG);
	/* No alg at all. */
	assert_int_equal(check(a, make(a, "{\"typ\":\"JWT\",\"kid\":\"k-old\"}", sample_payload(),
				       secret_old, 32)), AUTH_TOKEN_BAD_ALG);
}

static void
test_other_algs(void **state)
{
	struct arena *a = *state;
	static const char *const hdrs[] = {
		"{\"alg\":\"RS256\",\"typ\":\"JWT\",\"kid\":\"k-old\"}",
		"{\"alg\":\"ES256\",\"typ\":\"JWT\",\"kid\":\"k-old\"}",
		"{\"alg\":\"hs256\",\"typ\":\"JWT\",\"kid\":\"k-old\"}",
		"{\"alg\":\"HS512\",\"typ\":\"JWT\",\"kid\":\"k-old\"}",
		"{\"alg\":\"HS256 \",\"typ\":\"JWT\",\"kid\":\"k-old\"}",
		"{\"alg\":[\"HS256\"],\"typ\":\"JWT\",\"kid\":\"k-old\"}",
	};
	/* Signed with the right secret: only the alg check can catch them. */
	for (size_t i = 0; i < sizeof hdrs / sizeof *hdrs; i++)
		assert_int_equal(check(a, make(a, hdrs[i], sample_payload(), secret_old, 32)),
				 AUTH_TOKEN_BAD_ALG);
}

static void
test_wrong_key(void **state)
{
	struct arena *a = *state;

	assert_int_equal(check(a, make(a, HDR_OLD, sample_payload(), secret_bad, 32)),
			 AUTH_TOKEN_BAD_SIGNATURE);
	/* The new key's secret under the old key's kid. */
	assert_int_equal(check(a, make(a, HDR_OLD, sample_payload(), secret_new, 32)),
			 AUTH_TOKEN_BAD_SIGNATURE);
	/* Signed with an empty key. */
	assert_int_equal(check(a, make(a, HDR_OLD, sample_payload(), "", 0)),
			 AUTH_TOKEN_BAD_SIGNATURE);
}

static void
test_tampered_payload(void **state)
{
	struct arena *a = *state;
	struct auth_claims c = sample_claims();
	char *t = auth_token_issue(a, &key_old, &c);

	char *p = strchr(t, '.') + 1;
	size_t mid = strcspn(p, ".") / 2;
	p[mid] = p[mid] == 'A' ? 'B' : 'A';
	assert_int_equal(check(a, t), AUTH_TOKEN_BAD_SIGNATURE);

	/* Tampered signature. */
	t = auth_token_issue(a, &key_old, &c);
	char *s = strrchr(t, '.') + 1;
	s[0] = s[0] == 'A' ? 'B' : 'A';
	assert_int_equal(check(a, t), AUTH_TOKEN_BAD_SIGNATURE);

	/* Truncated signature: 40 of 43 characters decode cleanly to 30 bytes. */
	t = auth_token_issue(a, &key_old, &c);
	t[strlen(t) - 3] = '\0';
	assert_int_equal(check(a, t), AUTH_TOKEN_BAD_SIGNATURE);

	/* Signature with non-zero padding bits: a second spelling is refused. */
	t = auth_token_issue(a, &key_old, &c);
	s = strrchr(t, '.') + 1;
	static const char b64u[] =
		"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";
	assert_int_equal(strlen(s), 43);
	s[42] = b64u[(strchr(b64u, s[42]) - b64u) | 1];
	assert_int_equal(check(a, t), AUTH_TOKEN_MALFORMED);
}

static void
test_segments(void **state)
{
	struct arena *a = *state;
	struct auth_claims c = sample_claims();
	char *t = auth_token_issue(a, &key_old, &c);

	assert_int_equal(check(a, arena_printf(a, "%s.e30", t)), AUTH_TOKEN_MALFORMED);
	assert_int_equal(check(a, arena_strndup(a, t, (size_t)(strrchr(t, '.') - t))),
			 AUTH_TOKEN_MALFORMED);
	assert_int_equal(check(a, ""), AUTH_TOKEN_MALFORMED);
	assert_int_equal(check(a, ".."), AUTH_TOKEN_MALFORMED);
	assert_int_equal(check(a, "abc"), AUTH_TOKEN_MALFORMED);
	assert_int_equal(check(a, NULL), AUTH_TOKEN_MALFORMED);
	assert_int_equal(check(a, arena_printf(a, "%s\n", t)), AUTH_TOKEN_MALFORMED);
	assert_int_equal(check(a, arena_printf(a, "=%s", t)), AUTH_TOKEN_MALFORMED);
	/* Header that is not JSON, or JSON but not an object. */
	assert_int_equal(check(a, make_raw(a, "HS256", "{}", secret_old, 32)),
			 AUTH_TOKEN_MALFORMED);
	assert_int_equal(check(a, make_raw(a, "[\"HS256\"]", "{}", secret_old, 32)),
			 AUTH_TOKEN_MALFORMED);
	/* Payload that is not an object, correctly signed. */
	assert_int_equal(check(a, make_raw(a, HDR_OLD, "[1]", secret_old, 32)),
			 AUTH_TOKEN_MALFORMED);
}

static void
test_too_long(void **state)
{
	struct arena *a = *state;
	char pad[9 * 1024];
	memset(pad, 'x', sizeof pad - 1);
	pad[sizeof pad - 1] = '\0';

	char *t = make(a, HDR_OLD, payload_with("pad", json_string(pad)), secret_old, 32);
	assert_true(strlen(t) > 9 * 1024);
	assert_int_equal(check(a, t), AUTH_TOKEN_TOO_LONG);

	/* Issue refuses to make one. */
	struct auth_claims c = sample_claims();
	c.scope = pad;
	assert_null(auth_token_issue(a, &key_old, &c));
}

static void
test_times(void **state)
{
	struct arena *a = *state;
	struct auth_claims c = sample_claims();

	c.exp = NOW - 61;
	assert_int_equal(check(a, auth_token_issue(a, &key_old, &c)), AUTH_TOKEN_EXPIRED);
	c.exp = NOW - 60;
	assert_int_equal(check(a, auth_token_issue(a, &key_old, &c)), AUTH_TOKEN_OK);
	c.exp = NOW - 59;
	assert_int_equal(check(a, auth_token_issue(a, &key_old, &c)), AUTH_TOKEN_OK);

	c = sample_claims();
	c.nbf = NOW + 61;
	assert_int_equal(check(a, auth_token_issue(a, &key_old, &c)), AUTH_TOKEN_NOT_YET_VALID);
	c.nbf = NOW + 59;
	assert_int_equal(check(a, auth_token_issue(a, &key_old, &c)), AUTH_TOKEN_OK);

	/* Extreme values and clocks do not overflow. */
	c = sample_claims();
	c.exp = INT64_MIN;
	assert_int_equal(check(a, auth_token_issue(a, &key_old, &c)), AUTH_TOKEN_EXPIRED);
	struct auth_claims out;
	c = sample_claims();
	c.exp = INT64_MAX;
	c.nbf = INT64_MIN;
	char *t = auth_token_issue(a, &key_old, &c);
	/* an exp beyond the access token lifetime is refused, at any clock
	 * (at the earliest one, iat lies in the future first) */
	assert_int_equal(auth_token_verify(a, t, &ring, ISS, AUD, INT64_MIN, &out),
			 AUTH_TOKEN_NOT_YET_VALID);
	assert_int_equal(auth_token_verify(a, t, &ring, ISS, AUD, INT64_MAX, &out),
			 AUTH_TOKEN_BAD_CLAIMS);
	c = sample_claims();
	c.iat = INT64_MIN;
	c.exp = INT64_MAX;
	assert_int_equal(check(a, auth_token_issue(a, &key_old, &c)), AUTH_TOKEN_BAD_CLAIMS);
	c.iat = INT64_MAX;
	assert_int_equal(check(a, auth_token_issue(a, &key_old, &c)), AUTH_TOKEN_NOT_YET_VALID);
}

static void
test_issuer_audience(void **state)
{
	struct arena *a = *state;
	struct auth_claims c = sample_claims(), out;
	char *t = auth_token_issue(a, &key_old, &c);

	assert_int_equal(auth_token_verify(a, t, &ring, "https://evil.test", AUD, NOW, &out),
			 AUTH_TOKEN_BAD_ISSUER);
	assert_int_equal(auth_token_verify(a, t, &ring, ISS, "other-api", NOW, &out),
			 AUTH_TOKEN_BAD_AUDIENCE);
	assert_null(out.sub);	/* out is zeroed on failure */
	assert_int_equal(auth_token_verify(a, t, &ring, NULL, AUD, NOW, &out),
			 AUTH_TOKEN_BAD_ISSUER);
	/* A prefix is not a match. */
	assert_int_equal(auth_token_verify(a, t, &ring, ISS "/x", AUD, NOW, &out),
			 AUTH_TOKEN_BAD_ISSUER);

	/* aud is exactly our string: not an array, even one containing it. */
	assert_int_equal(check(a, make(a, HDR_OLD, payload_with("aud", json_pack("[ss]", "x", AUD)),
				       secret_old, 32)), AUTH_TOKEN_BAD_AUDIENCE);
	assert_int_equal(check(a, make(a, HDR_OLD, payload_with("aud", json_pack("[s]", AUD)),
				       secret_old, 32)), AUTH_TOKEN_BAD_AUDIENCE);
	/* iat in the future beyond the leeway; exp beyond the lifetime */
	assert_int_equal(check(a, make(a, HDR_OLD, payload_with("iat", json_integer(NOW + 61)),
				       secret_old, 32)), AUTH_TOKEN_NOT_YET_VALID);
	assert_int_equal(check(a, make(a, HDR_OLD, payload_with("iat", json_integer(NOW + 30)),
				       secret_old, 32)), AUTH_TOKEN_OK);
	assert_int_equal(check(a, make(a, HDR_OLD, payload_with("exp", json_integer(NOW + 901)),
				       secret_old, 32)), AUTH_TOKEN_BAD_CLAIMS);
	assert_int_equal(check(a, make(a, HDR_OLD, payload_with("exp",
				       json_integer(NOW + 86400 * 365)), secret_old, 32)),
			 AUTH_TOKEN_BAD_CLAIMS);
	assert_int_equal(check(a, make(a, HDR_OLD, payload_with("aud", json_pack("[ss]", "x", "y")),
				       secret_old, 32)), AUTH_TOKEN_BAD_AUDIENCE);
	assert_int_equal(check(a, make(a, HDR_OLD, payload_with("aud", NULL), secret_old, 32)),
			 AUTH_TOKEN_BAD_AUDIENCE);
	assert_int_equal(check(a, make(a, HDR_OLD, payload_with("iss", json_integer(1)),
				       secret_old, 32)), AUTH_TOKEN_BAD_ISSUER);
}

static void
test_claim_types(void **state)
{
	struct arena *a = *state;

	assert_int_equal(check(a, make(a, HDR_OLD, payload_with("exp", json_string("1900000900")),
				       secret_old, 32)), AUTH_TOKEN_BAD_CLAIMS);
	assert_int_equal(check(a, make(a, HDR_OLD, payload_with("exp", json_real(1.9e9 + 900)),
				       secret_old, 32)), AUTH_TOKEN_BAD_CLAIMS);
	assert_int_equal(check(a, make_raw(a, HDR_OLD,
					   "{\"iss\":\"" ISS "\",\"aud\":\"" AUD "\",\"sub\":\"" SUB
					   "\",\"org\":\"" ORG "\",\"roles\":[],\"scope\":\"\","
					   "\"iat\":1900000000,\"nbf\":1900000000,\"exp\":1.9e9,"
					   "\"jti\":\"j\",\"tt\":\"access\"}", secret_old, 32)),
			 AUTH_TOKEN_BAD_CLAIMS);
	assert_int_equal(check(a, make(a, HDR_OLD, payload_with("exp", NULL), secret_old, 32)),
			 AUTH_TOKEN_BAD_CLAIMS);
	assert_int_equal(check(a, make(a, HDR_OLD, payload_with("nbf", NULL), secret_old, 32)),
			 AUTH_TOKEN_BAD_CLAIMS);
	assert_int_equal(check(a, make(a, HDR_OLD, payload_with("nbf", json_true()), secret_old, 32)),
			 AUTH_TOKEN_BAD_CLAIMS);
	assert_int_equal(check(a, make(a, HDR_OLD, payload_with("iat", json_string("x")),
				       secret_old, 32)), AUTH_TOKEN_BAD_CLAIMS);
	assert_int_equal(check(a, make(a, HDR_OLD, payload_with("sub", json_string("42")),
				       secret_old, 32)), AUTH_TOKEN_BAD_CLAIMS);
	assert_int_equal(check(a, make(a, HDR_OLD, payload_with("org", NULL), secret_old, 32)),
			 AUTH_TOKEN_BAD_CLAIMS);
	assert_int_equal(check(a, make(a, HDR_OLD, payload_with("roles", json_string("admin")),
				       secret_old, 32)), AUTH_TOKEN_BAD_CLAIMS);
	assert_int_equal(check(a, make(a, HDR_OLD, payload_with("roles", json_pack("[si]", "a", 1)),
				       secret_old, 32)), AUTH_TOKEN_BAD_CLAIMS);
	assert_int_equal(check(a, make(a, HDR_OLD, payload_with("scope", json_pack("[s]", "a")),
				       secret_old, 32)), AUTH_TOKEN_BAD_CLAIMS);
	assert_int_equal(check(a, make(a, HDR_OLD, payload_with("jti", NULL), secret_old, 32)),
			 AUTH_TOKEN_BAD_CLAIMS);
}

static void
test_kid(void **state)
{
	struct arena *a = *state;
	const struct auth_key ring_keys[] = {
		{"k-old", secret_old, sizeof secret_old},
		{"k-empty", (const unsigned char *)"", 0},
		{"k-null", NULL, 0},
	};
	const struct auth_keyring r = {ring_keys, 3};
	struct auth_claims out;

	assert_int_equal(check(a, make(a, "{\"alg\":\"HS256\",\"kid\":\"k-nope\"}", sample_payload(),
				       secret_old, 32)), AUTH_TOKEN_UNKNOWN_KID);
	assert_int_equal(check(a, make(a, "{\"alg\":\"HS256\"}", sample_payload(), secret_old, 32)),
			 AUTH_TOKEN_UNKNOWN_KID);
	assert_int_equal(check(a, make(a, "{\"alg\":\"HS256\",\"kid\":7}", sample_payload(),
				       secret_old, 32)), AUTH_TOKEN_UNKNOWN_KID);
	/* A key with an empty or missing secret is never used (libjwt would
	 * verify nothing with it). */
	char *t = make(a, "{\"alg\":\"HS256\",\"kid\":\"k-empty\"}", sample_payload(), "", 0);
	assert_int_equal(auth_token_verify(a, t, &r, ISS, AUD, NOW, &out), AUTH_TOKEN_UNKNOWN_KID);
	t = make(a, "{\"alg\":\"HS256\",\"kid\":\"k-null\"}", sample_payload(), "", 0);
	assert_int_equal(auth_token_verify(a, t, &r, ISS, AUD, NOW, &out), AUTH_TOKEN_UNKNOWN_KID);
	/* An empty ring knows nothing. */
	const struct auth_keyring empty = {NULL, 0};
	t = make(a, HDR_OLD, sample_payload(), secret_old, 32);
	assert_int_equal(auth_token_verify(a, t, &empty, ISS, AUD, NOW, &out),
			 AUTH_TOKEN_UNKNOWN_KID);
	assert_int_equal(auth_token_verify(a, t, NULL, ISS, AUD, NOW, &out),
			 AUTH_TOKEN_UNKNOWN_KID);
}

static void
test_token_type(void **state)
{
	struct arena *a = *state;

	assert_int_equal(check(a, make(a, HDR_OLD, payload_with("tt", json_string("refresh")),
				       secret_old, 32)), AUTH_TOKEN_WRONG_TYPE);
	assert_int_equal(check(a, make(a, HDR_OLD, payload_with("tt", NULL), secret_old, 32)),
			 AUTH_TOKEN_WRONG_TYPE);
	assert_int_equal(check(a, make(a, "{\"alg\":\"HS256\",\"typ\":\"at+jwt\",\"kid\":\"k-old\"}",
				       sample_payload(), secret_old, 32)), AUTH_TOKEN_MALFORMED);
	/* An opaque refresh token presented as a bearer token. */
	assert_int_equal(check(a, crypto_token(a, 32)), AUTH_TOKEN_MALFORMED);
}

static void
test_duplicate_keys(void **state)
{
	struct arena *a = *state;

	assert_int_equal(check(a, make(a, "{\"alg\":\"none\",\"alg\":\"HS256\",\"kid\":\"k-old\"}",
				       sample_payload(), secret_old, 32)), AUTH_TOKEN_MALFORMED);
	assert_int_equal(check(a, make(a, "{\"alg\":\"HS256\",\"kid\":\"k-new\",\"kid\":\"k-old\"}",
				       sample_payload(), secret_old, 32)), AUTH_TOKEN_MALFORMED);
	/* Duplicate claims in a correctly signed payload. */
	assert_int_equal(check(a, make_raw(a, HDR_OLD,
					   "{\"iss\":\"" ISS "\",\"aud\":\"" AUD "\",\"sub\":\"" SUB
					   "\",\"org\":\"" ORG "\",\"roles\":[],\"scope\":\"\","
					   "\"iat\":1900000000,\"nbf\":1900000000,\"exp\":1,"
					   "\"exp\":1900000900,\"jti\":\"j\",\"tt\":\"access\"}",
					   secret_old, 32)), AUTH_TOKEN_MALFORMED);
}

static void
test_key_rotation(void **state)
{
	struct arena *a = *state;
	struct auth_claims c = sample_claims(), out;
	const struct auth_keyring only_new = {&key_new, 1};
	const struct auth_keyring only_old = {&key_old, 1};

	char *t_old = auth_token_issue(a, &key_old, &c);
	char *t_new = auth_token_issue(a, &key_new, &c);
	assert_int_equal(auth_token_verify(a, t_old, &ring, ISS, AUD, NOW, &out), AUTH_TOKEN_OK);
	assert_int_equal(auth_token_verify(a, t_new, &ring, ISS, AUD, NOW, &out), AUTH_TOKEN_OK);
	assert_int_equal(auth_token_verify(a, t_old, &only_old, ISS, AUD, NOW, &out),
			 AUTH_TOKEN_OK);

	/* The old key removed from the ring. */
	assert_int_equal(auth_token_verify(a, t_old, &only_new, ISS, AUD, NOW, &out),
			 AUTH_TOKEN_UNKNOWN_KID);
	assert_int_equal(auth_token_verify(a, t_new, &only_new, ISS, AUD, NOW, &out),
			 AUTH_TOKEN_OK);
}

static void
test_status_text(void **state)
{
	for (int st = AUTH_TOKEN_OK; st <= AUTH_TOKEN_TOO_LONG; st++)
		assert_non_null(auth_token_status_text((enum auth_token_status)st));
	assert_string_equal(auth_token_status_text(AUTH_TOKEN_EXPIRED), "token expired");
	assert_string_equal(auth_token_status_text((enum auth_token_status)999), "unknown status");
}

int
main(void)
{
#define T(f) cmocka_unit_test_setup_teardown(f, setup, teardown)
	const struct CMUnitTest tests[] = {
		T(test_round_trip),
		T(test_issue_refuses_bad_input),
		T(test_alg_none),
		T(test_other_algs),
		T(test_wrong_key),
		T(test_tampered_payload),
		T(test_segments),
		T(test_too_long),
		T(test_times),
		T(test_issuer_audience),
		T(test_claim_types),
		T(test_kid),
		T(test_token_type),
		T(test_duplicate_keys),
		T(test_key_rotation),
		T(test_status_text),
	};
#undef T
	return cmocka_run_group_tests(tests, NULL, NULL);
}
