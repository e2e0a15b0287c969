/* Connections (one per thread), prepared statements and the transaction runner. */
#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include "base/crypto.h"
#include "base/log.h"
#include "base/text.h"
#include "db/internal.h"

/* How long /readyz stays 503 after a write the database could not store
 * (disk full, read-only or failing disk): a commit that fits in space left
 * proves little, so only time without refusals clears it. */
#define WRITE_FAILURE_HOLD_US (10 * 1000000LL)

static struct {
	char *conninfo;
	char *app_role;
	int statement_timeout_ms;
} config;

static pthread_mutex_t all_lock = PTHREAD_MUTEX_INITIALIZER;
static struct db *all_dbs;
static _Thread_local struct db *this_db;
static atomic_int next_stmt_index = 1;
static atomic_long open_count, busy_count, error_count[DB_ERROR__COUNT];
static pthread_mutex_t outage_lock = PTHREAD_MUTEX_INITIALIZER;
static char *outage;		/* db_outage_set */
static const char *write_failure;	/* the last write refused for its disk, or NULL */
static int64_t write_failure_at;	/* ... when (monotonic us) */

static char *
xstrdup(const char *s)
{
	char *d = s ? strdup(s) : NULL;
	if (s && !d)
		abort();
	return d;
}

void
db_configure(const struct db_config *cfg)
{
	free(config.conninfo);
	free(config.app_role);
	config.conninfo = xstrdup(cfg->conninfo);
	config.app_role = xstrdup(cfg->app_role);
	config.statement_timeout_ms = cfg->statement_timeout_ms;
}

/* The owner connection string (the listener's too). */
const char *
db_conninfo(void)
{
	return config.conninfo ? config.conninfo : "";
}

static void
set_error(struct db *db, const char *state, const char *constraint, const char *message)
{
	snprintf(db->sqlstate, sizeof db->sqlstate, "%s", state ? state : "");
	free(db->constraint);
	free(db->message);
	db->constraint = xstrdup(constraint);
	db->message = xstrdup(message);
}

static void
disconnect(struct db *db)
{
	if (db->conn) {
		PQfinish(db->conn);
		db->conn = NULL;
		atomic_fetch_sub(&open_count, 1);
	}
	if (db->prepared)
		memset(db->prepared, 0, (size_t)db->prepared_cap);
	db->in_tx = false;
	db->savepoint_due = false;
}

/* Sets the session up for requests: the application role and timeouts. */
static bool
session_setup(struct db *db)
{
	char timeout[32];
	snprintf(timeout, sizeof timeout, "%d",
		 config.statement_timeout_ms > 0 ? config.statement_timeout_ms : 10000);
	const char *p[] = {timeout, config.app_role};
	PGresult *r = PQexecParams(db->conn,
		"SELECT set_config('statement_timeout', $1, false),"
		" set_config('idle_in_transaction_session_timeout', '60000', false),"
		" set_config('TimeZone', 'UTC', false), set_config('DateStyle', 'ISO', false),"
		" set_config('jit', 'off', false),"
		" CASE WHEN $2::text IS NOT NULL THEN set_config('role', $2, false) END",
		2, NULL, p, NULL, NULL, 0);
	bool ok = PQresultStatus(r) == PGRES_TUPLES_OK;
	if (!ok)
		db_fail(db, r);
	PQclear(r);
	return ok;
}

static bool
connect_db(struct db *db)
{
	if (db->conn && PQstatus(db->conn) == CONNECTION_OK)
		return true;
	disconnect(db);
	db->conn = PQconnectdb(config.conninfo ? config.conninfo : "");
	atomic_fetch_add(&open_count, 1);
	if (PQstatus(db->conn) != CONNECTION_OK) {
		set_error(db, "08006", NULL, PQerrorMessage(db->conn));
		log_kv(LOG_WARN, "database connection failed", "sqlstate", "08006", NULL);
		disconnect(db);
		return false;
	}
	if (!session_setup(db)) {
		disconnect(db);
		return false;
	}
	return true;
}

struct db *
db_thread(void)
{
	if (!this_db) {
		struct db *db = calloc(1, sizeof *db);
		if (!db)
			abort();
		pthread_mutex_lock(&all_lock);
		db->next_all = all_dbs;
		all_dbs = db;
		pthread_mutex_unlock(&all_lock);
		this_db = db;
	}
	return this_db;
}

void
db_close_all(void)
{
	pthread_mutex_lock(&all_lock);
	for (struct db *db = all_dbs; db; db = db->next_all)
		disconnect(db);
	pthread_mutex_unlock(&all_lock);
}

