#ifndef AUTH_TOKEN_H
#define AUTH_TOKEN_H
#include <stddef.h>
#include <stdint.h>
#include "base/arena.h"

/*
 * JWT access tokens, HS256 only (DESIGN.md section 3, issue 4).
 *
 * Header: {"alg":"HS256","kid":...,"typ":"JWT"}. Claims: iss, aud, sub, org,
 * roles, scope, iat, nbf, exp, jti and "tt":"access" (the token type lives in
 * a claim because libjwt 1.10 refuses a header typ other than "JWT").
 *
 * Pure code: no database, no HTTP. The caller loads the keys.
 */

#define AUTH_TOKEN_MAX_LEN 8192		/* a token must be shorter than this */
#define AUTH_TOKEN_LEEWAY 60		/* seconds of clock skew allowed on exp, nbf and iat */
#define AUTH_TOKEN_MAX_LIFETIME 900	/* exp - iat at most: the access token lifetime */
#define AUTH_KEY_MIN_SECRET 32		/* bytes; shorter keys neither sign nor verify */
#define AUTH_KEY_MAX_SECRET 1024	/* bytes; longer keys neither sign nor verify */
#define AUTH_TOKEN_TYPE_ACCESS "access"	/* value of the "tt" claim */

/* One signing key: kid names it in the token header. */
struct auth_key {
	const char *kid;
	const unsigned char *secret;
	size_t secret_len;
};

/* The keys a token may be verified with (current and not-yet-retired ones). */
struct auth_keyring {
	const struct auth_key *keys;
	size_t n;
};

struct auth_claims {
	const char *iss;
	const char *aud;		/* on verify: ours (the value matched) */
	const char *sub;		/* user or client id, UUID text */
	const char *org;		/* organisation id, UUID text */
	const char **roles;
	size_t n_roles;
	const char *scope;		/* space-separated */
	int64_t iat, nbf, exp;		/* seconds since the epoch */
	const char *jti;		/* on issue: NULL for a fresh random one */
	const char *kid;		/* on verify: the key that verified it */
};

#define AUTH_TOKEN_STATUSES(X)						\
	X(OK,		 "ok")						\
	X(MALFORMED,	 "malformed token")				\
	X(BAD_ALG,	 "algorithm is not HS256")			\
	X(UNKNOWN_KID,	 "unknown or unusable key id")			\
	X(BAD_SIGNATURE, "bad signature")				\
	X(EXPIRED,	 "token expired")				\
	X(NOT_YET_VALID, "token not yet valid")				\
	X(BAD_ISSUER,	 "wrong issuer")				\
	X(BAD_AUDIENCE,	 "wrong audience")				\
	X(BAD_CLAIMS,	 "missing or mistyped claims")			\
	X(WRONG_TYPE,	 "not an access token")				\
	X(TOO_LONG,	 "token too long")

enum auth_token_status {
#define AUTH_TOKEN_ENUM(name, text) AUTH_TOKEN_##name,
	AUTH_TOKEN_STATUSES(AUTH_TOKEN_ENUM)
#undef AUTH_TOKEN_ENUM
};

/* Signs an access token for c with key; the token is allocated in a. NULL
 * when the key is unusable (no kid, secret outside 32..1024 bytes) or the
 * claims are incomplete (iss, aud, sub, org, scope missing; sub or org not a
 * UUID) or the token would be too long to verify. */
char *auth_token_issue(struct arena *a, const struct auth_key *key,
		       const struct auth_claims *c);

/* Verifies token against keys, our issuer and audience at time now (seconds):
 * length, shape, alg exactly HS256 (before any key is used), kid, signature
 * (libjwt and our own HMAC), exp/nbf with leeway, iss, aud, tt, claim types.
 * On AUTH_TOKEN_OK fills out with copies in a; otherwise out is zeroed. */
enum auth_token_status auth_token_verify(struct arena *a, const char *token,
					 const struct auth_keyring *keys,
					 const char *iss, const char *aud,
					 int64_t now, struct auth_claims *out);

/* A short static English description of st, for logs. */
const char *auth_token_status_text(enum auth_token_status st);

#endif
