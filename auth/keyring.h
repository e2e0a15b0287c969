#ifndef AUTH_KEYRING_H
#define AUTH_KEYRING_H
#include <stdbool.h>
#include "auth/token.h"
#include "db/db.h"

/* Access tokens live this long; retired keys verify this long plus leeway. */
#define AUTH_ACCESS_TTL 900

/* The keys that verify now and the one that signs, copied into a. Keys
 * come from the database (shared by every instance) through a cache of a
 * few seconds. False when the database is unreachable or has no key. */
bool auth_keyring_get(struct db *db, struct arena *a, struct auth_keyring *ring,
		      const struct auth_key **signing);

/* Forgets the cache (after a rotation in this process). */
void auth_keyring_flush(void);

#endif
