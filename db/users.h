#ifndef DB_USERS_H
#define DB_USERS_H
#include <stdbool.h>
#include "db/audit.h"
#include "db/db.h"
#include "db/identity.h"

/* Users of an org, and the standing of a token's subject. Every change
 * writes its audit event in the same transaction. Strings returned live in
 * the caller's arena. */

struct db_user {
	char *id, *org_id, *email, *name;
	char *roles;		/* space-separated role names */
	char *password_hash;	/* only filled by db_user_by_email */
	bool disabled;
	int version;
	char *created_at, *updated_at;
};

enum db_status db_user_create(struct db *db, struct arena *a, const struct audit_ctx *ctx,
			      const struct db_user *in, struct db_user *out);
enum db_status db_user_get(struct db *db, struct arena *a, const char *org_id, const char *id,
			   struct db_user *out);
enum db_status db_user_by_email(struct db *db, struct arena *a, const char *org_id,
				const char *email, struct db_user *out);
/* One page of users as JSON-ready structs; *n gets the count. */
enum db_status db_user_list(struct db *db, struct arena *a, const char *org_id,
			    const struct db_page *page, struct db_user **out, int *n);
/* A person of the org's directory: the basic profile any colleague may
 * see (no email, no state). */
struct db_person {
	char *id, *name;
	char *roles;		/* space-separated role names */
	char *created_at;
};

/* One page of the org's active users as people, oldest first (newest with
 * page->desc): with role (NULL: any) among their roles and, with q (NULL
 * or empty: any), q in their name, compared case-insensitively. */
enum db_status db_people_list(struct db *db, struct arena *a, const char *org_id,
			      const char *role, const char *q, const struct db_page *page,
			      struct db_person **out, int *n);
/* Applies the non-NULL fields of patch (name, roles; disabled when
 * set_disabled) if the stored version equals if_version (0 = any).
 * Disabling revokes the user's refresh tokens in the same transaction;
 * disabling or re-enabling ends the calendar feed URL. touchable (NULL:
 * any) lists the roles the actor may take away: a role removed, or any
 * role of a user disabled or re-enabled, outside it is DB_STATE with
 * *forbidden set (else DB_STATE is the last active admin). */
enum db_status db_user_update(struct db *db, struct arena *a, const struct audit_ctx *ctx,
			      const char *id, int if_version, const char *name, const char *roles,
			      bool set_disabled, bool disabled, const char *touchable,
			      bool *forbidden, struct db_user *out);
enum db_status db_user_set_password(struct db *db, const struct audit_ctx *ctx, const char *id,
				    const char *password_hash, bool audited);

/* The current standing of a token's subject: whether the user is enabled
 * (or the client not revoked) and its roles (or allowed scopes) now, as
 * space-separated names in *grants. DB_NONE when it no longer exists. */
enum db_status db_principal_state(struct db *db, struct arena *a, const char *org_id,
				  bool is_user, const char *id, bool *active, char **grants);

#endif
