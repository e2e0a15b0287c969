#ifndef DB_CLIENTS_H
#define DB_CLIENTS_H
#include <stdbool.h>
#include "db/audit.h"
#include "db/db.h"
#include "db/identity.h"

/* OAuth clients of an org. Every change writes its audit event in the same
 * transaction. Strings returned live in the caller's arena. */

struct db_client {
	char *id, *org_id, *name;
	char *secret_hash;	/* NULL for a public client */
	char *grants;		/* space-separated grant types */
	char *scopes;		/* space-separated */
	bool first_party, revoked;
	char *created_at;
};

enum db_status db_client_create(struct db *db, struct arena *a, const struct audit_ctx *ctx,
				const struct db_client *in, struct db_client *out);
enum db_status db_client_get(struct db *db, struct arena *a, const char *client_id,
			     struct db_client *out);	/* by id alone: any org */
enum db_status db_client_list(struct db *db, struct arena *a, const char *org_id,
			      const struct db_page *page, struct db_client **out, int *n);
/* Revokes the client and every refresh token it holds. */
enum db_status db_client_revoke(struct db *db, const struct audit_ctx *ctx, const char *id);

#endif
