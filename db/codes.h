#ifndef DB_CODES_H
#define DB_CODES_H
#include <stdbool.h>
#include "db/audit.h"
#include "db/db.h"

/* Authorization codes (RFC 6749 4.1): single use, bound to client,
 * redirect URI, user, PKCE challenge and scope. Stored as SHA-256 hashes.
 * Every change writes its audit event in the same transaction. Strings
 * returned live in the caller's arena. */

struct db_code {
	char *org_id, *client_id, *user_id, *redirect_uri, *challenge, *scopes;
	bool used, expired;
};

/* Stores a code living ttl_s seconds and audits login.succeeded and
 * oauth.code_issued (ctx names the user). */
enum db_status db_code_issue(struct db *db, struct arena *a, const struct audit_ctx *ctx,
			     const char *code_hash, const struct db_code *in, int ttl_s);
/* Reads a code in any state (DB_NONE when unknown). */
enum db_status db_code_peek(struct db *db, struct arena *a, const char *code_hash,
			    struct db_code *out);
/* The exchange, in one transaction: marks the code used and stores the
 * refresh token refresh_hash (when not NULL) in a new family living
 * family_days (*family_id gets its id), audited oauth.code_exchanged.
 * DB_STATE when the code was used already: the family its first exchange
 * issued is revoked and oauth.code_reuse_detected audited; DB_NONE when
 * unknown or expired. */
enum db_status db_code_exchange(struct db *db, struct arena *a, const struct audit_ctx *ctx,
				const char *code_hash, const char *refresh_hash, int family_days,
				char **family_id);

#endif
