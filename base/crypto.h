#ifndef BASE_CRYPTO_H
#define BASE_CRYPTO_H
#include <stdbool.h>
#include <stddef.h>
#include "base/arena.h"

/* Fills buf with n cryptographically random bytes; aborts if the RNG fails. */
void crypto_random(void *buf, size_t n);

/* SHA-256 of the n bytes at p, as 64 lowercase hex digits in a. */
char *crypto_sha256_hex(struct arena *a, const void *p, size_t n);
/* Raw 32-byte SHA-256 into out. */
void crypto_sha256(const void *p, size_t n, unsigned char out[32]);
/* HMAC-SHA-256 of msg under key into out. */
void crypto_hmac_sha256(const void *key, size_t keylen, const void *msg, size_t n,
			unsigned char out[32]);

/* Constant-time comparison of two equal-length buffers. */
bool crypto_equal(const void *a, const void *b, size_t n);

/* base64url without padding, allocated in a. */
char *crypto_b64url_encode(struct arena *a, const void *p, size_t n);
/* Decodes base64url (no padding); returns bytes in a and their count in
 * *out_n, or NULL when s is not valid base64url. */
unsigned char *crypto_b64url_decode(struct arena *a, const char *s, size_t *out_n);

/* Decodes standard base64 (with padding); NULL when invalid. */
unsigned char *crypto_b64_decode(struct arena *a, const char *s, size_t *out_n);

/* A fresh random token: n random bytes, base64url-encoded, in a. */
char *crypto_token(struct arena *a, size_t n);

/* Lowercase hex of n bytes, in a. */
char *crypto_hex(struct arena *a, const void *p, size_t n);

#endif