void
db_mark_busy(struct db *db, bool busy)
{
	if (db->busy != busy)
		atomic_fetch_add(&busy_count, busy ? 1 : -1);
	db->busy = busy;
}

long db_connections_open(void) { return atomic_load(&open_count); }
long db_connections_busy(void) { return atomic_load(&busy_count); }
long db_errors_total(enum db_error_reason why) { return atomic_load(&error_count[why]); }

const char *
db_error_reason_label(enum db_error_reason why)
{
	static const char *const labels[] = {
#define E(e, label) label,
		DB_ERROR_REASONS(E)
#undef E
	};
	return labels[why];
}

const char *db_error_constraint(struct db *db) { return db->constraint; }
const char *db_error_sqlstate(struct db *db) { return db->sqlstate; }
const char *db_error_message(struct db *db) { return db->message; }

/* The reason /readyz gives for a write the database's disk refused, or NULL
 * when state is not such a failure. */
static const char *
write_failure_of(const char *state)
{
	if (!strcmp(state, "53100"))
		return "the database's disk is full (SQLSTATE 53100): writes are refused";
	if (!strcmp(state, "58030"))
		return "the database cannot write its files (I/O error, SQLSTATE 58030)";
	if (!strcmp(state, "25006"))
		return "the database is read-only (SQLSTATE 25006): writes are refused";
	return NULL;
}

/* Records a write the disk refused; logs the first of a series. */
static void
note_write_failure(const char *reason)
{
	pthread_mutex_lock(&outage_lock);
	int64_t now = text_now_monotonic_us();
	bool first = !write_failure || now - write_failure_at > WRITE_FAILURE_HOLD_US;
	write_failure = reason;
	write_failure_at = now;
	pthread_mutex_unlock(&outage_lock);
	if (first)
		log_kv(LOG_ERROR, "database cannot write", "reason", reason, NULL);
}

/* Maps a SQLSTATE to a status: the one place that does. */
static enum db_status
status_of_sqlstate(const char *s)
{
	if (!s || !*s)
		return DB_HARD;
	if (write_failure_of(s))
		return DB_UNAVAILABLE;	/* the disk, not the request: retry later */
	if (!strcmp(s, "40001") || !strcmp(s, "40P01"))
		return DB_SOFT;
	if (!strcmp(s, "23505") || !strcmp(s, "23P01"))
		return DB_CONFLICT;
	if (!strcmp(s, "23503"))
		return DB_FK;
	if (!strcmp(s, "23514") || !strcmp(s, "23502") || !strncmp(s, "22", 2))
		return DB_INVALID;
	if (!strcmp(s, "57014") || !strcmp(s, "55P03"))	/* statement or lock timeout */
		return DB_BUSY;
	if (!strncmp(s, "08", 2) || !strcmp(s, "57P01") || !strcmp(s, "57P02") ||
	    !strcmp(s, "57P03"))
		return DB_UNAVAILABLE;
	return DB_HARD;
}

enum db_status
db_fail(struct db *db, const PGresult *res)
{
	const char *state = res ? PQresultErrorField(res, PG_DIAG_SQLSTATE) : NULL;
	if (!state && db->conn && PQstatus(db->conn) != CONNECTION_OK)
		state = "08006";
	set_error(db, state, res ? PQresultErrorField(res, PG_DIAG_CONSTRAINT_NAME) : NULL,
		  res ? PQresultErrorMessage(res) : (db->conn ? PQerrorMessage(db->conn) : ""));
	enum db_status st = status_of_sqlstate(db->sqlstate);
	if (write_failure_of(db->sqlstate))
		note_write_failure(write_failure_of(db->sqlstate));
	if (st == DB_HARD || st == DB_UNAVAILABLE || st == DB_BUSY) {
		atomic_fetch_add(&error_count[st == DB_HARD ? DB_ERROR_QUERY : st == DB_BUSY
					      ? DB_ERROR_TIMEOUT : DB_ERROR_UNAVAILABLE], 1);
		log_kv(LOG_ERROR, "database error", "sqlstate", db->sqlstate, NULL);
	}
	if (st == DB_UNAVAILABLE || (db->conn && PQstatus(db->conn) != CONNECTION_OK)) {
		st = DB_UNAVAILABLE;
		disconnect(db);
	}
	db->status = st;
	return st;
}

