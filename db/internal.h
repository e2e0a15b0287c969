#ifndef DB_INTERNAL_H
#define DB_INTERNAL_H
/* Shared by the files of db/ only. */
#include <jansson.h>
#include <libpq-fe.h>
#include <stdatomic.h>
#include "db/db.h"

/* A statement prepared once per connection, on first use. Declare as
 * static struct db_stmt X = {"name", "SQL"}; */
struct db_stmt {
	const char *name;
	const char *sql;
	atomic_int index;	/* numbered on first use by any thread; 0 = not yet */
};

struct db {
	PGconn *conn;
	bool busy;
	bool in_tx;
	int status;		/* last enum db_status */
	char sqlstate[6];
	char *constraint;	/* malloc'd, last error */
	char *message;
	unsigned char *prepared;	/* one flag per statement index */
	int prepared_cap;
	struct db *next_all;
};

/* Runs st with n text parameters (NULL = SQL NULL). Returns the result
 * (the caller PQclear()s it) or NULL after setting db->status from the
 * error. A result with no rows is returned as is. */
PGresult *db_run(struct db *db, struct db_stmt *st, int n, const char *const *params);

/* Runs st and maps the outcome: DB_OK when it succeeded and (for a query)
 * returned at least one row, DB_NONE for zero rows, else the error status.
 * *out (when not NULL) gets the result only with DB_OK; the caller clears it. */
enum db_status db_run_status(struct db *db, struct db_stmt *st, int n, const char *const *params,
			     PGresult **out);

/* Runs a statement for its effect, where touching no row is fine: DB_OK
 * or the error status (never DB_NONE). */
enum db_status db_run_any(struct db *db, struct db_stmt *st, int n, const char *const *params);

/* Copies of a result field into a (NULL for SQL NULL). */
char *db_str(struct arena *a, const PGresult *r, int row, int col);
int64_t db_int(const PGresult *r, int row, int col);
bool db_bool(const PGresult *r, int row, int col);

/* A column holding encode(bytes, 'hex'), decoded into a; *len its size. */
unsigned char *db_hex(struct arena *a, const PGresult *r, int row, int col, size_t *len);

/* Runs plain SQL text with no parameters (transaction control only). */
enum db_status db_simple(struct db *db, const char *sql);

/* Records an error from res (or from the connection when res is NULL). */
enum db_status db_fail(struct db *db, const PGresult *res);

/* SQL rendering a timestamptz column as RFC 3339 UTC with microseconds. */
#define DB_TS(col) "to_char(" col " AT TIME ZONE 'UTC', 'YYYY-MM-DD\"T\"HH24:MI:SS.US\"Z\"')"

/* Column col of row parsed as JSON (a new reference; NULL when not JSON). */
json_t *db_json(const PGresult *r, int row, int col);

/* Rows of (json, created_at, id) into a page. */
struct db_rows;
void db_rows_collect(struct arena *a, const PGresult *r, struct db_rows *out);

/* Locks a loop that may still change (db/loops.c): DB_NONE, DB_STALE,
 * DB_STATE (decided or cancelled; why->status names it) or DB_OK. */
struct db_refusal;
enum db_status db_loop_lock_open(struct db *db, struct arena *a, const char *org_id,
				 const char *id, int if_version, struct db_refusal *why);

/* Keyset bounds before the first row, for "(created_at, id) > ($n, $m)"
 * conditions that stay index conditions in generic plans. */
#define DB_KEYSET_START_TIME "-infinity"
#define DB_KEYSET_START_ID "00000000-0000-0000-0000-000000000000"
#define DB_AFTER_TIME(t) ((t) ? (t) : DB_KEYSET_START_TIME)
#define DB_AFTER_ID(i) ((i) ? (i) : DB_KEYSET_START_ID)

/* Number of migrations compiled into this binary. */
int db_migration_count(void);

/* Identity pieces shared inside db/, each defined in the file of its
 * aggregate. The inserts write no audit event: their callers do. */
struct db_user;
struct db_client;
/* Inserts a user of org_id (db/users.c); *out is copied into a. */
enum db_status db_user_insert(struct db *db, struct arena *a, const char *org_id,
			      const struct db_user *in, struct db_user *out);
/* The fields of a user that its audit events record (never the password
 * hash); a new reference the caller owns. */
json_t *db_user_changes(const struct db_user *u);
/* The user when it exists and is enabled (db/users.c); *out in a. */
enum db_status db_user_enabled(struct db *db, struct arena *a, const char *org_id,
			       const char *id, struct db_user *out);
/* Inserts a client of org_id (db/clients.c); *out is copied into a. */
enum db_status db_client_insert(struct db *db, struct arena *a, const char *org_id,
				const struct db_client *in, struct db_client *out);
/* Revokes every live refresh token of a user, or of a client
 * (db/refresh.c): DB_OK or the error status. */
enum db_status db_refresh_revoke_user(struct db *db, const char *org_id, const char *user_id);
enum db_status db_refresh_revoke_client(struct db *db, const char *org_id, const char *client_id);

#endif
