/*
 * libFuzzer target for auth_token_verify.
 *
 * Input byte 0 picks the mode:
 *   even: the rest, NUL-terminated, is the bearer token as a client sent it;
 *   odd:  the rest is "<header JSON>\n<payload JSON>", base64url-encoded and
 *         correctly signed with a ring key, so the fuzzer reaches the header
 *         and claim checks behind the signature.
 * It must never crash or leak, and an accepted token must have every claim.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
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

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	if (size == 0)
		return 0;
	struct arena *a = arena_create();
	char *text = arena_strndup(a, (const char *)data + 1, size - 1);
	const char *token = (data[0] & 1) ? signed_token(a, text) : text;
	struct auth_claims out;

	if (auth_token_verify(a, token, &ring, ISS, AUD, NOW, &out) == AUTH_TOKEN_OK) {
		if (!text_is_uuid(out.sub) || !text_is_uuid(out.org) || !out.scope || !out.jti ||
		    strcmp(out.iss, ISS) != 0 || strcmp(out.aud, AUD) != 0 ||
		    out.exp < NOW - AUTH_TOKEN_LEEWAY || out.nbf > NOW + AUTH_TOKEN_LEEWAY ||
		    (out.n_roles && !out.roles))
			abort();
		for (size_t i = 0; i < out.n_roles; i++)
			if (!out.roles[i])
				abort();
	}
	arena_destroy(a);
	return 0;
}