static enum db_status
simple_once(struct db *db, const char *sql)
{
	if (!db->conn && !connect_db(db))
		return db->status = DB_UNAVAILABLE;
	PGresult *r = PQexec(db->conn, sql);
	ExecStatusType s = PQresultStatus(r);
	enum db_status st = (s == PGRES_COMMAND_OK || s == PGRES_TUPLES_OK) ? DB_OK : db_fail(db, r);
	PQclear(r);
	return st;
}

enum db_status
db_simple(struct db *db, const char *sql)
{
	if (db->savepoint_due) {
		db->savepoint_due = false;
		enum db_status st = simple_once(db, "SAVEPOINT loopd_tx");
		if (st != DB_OK)
			return st;
	}
	bool was_connected = db->conn != NULL, in_tx = db->in_tx;
	enum db_status st = simple_once(db, sql);
	/* As in db_run: a connection that died while idle (BEGIN is the first
	 * thing a transaction sends) is replaced once; never in a transaction
	 * (a COMMIT sent again to a fresh session would "succeed"). */
	if (st == DB_UNAVAILABLE && was_connected && !in_tx)
		st = simple_once(db, sql);
	return st;
}

/* The statement's process-wide number (its slot in each connection's
 * prepared flags), given on its first use by any thread. The number is all
 * the threads share, so relaxed atomics are enough. */
static int
stmt_index(struct db_stmt *st)
{
	int idx = atomic_load_explicit(&st->index, memory_order_relaxed);
	if (idx != 0)
		return idx;
	int fresh = atomic_fetch_add_explicit(&next_stmt_index, 1, memory_order_relaxed);
	/* Two threads may race to number one statement: the first number wins
	 * and the loser's is never used. */
	if (atomic_compare_exchange_strong_explicit(&st->index, &idx, fresh, memory_order_relaxed,
						    memory_order_relaxed))
		return fresh;
	return idx;
}

static bool
ensure_prepared(struct db *db, struct db_stmt *st)
{
	int idx = stmt_index(st);
	if (idx >= db->prepared_cap) {
		int cap = idx * 2 + 64;
		unsigned char *p = realloc(db->prepared, (size_t)cap);
		if (!p)
			abort();
		memset(p + db->prepared_cap, 0, (size_t)(cap - db->prepared_cap));
		db->prepared = p;
		db->prepared_cap = cap;
	}
	if (db->prepared[idx])
		return true;
	PGresult *r = PQprepare(db->conn, st->name, st->sql, 0, NULL);
	bool ok = PQresultStatus(r) == PGRES_COMMAND_OK;
	if (!ok)
		db_fail(db, r);
	PQclear(r);
	if (ok)
		db->prepared[idx] = 1;
	return ok;
}

static PGresult *run_once(struct db *db, struct db_stmt *st, int n, const char *const *params);

PGresult *
db_run(struct db *db, struct db_stmt *st, int n, const char *const *params)
{
	bool was_connected = db->conn != NULL, in_tx = db->in_tx;
	PGresult *r = run_once(db, st, n, params);
	/* A connection that died while idle (a database restart) is
	 * replaced once, outside a transaction, before giving up. Inside one
	 * (in_tx as it was before the failure cleared it) the statement is
	 * not sent again: it would run on its own, its transaction lost. */
	if (!r && db->status == DB_UNAVAILABLE && was_connected && !in_tx)
		r = run_once(db, st, n, params);
	return r;
}

static PGresult *
run_once(struct db *db, struct db_stmt *st, int n, const char *const *params)
{
	if (!db->conn && !connect_db(db)) {
		db->status = DB_UNAVAILABLE;
		return NULL;
	}
	if (db->savepoint_due) {
		struct db_batch b = {st, n, params, NULL};
		return db_run_batch(db, &b, 1) == DB_OK ? b.r : NULL;
	}
	PGresult *r;
	if (st->custom)
		r = PQexecParams(db->conn, st->sql, n, NULL, params, NULL, NULL, 0);
	else if (ensure_prepared(db, st))
		r = PQexecPrepared(db->conn, st->name, n, params, NULL, NULL, 0);
	else
		return NULL;
	ExecStatusType s = PQresultStatus(r);
	if (s == PGRES_COMMAND_OK || s == PGRES_TUPLES_OK) {
		db->status = DB_OK;
		return r;
	}
	db_fail(db, r);
	PQclear(r);
	return NULL;
}

enum db_status
db_result_status(PGresult **r)
{
	bool none = PQresultStatus(*r) == PGRES_TUPLES_OK ? PQntuples(*r) == 0
		    : PQcmdTuples(*r)[0] && strcmp(PQcmdTuples(*r), "0") == 0;
	if (!none)
		return DB_OK;
	PQclear(*r);
	*r = NULL;
	return DB_NONE;
}

