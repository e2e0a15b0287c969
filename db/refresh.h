#ifndef DB_REFRESH_H
#define DB_REFRESH_H
#include "db/audit.h"
#include "db/db.h"
#include "db/users.h"

/* Refresh token families: logins, rotation with reuse detection,
 * revocation and introspection. Every change writes its audit event in the
 * same transaction. Strings returned live in the caller's arena. */

/* Seconds after a rotation in which presenting the old token again is taken
 * for a race between concurrent refreshes, not for theft. */
#define DB_REFRESH_GRACE_S "10"

struct db_refresh {
	char *org_id, *family_id, *user_id, *client_id, *scopes;
};
/* A successful login (password or client credentials): stores the new
 * refresh token (when token_hash is not NULL) in a new family living
 * family_days, and audits login.succeeded, in one transaction. */
enum db_status db_login_record(struct db *db, struct arena *a, const struct audit_ctx *ctx,
			       const struct db_refresh *r, const char *token_hash, int family_days);
/* The refresh grant, in one transaction: marks old_hash used and stores
 * new_hash in its family, returning the family (and, for a user's token,
 * the user as now stored). DB_NONE when the token is unknown, revoked,
 * expired, another client's, or its user is disabled; DB_STATE when it was
 * used already: the whole family is then revoked and audited (reuse);
 * DB_CONFLICT when it was rotated less than DB_REFRESH_GRACE_S seconds ago
 * (a concurrent refresh of the same token won the race): refused, but the
 * family lives on. */
enum db_status db_refresh_exchange(struct db *db, struct arena *a, const struct audit_ctx *ctx,
				   const char *old_hash, const char *client_id,
				   const char *new_hash, struct db_refresh *out,
				   struct db_user *user);
/* Revokes the token's family (RFC 7009); DB_NONE when unknown. */
enum db_status db_refresh_revoke(struct db *db, struct arena *a, const struct audit_ctx *ctx,
				 const char *token_hash, const char *client_id);
/* Reads an active (unused, unrevoked, unexpired) token for introspection. */
enum db_status db_refresh_peek(struct db *db, struct arena *a, const char *token_hash,
			       struct db_refresh *out, char **expires_at);
/* DB_OK while some token of the family is unrevoked (access tokens bound
 * to a family stop working once it is revoked), else DB_NONE. */
enum db_status db_refresh_family_live(struct db *db, const char *org_id, const char *family_id);
/* The org of a refresh token in any state (the console client names none). */
enum db_status db_refresh_org(struct db *db, struct arena *a, const char *token_hash,
			      char **org_id);

#endif
