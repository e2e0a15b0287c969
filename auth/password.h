#ifndef AUTH_PASSWORD_H
#define AUTH_PASSWORD_H
#include <stdbool.h>
#include <stdint.h>
#include "base/arena.h"

/*
 * Human passwords: argon2id, parameters kept in the encoded hash
 * ("$argon2id$v=19$m=19456,t=2,p=1$<salt>$<hash>") so they can be raised
 * later and old hashes re-hashed at the next login.
 *
 * Every hash and verify runs under a slot of a semaphore. The server sizes
 * it to its hashing pool (api/hashing.h), whose threads are where requests
 * hash, so the pool is the bound and a hash anywhere else counts against
 * it too; unsized, it has one slot per core. A caller may take a slot with
 * auth_password_slot_acquire() around several hashes; a call made without
 * a slot takes one itself for its duration, waiting as long as needed.
 */

#define AUTH_PASSWORD_MIN_CHARS 12	/* code points */
#define AUTH_PASSWORD_MAX_CHARS 1024	/* code points */

struct auth_argon_params {
	uint32_t m_kib;		/* memory, KiB */
	uint32_t t;		/* passes */
	uint32_t p;		/* lanes */
};

/* The floor (OWASP's argon2id minimum) and the default: m=19 MiB, t=2, p=1. */
#define AUTH_ARGON_MIN_M_KIB 19456u
#define AUTH_ARGON_MIN_T 2u
#define AUTH_ARGON_MIN_P 1u
#define AUTH_ARGON_DEFAULTS ((struct auth_argon_params){AUTH_ARGON_MIN_M_KIB, AUTH_ARGON_MIN_T, AUTH_ARGON_MIN_P})

/* Sets the configured parameters (raised to the floor; NULL for defaults).
 * Call once at start-up, before any other function here; later calls only
 * change the parameters. */
void auth_password_init(const struct auth_argon_params *p);

/* Gives the semaphore n slots (the hashing pool's threads). Call before
 * the first hash; once the semaphore exists this changes nothing. */
void auth_password_slots(unsigned n);

/* The configured parameters (defaults when auth_password_init was not called). */
struct auth_argon_params auth_password_params(void);

/* Takes a hashing slot, waiting at most wait_ms (0: do not wait). False when
 * all slots stayed busy: answer 503 with Retry-After. */
bool auth_password_slot_acquire(int wait_ms);

/* Gives back a slot taken by auth_password_slot_acquire(). */
void auth_password_slot_release(void);

/* Hashes password with argon2id, a fresh 16-byte salt and p (NULL: the
 * configured parameters; anything below the floor is raised to it). The
 * encoded hash is allocated in a. NULL only if argon2 fails. */
char *auth_password_hash(struct arena *a, const char *password,
			 const struct auth_argon_params *p);

/* True when password matches the encoded argon2id hash. False for a wrong
 * password, a malformed hash, or one whose parameters are absurd (m above
 * 1 GiB, t or p above 64: a corrupt row must not exhaust memory). */
bool auth_password_verify(const char *encoded, const char *password);

/* True when encoded should be replaced at the next successful login: it is
 * malformed, not argon2id v=19, or weaker than configured in m, t or p. */
bool auth_password_needs_rehash(const char *encoded,
				const struct auth_argon_params *configured);

/* Spends one full argon2id verification against a fixed dummy hash (made
 * once, lazily, with the configured parameters), so an unknown user costs
 * the same as a known one. Always fails. */
void auth_password_dummy_verify(const char *password);

/* True when pw may be set as a password: valid UTF-8, 12..1024 code points.
 * Otherwise *why (if why is not NULL) gets a static English reason. A C
 * string cannot hold NUL: the form/JSON decoder must reject an embedded one. */
bool auth_password_acceptable(const char *pw, const char **why);
/* NULL when an acceptable pw is also strong enough, else why not (a static
 * English phrase: only white space, or cracklib's FascistCheck verdict,
 * e.g. "it does not contain enough DIFFERENT characters"). */
const char *auth_password_weakness(const char *pw);

#endif