enum db_status
db_run_status(struct db *db, struct db_stmt *st, int n, const char *const *params,
	      PGresult **out)
{
	PGresult *r = db_run(db, st, n, params);
	if (!r)
		return db->status;
	enum db_status s = db_result_status(&r);
	/* The caller owns a result only when there are rows to read. */
	if (out && s == DB_OK)
		*out = r;
	else
		PQclear(r);
	return s;
}

static bool
batch_send(struct db *db, const struct db_batch *b)
{
	if (b->st->custom)
		return PQsendQueryParams(db->conn, b->st->sql, b->n, NULL, b->params, NULL, NULL, 0);
	return PQsendQueryPrepared(db->conn, b->st->name, b->n, b->params, NULL, NULL, 0);
}

/* Reads the batch's results up to its sync; *failed gets the first
 * failure's result. false when the connection broke off. */
static bool
batch_read(struct db *db, struct db_batch *b, int n, PGresult **failed)
{
	for (int i = 0; i < n; i++) {
		PGresult *r = PQgetResult(db->conn);
		if (!r)
			return false;
		ExecStatusType s = PQresultStatus(r);
		if ((s == PGRES_COMMAND_OK || s == PGRES_TUPLES_OK) && !*failed)
			b[i].r = r;
		else if (s == PGRES_FATAL_ERROR && !*failed)
			*failed = r;
		else
			PQclear(r);
		if (s == PGRES_FATAL_ERROR && PQstatus(db->conn) != CONNECTION_OK)
			return false;
		if ((r = PQgetResult(db->conn))) {	/* each statement's results end in NULL */
			PQclear(r);
			return false;
		}
	}
	PGresult *sync = PQgetResult(db->conn);
	bool ok = sync && PQresultStatus(sync) == PGRES_PIPELINE_SYNC;
	PQclear(sync);
	return ok && PQexitPipelineMode(db->conn);
}

static struct db_stmt savepoint_stmt = {"savepoint", "SAVEPOINT loopd_tx", .custom = true};

/* b[0..n) after db_tx's deferred SAVEPOINT. */
static enum db_status
batch_after_savepoint(struct db *db, struct db_batch *b, int n)
{
	struct db_batch *all = malloc(sizeof *all * (size_t)(n + 1));
	if (!all)
		abort();
	all[0] = (struct db_batch){&savepoint_stmt, 0, NULL, NULL};
	memcpy(all + 1, b, sizeof *b * (size_t)n);
	db->savepoint_due = false;
	enum db_status st = db_run_batch(db, all, n + 1);
	PQclear(all[0].r);
	for (int i = 0; i < n; i++)
		b[i].r = all[i + 1].r;
	free(all);
	return st;
}

enum db_status
db_run_batch(struct db *db, struct db_batch *b, int n)
{
	if (db->savepoint_due)
		return batch_after_savepoint(db, b, n);
	if (!db->conn && !connect_db(db))
		return db->status = DB_UNAVAILABLE;
	for (int i = 0; i < n; i++) {
		b[i].r = NULL;
		if (!b[i].st->custom && !ensure_prepared(db, b[i].st))
			return db->status;
	}
	bool sent = PQenterPipelineMode(db->conn);
	for (int i = 0; i < n && sent; i++)
		sent = batch_send(db, &b[i]);
	PGresult *failed = NULL;
	bool whole = sent && PQpipelineSync(db->conn) && batch_read(db, b, n, &failed);
	enum db_status st = DB_OK;
	if (failed || !whole) {
		for (int i = 0; i < n; i++) {
			PQclear(b[i].r);
			b[i].r = NULL;
		}
		st = db_fail(db, failed);
		if (!whole && db->conn) {	/* out of step with the server: start afresh */
			disconnect(db);
			st = db->status = DB_UNAVAILABLE;
		}
	}
	PQclear(failed);
	return db->status = st;
}

enum db_status
db_run_any(struct db *db, struct db_stmt *st, int n, const char *const *params)
{
	enum db_status s = db_run_status(db, st, n, params, NULL);
	return s == DB_NONE ? DB_OK : s;
}

char *
db_str(struct arena *a, const PGresult *r, int row, int col)
{
	if (PQgetisnull(r, row, col))
		return NULL;
	return arena_strndup(a, PQgetvalue(r, row, col), (size_t)PQgetlength(r, row, col));
}

