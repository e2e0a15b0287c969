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
	bool custom;		/* never prepared: planned for each call's values */
};

struct db {
	PGconn *conn;
	bool busy;
	bool in_tx;
	/* A write that must outlive a failed request was made in the open
	 * idempotent transaction (a refusal's audit event, a throttle count):
	 * db_idem_end then commits it even though no reply is stored. */
	bool keep;
	int status;		/* last enum db_status */
	char sqlstate[6];
	char *constraint;	/* malloc'd, last error */
	char *message;
	/* The open transaction's audit events, appended by db_end just
	 * before COMMIT (db/audit.c): the org's chain head is locked from
	 * then on, not from the change that the event records. */
	struct audit_queue *audit;
	/* db_tx's SAVEPOINT inside an open transaction, not sent yet: it goes
	 * in one round trip with the next statement (nothing before that
	 * could need rolling back to it). */
	bool savepoint_due;
	/* db_tx bodies running: a db_tx inside another's body takes and
	 * releases its savepoint at once (see db_tx). */
	int tx_running;
	unsigned char *prepared;	/* one flag per statement index */
	int prepared_cap;
	struct db *next_all;
};

/* Why the database is down, as the embedded cluster's supervisor knows it
 * (copied; NULL once it is up again): db_ready reports it. */
void db_outage_set(const char *reason);

/* The connection string of db_configure (for connections of db/'s own). */
const char *db_conninfo(void);

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

/* One statement of db_run_batch: st with n parameters; r gets its result
 * (the caller clears it) when every statement of the batch succeeded. */
struct db_batch {
	struct db_stmt *st;
	int n;
	const char *const *params;
	PGresult *r;
};

/* Runs the statements in order in one round trip (libpq's pipeline mode):
 * the server runs each as db_run would, but none waits for the client.
 * A failure skips the rest. DB_OK, or the first failure's status with
 * every r NULL. Statements whose parameters come from an earlier one's
 * rows cannot share a batch with it. */
enum db_status db_run_batch(struct db *db, struct db_batch *b, int n);

/* db_run_status's reading of a result it ran: DB_OK (rows, or a command
 * that touched some), else DB_NONE with *r cleared and NULL. */
enum db_status db_result_status(PGresult **r);

/* Copies of a result field into a (NULL for SQL NULL). */
char *db_str(struct arena *a, const PGresult *r, int row, int col);
int64_t db_int(const PGresult *r, int row, int col);
bool db_bool(const PGresult *r, int row, int col);
/* A plain timestamptz column (PostgreSQL writes it in DateStyle ISO, time
 * zone UTC: every session sets both) as the API serves it, what DB_TS
 * writes: "2026-01-02 10:00:00.5+00" becomes "2026-01-02T10:00:00.500000Z".
 * Formatted here because to_char cost PostgreSQL 28 us of a loop's read of
 * 8 rounds (42 calls). */
char *db_ts(struct arena *a, const PGresult *r, int row, int col);

/* A column holding encode(bytes, 'hex'), decoded into a; *len its size. */
unsigned char *db_hex(struct arena *a, const PGresult *r, int row, int col, size_t *len);

/* Runs plain SQL text with no parameters (transaction control only). */
enum db_status db_simple(struct db *db, const char *sql);

/* Ends the open transaction: appends its queued audit events and commits
 * (commit), or rolls back. The queue is empty afterwards; a rollback
 * returns DB_OK. */
enum db_status db_end(struct db *db, bool commit);

/* db_end(db, true) with first[0..n) run before the audit events, all in
 * one round trip (db_run_batch): the org's chain head is locked from its
 * append to the COMMIT with no round trip in between. */
enum db_status db_commit_with(struct db *db, struct db_batch *first, int n);

/* The audit queue (db/audit.c). How many events are queued (a savepoint's
 * mark); forgets those queued from index from on (rolled back to the
 * mark, or 0 when the transaction ends); appends every queued event in
 * order and empties the queue. */
int db_audit_queued(const struct db *db);
void db_audit_drop(struct db *db, int from);
enum db_status db_audit_flush(struct db *db);
/* The statements appending the queued events, in order, into out (room
 * for db_audit_queued of them; parameters in a); returns how many. The
 * queue is left as it is. */
int db_audit_batch(struct db *db, struct arena *a, struct db_batch *out);
/* Appends the queued events and then this one at once, inside the open
 * transaction, for a caller that needs its seq (*seq). */
struct audit_ctx;
enum db_status db_audit_append_seq(struct db *db, const struct audit_ctx *ctx, const char *action,
				   const char *entity_type, const char *entity_id, json_t *changes,
				   int64_t *seq);

/* Records an error from res (or from the connection when res is NULL). */
enum db_status db_fail(struct db *db, const PGresult *res);

