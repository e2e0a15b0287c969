#ifndef AUTH_STANDING_H
#define AUTH_STANDING_H
#include <stdbool.h>
#include "base/arena.h"
#include "db/db.h"

/*
 * A token subject's standing (enabled, roles or client scopes), cached in
 * the process. Entries are dropped by the invalidation listener as soon as
 * a change commits (users_notify, clients_notify in 0009_invalidation.sql);
 * while the listener is down the cache is empty and bypassed, so every
 * request reads the database as before. Thread-safe.
 */

/* As db_principal_state, answered from the cache when it can be. */
enum db_status auth_standing_get(struct db *db, struct arena *a, const char *org_id, bool is_user,
				 const char *id, bool *active, char **grants);

/* As db_user_get for /v1/me, answered from the subject's cached entry
 * once read (strings copied into a). users_notify also fires on a change
 * of name, email or version (0012_me_invalidation.sql), so it stays
 * exact under the same bound as the standing. */
struct db_user;
enum db_status auth_standing_user(struct db *db, struct arena *a, const char *org_id,
				  const char *id, struct db_user *out);

/* Drops the entry of one subject (kind "user" or "client"). */
void auth_standing_drop(bool is_user, const char *org_id, const char *id);

/* Empties the cache and (usable false) bypasses it until called with true. */
void auth_standing_reset(bool usable);

/* Cached entries and hits/misses since start, for /metrics. */
void auth_standing_stats(long *entries, long *hits, long *misses);

#endif
