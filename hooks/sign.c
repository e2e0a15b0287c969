/* Standard Webhooks signatures and secrets. */
#include <openssl/evp.h>
#include <string.h>
#include "base/crypto.h"
#include "hooks/hooks.h"

#define SECRET_PREFIX "whsec_"

/* Standard (padded) base64 of n bytes, in a. */
static char *
b64(struct arena *a, const unsigned char *p, size_t n)
{
	char *out = arena_alloc(a, 4 * ((n + 2) / 3) + 1);
	EVP_EncodeBlock((unsigned char *)out, p, (int)n);
	return out;
}

char *
hooks_secret_new(struct arena *a)
{
	unsigned char key[24];
	crypto_random(key, sizeof key);
	return arena_printf(a, SECRET_PREFIX "%s", b64(a, key, sizeof key));
}

char *
hooks_sign(struct arena *a, const char *secret, const char *id, const char *timestamp,
	   const char *body)
{
	if (strncmp(secret, SECRET_PREFIX, strlen(SECRET_PREFIX)) != 0)
		return NULL;
	size_t keylen;
	unsigned char *key = crypto_b64_decode(a, secret + strlen(SECRET_PREFIX), &keylen);
	if (!key)
		return NULL;
	char *signed_text = arena_printf(a, "%s.%s.%s", id, timestamp, body);
	unsigned char mac[32];
	crypto_hmac_sha256(key, keylen, signed_text, strlen(signed_text), mac);
	return arena_printf(a, "v1,%s", b64(a, mac, sizeof mac));
}