char *
db_ts(struct arena *a, const PGresult *r, int row, int col)
{
	if (PQgetisnull(r, row, col))
		return NULL;
	const char *s = PQgetvalue(r, row, col);
	size_t date = strcspn(s, " ");
	const char *frac = s + date + 9;	/* after " hh:mm:ss" */
	if (strlen(s) < date + 12 || s[date + 3] != ':' || (*frac != '.' && *frac != '+'))
		return arena_strdup(a, s);	/* not a finite time: as it is */
	frac += *frac == '.';
	size_t digits = strspn(frac, "0123456789");
	if (digits > 6 || strcmp(frac + digits, "+00"))
		return arena_strdup(a, s);	/* not in UTC: as it is, never another instant */
	char *out = arena_alloc(a, date + 18);	/* date, T, hh:mm:ss, ., six digits, Z */
	memcpy(out, s, date);
	out[date] = 'T';
	memcpy(out + date + 1, s + date + 1, 8);
	out[date + 9] = '.';
	memcpy(out + date + 10, frac, digits);
	memset(out + date + 10 + digits, '0', 6 - digits);
	out[date + 16] = 'Z';
	return out;
}

unsigned char *
db_hex(struct arena *a, const PGresult *r, int row, int col, size_t *len)
{
	static const char digits[] = "0123456789abcdef";
	const char *hex = PQgetvalue(r, row, col);
	*len = strlen(hex) / 2;
	unsigned char *out = arena_alloc(a, *len + 1);
	for (size_t i = 0; i < *len; i++) {
		const char *hi = strchr(digits, hex[2 * i]), *lo = strchr(digits, hex[2 * i + 1]);
		out[i] = (unsigned char)(((hi ? hi - digits : 0) << 4) | (lo ? lo - digits : 0));
	}
	return out;
}

enum db_status
db_rows_collect(struct db *db, struct db_stmt *st, int n, const char *const *params,
		struct arena *a, size_t size, db_copy_fn *copy, void **items, int *count)
{
	*items = NULL;
	*count = 0;
	PGresult *r = db_run(db, st, n, params);
	if (!r)
		return db->status;
	int rows = PQntuples(r);
	char *out = arena_alloc(a, size * (size_t)(rows + 1));
	for (int row = 0; row < rows; ++*count)
		row = copy(a, r, row, out + size * (size_t)*count);
	PQclear(r);
	*items = out;
	return DB_OK;
}

enum db_status
db_row_fetch(struct db *db, struct db_stmt *st, int n, const char *const *params,
	     struct arena *a, db_copy_fn *copy, void *item)
{
	PGresult *r = NULL;
	enum db_status s = db_run_status(db, st, n, params, &r);
	if (s != DB_OK)
		return s;
	copy(a, r, 0, item);
	PQclear(r);
	return DB_OK;
}

int64_t
db_int(const PGresult *r, int row, int col)
{
	return PQgetisnull(r, row, col) ? 0 : strtoll(PQgetvalue(r, row, col), NULL, 10);
}

bool
db_bool(const PGresult *r, int row, int col)
{
	return !PQgetisnull(r, row, col) && PQgetvalue(r, row, col)[0] == 't';
}

static struct db_stmt commit_stmt = {"commit", "COMMIT", .custom = true};

enum db_status
db_commit_with(struct db *db, struct db_batch *first, int n)
{
	db->savepoint_due = false;	/* nothing ran since: nothing to roll back to */
	struct arena *a = arena_create();
	struct db_batch *b = arena_alloc(a, sizeof *b * (size_t)(n + db_audit_queued(db) + 1));
	for (int i = 0; i < n; i++)
		b[i] = first[i];
	int all = n + db_audit_batch(db, a, b + n);
	b[all++] = (struct db_batch){&commit_stmt, 0, NULL, NULL};
	enum db_status st = db_run_batch(db, b, all);
	for (int i = 0; i < all; i++)
		PQclear(b[i].r);
	arena_destroy(a);
	if (st != DB_OK && db->conn)
		db_simple(db, "ROLLBACK");	/* a failed COMMIT has ended it already: harmless */
	db_audit_drop(db, 0);
	db->in_tx = false;
	return st;
}

enum db_status
db_end(struct db *db, bool commit)
{
	if (commit)
		return db_commit_with(db, NULL, 0);
	db->savepoint_due = false;
	if (db->conn)
		db_simple(db, "ROLLBACK");
	db_audit_drop(db, 0);
	db->in_tx = false;
	return DB_OK;
}

