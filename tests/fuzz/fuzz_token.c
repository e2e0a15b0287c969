/*
 * libFuzzer target for bearer tokens: the Authorization header
 * (api_bearer_token), auth_token_verify against a key ring in memory (two
 * keys and an empty one, which libjwt 1.10 would take as "verify nothing"),
 * then the scope and roles of an accepted token as api/authn.c reads them.
 *
 * Input byte 0 picks the mode:
 *   odd:        the rest is "<header JSON>\n<payload JSON>", base64url-encoded
 *               and correctly signed with a ring key, so the fuzzer reaches
 *               the header and claim checks behind the signature;
 *   2 (mod 4):  the rest, NUL-terminated, is an Authorization header value;
 *   0 (mod 4):  the rest is the bearer token as a client sent it.
 * It must never crash or leak, and an accepted token must have every claim.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include "api/authn.h"
#include "auth/scope.h"
#include "auth/token.h"
#include "base/crypto.h"
#include "base/text.h"

#define ISS "https://loopd.test"
#define AUD "loopd-api"
#define NOW INT64_C(1900000000)

static const unsigned char secret_a[32] = "fuzz-secret-a-0123456789abcdefgh";
static const unsigned char secret_b[48] = "fuzz-secret-b-0123456789abcdefghijklmnopqrstuvw";
static const struct auth_key keys[] = {
	{"a", secret_a, sizeof secret_a},
	{"b", secret_b, sizeof secret_b},
	{"empty", (const unsigned char *)"", 0},
};
static const struct auth_keyring ring = {keys, 3};

/* "b64(header).b64(payload).sig" from "header\npayload", signed with key "a"; in a. */
static char *
signed_token(struct arena *a, const char *text)
{
	const char *nl = strchr(text, '\n');
	const char *payload = nl ? nl + 1 : "";
	size_t header_len = nl ? (size_t)(nl - text) : strlen(text);
	char *signing = arena_printf(a, "%s.%s", crypto_b64url_encode(a, text, header_len),
				     crypto_b64url_encode(a, payload, strlen(payload)));
	unsigned char mac[32];
	crypto_hmac_sha256(secret_a, sizeof secret_a, signing, strlen(signing), mac);
	return arena_printf(a, "%s.%s", signing, crypto_b64url_encode(a, mac, sizeof mac));
}

/* The roles and scopes of accepted claims, read as principal_of does. */
static void
read_principal(struct arena *a, const struct auth_claims *c)
{
	unsigned mask;
	char *bad;
	for (size_t i = 0; i < c->n_roles; i++)
		(void)auth_role_from_name(c->roles[i]);
	if (auth_scope_parse(a, c->scope, &mask, &bad) && bad)
		abort();	/* a scope list that parses names no bad scope */
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	if (size == 0)
		return 0;
	struct arena *a = arena_create();
	char *text = arena_strndup(a, (const char *)data + 1, size - 1);
	const char *token = (data[0] & 1) ? signed_token(a, text)
			    : (data[0] & 2) ? api_bearer_token(text) : text;
	struct auth_claims out;

	if (token && auth_token_verify(a, token, &ring, ISS, AUD, NOW, &out) == AUTH_TOKEN_OK) {
		if (!text_is_uuid(out.sub) || !text_is_uuid(out.org) || !out.scope || !out.jti ||
		    strcmp(out.iss, ISS) != 0 || strcmp(out.aud, AUD) != 0 ||
		    out.exp < NOW - AUTH_TOKEN_LEEWAY || out.nbf > NOW + AUTH_TOKEN_LEEWAY ||
		    (out.n_roles && !out.roles))
			abort();
		for (size_t i = 0; i < out.n_roles; i++)
			if (!out.roles[i])
				abort();
		read_principal(a, &out);
	}
	arena_destroy(a);
	return 0;
}
