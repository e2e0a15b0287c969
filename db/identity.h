#ifndef DB_IDENTITY_H
#define DB_IDENTITY_H
#include "db/db.h"

/* The identity aggregates live one per file: users (db/users.h), clients
 * (db/clients.h), signing keys and server secrets (db/keys.h), refresh
 * families (db/refresh.h) and login throttles (db/throttles.h). This
 * header keeps what they share and the organisation's bootstrap. Every
 * function that changes state writes its audit event in the same
 * transaction. Strings returned live in the caller's arena. */

/* --- organisations and bootstrap --- */
struct db_bootstrap_out { char *org_id, *user_id, *client_id; };
enum db_status db_bootstrap(struct db *db, struct arena *a, const char *org_name,
			    const char *email, const char *name, const char *password_hash,
			    const char *client_scopes, struct db_bootstrap_out *out);

#endif
