#ifndef DB_IDENTITY_H
#define DB_IDENTITY_H
#include <jansson.h>
#include <stdbool.h>
#include <stdint.h>
#include "db/audit.h"
#include "db/db.h"

/* Users, clients, signing keys, refresh tokens and login throttles. Every
 * function that changes state writes its audit event in the same
 * transaction. Strings returned live in the caller's arena. */

struct db_user {
	char *id, *org_id, *email, *name;
	char *roles;		/* space-separated role names */
	char *password_hash;	/* only filled by db_user_by_email */
	bool disabled;
	int version;
	char *created_at, *updated_at;
};

struct db_client {
	char *id, *org_id, *name;
	char *secret_hash;	/* NULL for a public client */
	char *grants;		/* space-separated grant types */
	char *scopes;		/* space-separated */
	bool first_party, revoked;
	char *created_at;
};

/* --- organisations and bootstrap --- */
struct db_bootstrap_out { char *org_id, *user_id, *client_id; };
enum db_status db_bootstrap(struct db *db, struct arena *a, const char *org_name,
			    const char *email, const char *name, const char *password_hash,
			    const char *client_scopes, struct db_bootstrap_out *out);

/* --- users --- */
enum db_status db_user_create(struct db *db, struct arena *a, const struct audit_ctx *ctx,
			      const struct db_user *in, struct db_user *out);
enum db_status db_user_get(struct db *db, struct arena *a, const char *org_id, const char *id,
			   struct db_user *out);
enum db_status db_user_by_email(struct db *db, struct arena *a, const char *org_id,
				const char *email, struct db_user *out);
/* One page of users as JSON-ready structs; *n gets the count. */
enum db_status db_user_list(struct db *db, struct arena *a, const char *org_id,
			    const struct db_page *page, struct db_user **out, int *n);
/* Applies the non-NULL fields of patch (name, roles; disabled when
 * set_disabled) if the stored version equals if_version (0 = any).
 * Disabling revokes the user's refresh tokens in the same transaction. */
enum db_status db_user_update(struct db *db, struct arena *a, const struct audit_ctx *ctx,
			      const char *id, int if_version, const char *name, const char *roles,
			      bool set_disabled, bool disabled, struct db_user *out);
enum db_status db_user_set_password(struct db *db, const struct audit_ctx *ctx, const char *id,
				    const char *password_hash, bool audited);

/* The current standing of a token's subject: whether the user is enabled
 * (or the client not revoked) and its roles (or allowed scopes) now, as
 * space-separated names in *grants. DB_NONE when it no longer exists. */
enum db_status db_principal_state(struct db *db, struct arena *a, const char *org_id,
				  bool is_user, const char *id, bool *active, char **grants);

/* --- clients --- */
enum db_status db_client_create(struct db *db, struct arena *a, const struct audit_ctx *ctx,
				const struct db_client *in, struct db_client *out);
enum db_status db_client_get(struct db *db, struct arena *a, const char *client_id,
			     struct db_client *out);	/* by id alone: any org */
enum db_status db_client_list(struct db *db, struct arena *a, const char *org_id,
			      const struct db_page *page, struct db_client **out, int *n);
/* Revokes the client and every refresh token it holds. */
enum db_status db_client_revoke(struct db *db, const struct audit_ctx *ctx, const char *id);

/* --- signing keys --- */
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

/* --- refresh tokens --- */
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
 * used already: the whole family is then revoked and audited (reuse). */
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

/* --- login throttles --- */
/* Failures of key in the last window_s seconds; *retry_after gets the
 * seconds until the oldest of them leaves the window. */
enum db_status db_throttle_count(struct db *db, const char *key, int window_s, int *count,
				 int *retry_after);
enum db_status db_throttle_fail(struct db *db, const char *key, const char *org_id);
enum db_status db_throttle_clear(struct db *db, const char *key);

#endif
