#ifndef DB_RATE_LIMITS_H
#define DB_RATE_LIMITS_H
#include "db/audit.h"
#include "db/db.h"

/* An org's own rate limit (requests a minute per caller): DB_OK with
 * *per_minute and *updated_at (in a), DB_NONE when it has none. */
enum db_status db_rate_limit_get(struct db *db, struct arena *a, const char *org_id,
				 long *per_minute, char **updated_at);
/* Sets (per_minute > 0) or removes (0) the org's own limit, audited as
 * rate_limit.updated; *updated_at (in a) as db_rate_limit_get. */
enum db_status db_rate_limit_put(struct db *db, struct arena *a, const struct audit_ctx *ctx,
				 long per_minute, char **updated_at);

#endif
