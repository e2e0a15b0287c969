#ifndef DB_ORGS_H
#define DB_ORGS_H
#include <stdbool.h>
#include "db/audit.h"
#include "db/db.h"

/* An org's settings. Strings returned live in the caller's arena. */

struct db_org {
	char *id, *name;
	bool password_grant;	/* the password grant is allowed for its clients */
};

enum db_status db_org_get(struct db *db, struct arena *a, const char *org_id, struct db_org *out);
/* Sets password_grant and audits org.updated (ctx names the org and actor). */
enum db_status db_org_set_password_grant(struct db *db, struct arena *a,
					 const struct audit_ctx *ctx, bool on, struct db_org *out);
/* The one org whose users include email (console sign-in, which names no
 * org); DB_NONE when none does, DB_CONFLICT when several do. */
enum db_status db_org_of_email(struct db *db, struct arena *a, const char *email, char **org_id);

#endif