/* Sleeps 1-2, 2-4, 4-8, ... ms before retry attempt + 1. */
static void
retry_pause(int attempt)
{
	unsigned char r;
	crypto_random(&r, 1);
	long us = (1000L << attempt) * (256 + r) / 256;
	struct timespec ts = {0, us * 1000};
	nanosleep(&ts, NULL);
}

/* fn inside a transaction someone else opened (an idempotent request), in
 * a savepoint, so a failure leaves the outer transaction usable (to
 * explain the failure); its owner commits or rolls back, and appends the
 * events queued here only if this succeeded. The savepoint goes with fn's
 * first statement and stays on success (COMMIT keeps what it holds; a
 * later sibling's savepoint of the same name is newer, so its ROLLBACK TO
 * finds its own). Inside another db_tx's body it is taken and released at
 * once: left in place, it would be the newest, and the enclosing body's
 * ROLLBACK TO would stop at it and keep what that body wrote before. */
static enum db_status
in_savepoint(struct db *db, enum db_status (*fn)(struct db *, void *), void *ctx)
{
	int mark = db_audit_queued(db);
	bool inner = db->tx_running > 0;
	enum db_status st;
	if (inner && (st = db_simple(db, "SAVEPOINT loopd_tx")) != DB_OK)
		return st;
	db->savepoint_due = !inner;
	db->tx_running++;
	st = fn(db, ctx);
	db->tx_running--;
	if (st == DB_OK)
		return inner ? db_simple(db, "RELEASE SAVEPOINT loopd_tx") : DB_OK;
	/* one still due was never sent: fn ran nothing */
	if (!db->savepoint_due && db->conn)
		db_simple(db, "ROLLBACK TO SAVEPOINT loopd_tx");
	db->savepoint_due = false;
	db_audit_drop(db, mark);
	return st;
}

enum db_status
db_tx(struct db *db, enum db_status (*fn)(struct db *, void *), void *ctx)
{
	enum db_status st = DB_HARD;
	if (db->in_tx)
		return in_savepoint(db, fn, ctx);
	for (int attempt = 0; attempt < 5; attempt++) {
		if ((st = db_simple(db, "BEGIN")) != DB_OK)
			return st;
		db->in_tx = true;
		db->tx_running++;
		st = fn(db, ctx);
		db->tx_running--;
		enum db_status end = db_end(db, st == DB_OK);
		if (st == DB_OK)
			st = end;
		if (st != DB_SOFT)
			return st;
		/* A serialization failure or deadlock (seen by fn or at COMMIT):
		 * run the whole transaction again, after a pause that grows and
		 * differs between threads, so that racers (e.g. three bookings of
		 * one interviewer, whose exclusion checks deadlock each other)
		 * do not meet again at once every time. */
		retry_pause(attempt);
	}
	return st;
}

void
db_outage_set(const char *reason)
{
	pthread_mutex_lock(&outage_lock);
	free(outage);
	outage = xstrdup(reason);
	pthread_mutex_unlock(&outage_lock);
}

/* The supervisor's reason (copied into a), or NULL. */
static const char *
outage_reason(struct arena *a)
{
	pthread_mutex_lock(&outage_lock);
	char *reason = outage ? arena_strdup(a, outage) : NULL;
	pthread_mutex_unlock(&outage_lock);
	return reason;
}

/* Why writes fail now (static text), or NULL: the last refusal for the
 * disk's sake, unless it is older than the hold. */
static const char *
write_failure_reason(void)
{
	pthread_mutex_lock(&outage_lock);
	const char *reason = write_failure;
	if (reason && text_now_monotonic_us() - write_failure_at > WRITE_FAILURE_HOLD_US)
		reason = NULL;
	pthread_mutex_unlock(&outage_lock);
	return reason;
}

bool
db_ready(struct db *db, struct arena *a, const char **why)
{
	static struct db_stmt q = {"db_ready",
		"SELECT count(*) FROM schema_migrations"};
	PGresult *r = db_run(db, &q, 0, NULL);
	if (!r) {
		const char *reason = outage_reason(a);
		*why = reason ? reason : arena_printf(a, "the database does not answer (SQLSTATE %s)",
						      db->sqlstate[0] ? db->sqlstate : "08006");
		return false;
	}
	bool ok = db_int(r, 0, 0) >= db_migration_count();
	PQclear(r);
	if (!ok)
		*why = "the database lacks migrations this loopd needs (run loopd migrate)";
	else if ((*why = write_failure_reason()))
		ok = false;
	return ok;
}
