#ifndef DB_KEYS_H
#define DB_KEYS_H
#include <stdbool.h>
#include <stddef.h>
#include "db/db.h"

/* Token signing keys and named server secrets, shared by every instance.
 * What is returned lives in the caller's arena. */

struct db_key { char *kid; unsigned char *secret; size_t len; bool signing; };
/* Keys that still verify (signing first) */
enum db_status db_keys_load(struct db *db, struct arena *a, int verify_seconds,
			    struct db_key **out, int *n);
/* Adds a signing key (secret of 32 random bytes) and retires the others;
 * with only_if_none, does nothing when a signing key exists. */
enum db_status db_keys_add(struct db *db, struct arena *a, bool only_if_none, char **kid);
/* Named server secret (created on first use): 32 random bytes. */
enum db_status db_server_secret(struct db *db, struct arena *a, const char *name,
				unsigned char **secret, size_t *len);

#endif
