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
	char *redirect_uris;	/* space-separated exact URIs */
	bool public;		/* no secret: authorization_code (PKCE) and refresh only */
	bool builtin;		/* the org's row of the built-in console client */
};

enum db_status db_client_create(struct db *db, struct arena *a, const struct audit_ctx *ctx,
				const struct db_client *in, struct db_client *out);
enum db_status db_client_get(struct db *db, struct arena *a, const char *client_id,
			     struct db_client *out);	/* by id alone: any org */
enum db_status db_client_list(struct db *db, struct arena *a, const char *org_id,
			      const struct db_page *page, struct db_client **out, int *n);
/* Revokes the client and every refresh token it holds. */
/* Revokes a client and its refresh tokens; DB_STATE when it is the org's
 * last active first-party client with the password grant (people could no
 * longer sign in). */
enum db_status db_client_revoke(struct db *db, const struct audit_ctx *ctx, const char *id);
/* Recovery (loopd admin create-client): a new public first-party client
 * (password and refresh_token grants) for org_id, audited as the system. */
enum db_status db_client_recover(struct db *db, struct arena *a, const char *org_id,
				 const char *scopes, struct db_client *out);
/* The org's row of the built-in console client ("loopd-console"). */
enum db_status db_client_console(struct db *db, struct arena *a, const char *org_id,
				 struct db_client *out);
/* Inserts that row for a new org (inside the bootstrap transaction). */
enum db_status db_client_console_insert(struct db *db, const char *org_id, const char *scopes);

#endif
