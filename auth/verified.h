#ifndef AUTH_VERIFIED_H
#define AUTH_VERIFIED_H
#include <stdbool.h>
#include <stdint.h>
#include "auth/token.h"

/*
 * A process-wide memory of access tokens that verified (auth_token_verify).
 * A client sends the same token with every request for up to 15 minutes;
 * verifying it again (base64, four JSON parses, two HMACs) was half of
 * loopd's CPU on GET /v1/me. A token is found only by its exact bytes, and
 * only while what verification depends on still holds: its exp and nbf at
 * now (with the leeway), the issuer and audience, and the key that verified
 * it still in the ring (a key removed or retired stops its tokens within
 * the keyring's refresh, as before). Only verified tokens are kept, so a
 * forged one never skips a check. Standing, scopes and the token's refresh
 * family are checked on every request after this, as before.
 *
 * Bounded: AUTH_VERIFIED_SLOTS entries, a newer token replacing an older
 * one in its slot. Thread-safe.
 */

#define AUTH_VERIFIED_SLOTS 1024

/* True, with out filled (copies in a), when token verified before and its
 * verification still holds; false otherwise (out untouched). */
bool auth_verified_find(struct arena *a, const char *token, const struct auth_keyring *ring,
			const char *iss, const char *aud, int64_t now, struct auth_claims *out);

/* Remembers token, which auth_token_verify has just accepted with claims c
 * (c->kid, c->iss and c->aud set). */
void auth_verified_keep(const char *token, const struct auth_claims *c);

/* Forgets every token (for tests). */
void auth_verified_clear(void);

#endif