/* SQL text of a timestamptz column as the API serves it: RFC 3339 UTC,
 * always with six fraction digits, the stored precision
 * ("2026-01-02T10:00:00.000000Z"). Read it with db_str. */
#define DB_TS(col) "to_char(" col " AT TIME ZONE 'UTC', 'YYYY-MM-DD\"T\"HH24:MI:SS.US\"Z\"')"

/* Copies the item that starts at row of r into item (memory from a);
 * returns the row after the last one it used (an item may span several
 * rows, as a round spans one row per interviewer). */
typedef int db_copy_fn(struct arena *a, const PGresult *r, int row, void *item);

/* Runs st, copies its rows into an array of items of size bytes each
 * (*items, in a; *count of them) with copy, and clears the result. DB_OK,
 * also for no rows, or the error status. */
enum db_status db_rows_collect(struct db *db, struct db_stmt *st, int n,
			       const char *const *params, struct arena *a, size_t size,
			       db_copy_fn *copy, void **items, int *count);

/* Runs st and copies its first item into *item with copy; clears the
 * result. DB_OK, DB_NONE for no rows, or the error status. */
enum db_status db_row_fetch(struct db *db, struct db_stmt *st, int n,
			    const char *const *params, struct arena *a, db_copy_fn *copy,
			    void *item);

/* Rounds as rows (db/round_rows.c): the columns of round r, then one of
 * its interviewers iv (with their user u), NULL when it has none; times
 * plain, read with db_ts. */
#define DB_ROUND_COLUMNS \
	"r.id, r.loop_id, r.kind, r.rubric_key, r.rubric_version, r.required, r.starts_at," \
	" r.ends_at, r.location, r.status, r.sequence, r.version, r.created_at, r.updated_at," \
	" iv.user_id, u.name, iv.role, r.due_at, r.expected_effort_hours, " DB_TAKE_HOME_WARNINGS("r")
#define DB_ROUND_NCOLUMNS 20
/* SQL of round r's hygiene warnings, space-separated words ('' for none):
 * a take-home (not cancelled) due less than 7 days after it is assigned
 * (its start, or its creation while unscheduled) or with no due time, and
 * one with no stated effort (seed 003, "Red Flags to Watch For" > 2). */
#define DB_TAKE_HOME_WARNINGS(r) \
	"concat_ws(' ', CASE WHEN " r ".kind = 'take_home' AND " r ".status <> 'cancelled'" \
	" AND (" r ".due_at IS NULL OR " r ".due_at < coalesce(" r ".starts_at, " r ".created_at)" \
	" + interval '7 days') THEN 'take_home_deadline_short' END," \
	" CASE WHEN " r ".kind = 'take_home' AND " r ".status <> 'cancelled'" \
	" AND " r ".expected_effort_hours IS NULL THEN 'take_home_effort_missing' END)"
/* SQL of loop l's elapsed days (one decimal, float8): from the start of its
 * first round (not cancelled) to its decision; NULL until it is decided. */
#define DB_LOOP_ELAPSED_DAYS \
	"(SELECT round((extract(epoch FROM max(ed.created_at) - min(er.starts_at))" \
	" / 86400)::numeric, 1)::float8 FROM rounds er JOIN decisions ed" \
	" ON ed.org_id = er.org_id AND ed.loop_id = er.loop_id" \
	" WHERE er.org_id = l.org_id AND er.loop_id = l.id AND er.status <> 'cancelled'" \
	" AND er.starts_at <= ed.created_at)"
/* Joins round r's interviewers iv and their users u (after FROM ... r). */
#define DB_ROUND_INTERVIEWERS \
	" LEFT JOIN round_interviewers iv ON iv.org_id = r.org_id AND iv.round_id = r.id" \
	" LEFT JOIN users u ON u.org_id = iv.org_id AND u.id = iv.user_id"
/* Rounds in schedule order (the unscheduled last, in creation order), each
 * round's rows together, its interviewers in booking order. */
#define DB_ROUND_ORDER "r.starts_at NULLS LAST, r.ordinal, iv.created_at, iv.user_id"

/* Copies the round whose DB_ROUND_COLUMNS start at column col of row, with
 * the interviewers of the rows that follow for the same round, into *out
 * (memory from a); returns the row after the round's last. */
struct db_round;
int db_round_copy(struct arena *a, const PGresult *r, int row, int col, struct db_round *out);
/* Round id of org with its interviewers, as its writers see it. */
enum db_status db_round_read(struct db *db, struct arena *a, const char *org_id, const char *id,
			     struct db_round *out);

/* SQL of the status a reader sees of loop l: a scheduled loop whose first
 * round has begun is in progress even before anything was written since. */
