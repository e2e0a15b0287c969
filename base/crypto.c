#include <openssl/crypto.h>
#include <openssl/evp.h>
#include <openssl/hmac.h>
#include <openssl/rand.h>
#include <openssl/sha.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "base/crypto.h"

void
crypto_random(void *buf, size_t n)
{
	if (RAND_bytes(buf, (int)n) != 1) {
		fputs("{\"level\":\"fatal\",\"msg\":\"random number generator failed\"}\n", stderr);
		abort();
	}
}

void
crypto_sha256(const void *p, size_t n, unsigned char out[32])
{
	SHA256(p, n, out);
}

char *
crypto_hex(struct arena *a, const void *p, size_t n)
{
	static const char hx[] = "0123456789abcdef";
	const unsigned char *u = p;
	char *s = arena_alloc(a, n * 2 + 1);
	for (size_t i = 0; i < n; i++) {
		s[2 * i] = hx[u[i] >> 4];
		s[2 * i + 1] = hx[u[i] & 15];
	}
	return s;
}

char *
crypto_sha256_hex(struct arena *a, const void *p, size_t n)
{
	unsigned char d[32];
	crypto_sha256(p, n, d);
	return crypto_hex(a, d, 32);
}

void
crypto_hmac_sha256(const void *key, size_t keylen, const void *msg, size_t n,
		   unsigned char out[32])
{
	unsigned int len = 32;
	HMAC(EVP_sha256(), key, (int)keylen, msg, n, out, &len);
}

bool
crypto_equal(const void *a, const void *b, size_t n)
{
	return CRYPTO_memcmp(a, b, n) == 0;
}

static const char b64u[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";

char *
crypto_b64url_encode(struct arena *a, const void *p, size_t n)
{
	const unsigned char *u = p;
	char *s = arena_alloc(a, (n + 2) / 3 * 4 + 1);
	size_t j = 0;
	for (size_t i = 0; i < n; i += 3) {
		unsigned v = (unsigned)u[i] << 16;
		if (i + 1 < n)
			v |= (unsigned)u[i + 1] << 8;
		if (i + 2 < n)
			v |= u[i + 2];
		s[j++] = b64u[(v >> 18) & 63];
		s[j++] = b64u[(v >> 12) & 63];
		if (i + 1 < n)
			s[j++] = b64u[(v >> 6) & 63];
		if (i + 2 < n)
			s[j++] = b64u[v & 63];
	}
	s[j] = '\0';
	return s;
}

static int
b64u_value(char c)
{
	const char *p = c ? strchr(b64u, c) : NULL;
	return p ? (int)(p - b64u) : -1;
}

unsigned char *
crypto_b64url_decode(struct arena *a, const char *s, size_t *out_n)
{
	size_t n = strlen(s);
	if (n % 4 == 1)
		return NULL;
	unsigned char *out = arena_alloc(a, n * 3 / 4 + 3);
	size_t j = 0;
	unsigned v = 0;
	int bits = 0;
	for (size_t i = 0; i < n; i++) {
		int d = b64u_value(s[i]);
		if (d < 0)
			return NULL;
		v = (v << 6) | (unsigned)d;
		bits += 6;
		if (bits >= 8) {
			bits -= 8;
			out[j++] = (unsigned char)(v >> bits);
		}
	}
	/* Leftover bits must be zero, so each byte string has one encoding. */
	if (bits && (v & ((1u << bits) - 1)))
		return NULL;
	*out_n = j;
	return out;
}

char *
crypto_token(struct arena *a, size_t n)
{
	unsigned char buf[64];
	if (n > sizeof buf)
		n = sizeof buf;
	crypto_random(buf, n);
	return crypto_b64url_encode(a, buf, n);
}

unsigned char *
crypto_b64_decode(struct arena *a, const char *s, size_t *out_n)
{
	size_t n = strlen(s);
	if (n % 4 || n > 8192)
		return NULL;
	unsigned char *out = arena_alloc(a, n / 4 * 3 + 1);
	int len = EVP_DecodeBlock(out, (const unsigned char *)s, (int)n);
	if (len < 0)
		return NULL;
	if (n && s[n - 1] == '=')
		len--;
	if (n > 1 && s[n - 2] == '=')
		len--;
	*out_n = (size_t)len;
	return out;
}