#define DB_LOOP_STATUS \
	"CASE WHEN l.status = 'scheduled' AND EXISTS (SELECT 1 FROM rounds s" \
	" WHERE s.org_id = l.org_id AND s.loop_id = l.id AND s.status = 'scheduled'" \
	" AND s.starts_at <= now()) THEN 'in_progress' ELSE l.status END"

/* SQL of whether the viewer (user, reach: SQL of parameters) reaches loop
 * l, as loop_visible() in db/functions.sql says; written out so that the
 * planner inlines it (a SQL function with a sub-select is not inlined and
 * is parsed and planned again at every execution). */
#define DB_LOOP_VISIBLE(user, reach) \
	"(" reach "::int & 1 = 1 OR (" reach "::int & 2 = 2 AND l.hiring_manager_id = " user "::uuid)" \
	" OR (" reach "::int & 4 = 4 AND EXISTS (SELECT 1 FROM round_interviewers vis" \
	" WHERE vis.org_id = l.org_id AND vis.loop_id = l.id AND vis.user_id = " user "::uuid)))"

/* Locks a loop that may still change (db/loops.c): DB_NONE, DB_STALE,
 * DB_STATE (decided or cancelled; why->status names it) or DB_OK. */
struct db_refusal;
enum db_status db_loop_lock_open(struct db *db, struct arena *a, const char *org_id,
				 const char *id, int if_version, struct db_refusal *why);
/* The same in two halves, for a batch: the locking statement (p: org,
 * loop; kept by the caller), and the checks of its result (cleared). */
struct db_batch db_loop_lock_stmt(const char *const *p);
enum db_status db_loop_lock_checked(struct arena *a, PGresult **r, int if_version,
				    struct db_refusal *why);

/* Brings loop_id's status up to date (loop_sync_status in db/functions.sql)
 * and emits loop.status_changed when it moved (db/loops.c). */
enum db_status db_loop_sync(struct db *db, const char *org_id, const char *loop_id);
/* The same in two halves: the statement (p: org, loop), and what follows
 * from its result (cleared). */
struct db_batch db_loop_sync_stmt(const char *const *p);
enum db_status db_loop_synced(struct db *db, const char *org_id, const char *loop_id,
			      PGresult **r);

/* db_webhook_emit's statement for a batch (db/webhooks.c): data's
 * reference is taken, the parameters live in a (org_id and type are kept
 * by the caller). */
struct db_batch db_webhook_emit_stmt(struct arena *a, const char *org_id, const char *type,
				     json_t *data);

/* Keyset bounds before the first row, for "(created_at, id) > ($n, $m)"
 * conditions that stay index conditions in generic plans. */
#define DB_KEYSET_START_TIME "-infinity"
#define DB_KEYSET_START_ID "00000000-0000-0000-0000-000000000000"
#define DB_AFTER_TIME(t) ((t) ? (t) : DB_KEYSET_START_TIME)
#define DB_AFTER_ID(i) ((i) ? (i) : DB_KEYSET_START_ID)
/* The same for a page that may run newest first (page->desc: "<" keysets
 * start after every row), and a time filter's bound ("> $n", absent: all). */
#define DB_PAGE_TIME(p) ((p)->after_created ? (p)->after_created \
			 : (p)->desc ? "infinity" : DB_KEYSET_START_TIME)
#define DB_PAGE_ID(p) ((p)->after_id ? (p)->after_id \
		       : (p)->desc ? "ffffffff-ffff-ffff-ffff-ffffffffffff" : DB_KEYSET_START_ID)
#define DB_SINCE(t) ((t) ? (t) : DB_KEYSET_START_TIME)

/* Candidate erasure, inside the erase transaction (db/scorecards_overdue.c):
 * clears evidence, summary, amendment reasons and notes of the scorecards of
 * the candidate's loops (ratings, red-flag keys, recommendations stay). */
enum db_status db_scorecards_erase_candidate(struct db *db, const char *org_id,
					     const char *candidate_id);

/* Candidate erasure (db/decision_record.c, called inside the erase
 * transaction): the decisions of the candidate's loops keep their outcome
 * and figures and lose their free text (rationale, override_justification). */
enum db_status db_decision_erase_text(struct db *db, const char *org_id, const char *candidate_id);

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
struct db_refresh;
/* Inside a transaction (db/refresh.c): stores token_hash in a new family of
 * r's user and client living days (*family_id gets its id, in a); revokes
 * every token of a family (no event: the caller audits). */
enum db_status db_refresh_family_start(struct db *db, struct arena *a, const struct db_refresh *r,
				       const char *token_hash, int days, char **family_id);
enum db_status db_refresh_family_revoke(struct db *db, const char *org_id, const char *family_id);

#endif
