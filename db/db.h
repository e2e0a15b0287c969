#ifndef DB_DB_H
#define DB_DB_H
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include "base/arena.h"

/*
 * The database layer. Only db/ includes libpq-fe.h; callers see statuses
 * and plain C values copied into their arena.
 */
enum db_status {
	DB_UNAVAILABLE = -3,	/* connection lost or refused: answer 503 */
	DB_HARD = -2,		/* unexpected error: 500 */
	DB_SOFT = -1,		/* serialization failure or deadlock: retried by db_tx */
	DB_NONE = 0,		/* no such row (or not in this org) */
	DB_OK = 1,
	DB_CONFLICT = 2,	/* unique (23505) or exclusion (23P01) violation */
	DB_FK = 3,		/* foreign key (23503) */
	DB_INVALID = 4,		/* check constraint, bad value (23514, 22xxx) */
	DB_STATE = 5,		/* the domain refuses this state change */
	DB_STALE = 6,		/* If-Match named an older version */
	DB_BUSY = 7,		/* a statement or lock wait timed out: retry later */
};

/* A keyset page of a list ordered by (created_at, id), or another
 * (time, id) key: the rows after (after_created, after_id), both NULL for
 * the first page; limit rows are fetched (the page size + 1, so the caller
 * sees whether another page follows). */
struct db_page {
	const char *after_created;
	const char *after_id;
	int limit;
	bool desc;			/* newest first: the rows before the keyset */
	const char *updated_after;	/* lists that sync: only rows changed after, or NULL */
	const char *created_after;	/* ... only rows created after, or NULL */
};

/* One connection, owned by one thread. */
struct db;

struct db_config {
	const char *conninfo;	/* libpq connection string (owner login) */
	const char *app_role;	/* role request connections SET ROLE to, or NULL */
	int statement_timeout_ms;
};

/* Keeps cfg (strings are copied) for connections made later. */
void db_configure(const struct db_config *cfg);

/* This thread's connection, connecting lazily. Never NULL; a broken
 * connection shows as DB_UNAVAILABLE from the calls that use it. */
struct db *db_thread(void);

/* Closes every connection made by any thread (at shutdown, after the
 * server has stopped). */
void db_close_all(void);

/* Runs fn(db, ctx) inside BEGIN/COMMIT; rolls back unless it returns
 * DB_OK; retries serialization failures and deadlocks up to 5 times. */
enum db_status db_tx(struct db *db, enum db_status (*fn)(struct db *, void *), void *ctx);

/* After a failure: the violated constraint's name and the server's detail
 * (both may be NULL; detail may hold values, so never log it). */
const char *db_error_constraint(struct db *db);
const char *db_error_sqlstate(struct db *db);
const char *db_error_message(struct db *db);

/* True when the database answers and every migration this binary knows
 * is applied. */
bool db_ready(struct db *db);

/* Counters for /metrics. */
long db_connections_open(void);
long db_connections_busy(void);
/* The reason label of loopd_db_errors_total: E(enum, "label"), bounded. */
#define DB_ERROR_REASONS(E) \
	E(UNAVAILABLE, "unavailable")	/* no connection, or the server is shutting down */ \
	E(TIMEOUT, "timeout")		/* statement or lock timeout */ \
	E(QUERY, "query")		/* any other failure that is not a refusal */
enum db_error_reason {
#define E(e, label) DB_ERROR_##e,
	DB_ERROR_REASONS(E)
#undef E
	DB_ERROR__COUNT
};
long db_errors_total(enum db_error_reason why);
const char *db_error_reason_label(enum db_error_reason why);

/* Marks this thread's connection busy/idle (for the in-use gauge). */
void db_mark_busy(struct db *db, bool busy);

/* Applies pending migrations under an advisory lock, using a connection
 * of its own made from conninfo. On failure writes a one-line reason to
 * *why (static or malloc'd text) and returns false. */
bool db_migrate(const char *conninfo, const char *app_role, char **why);

/* Lets role log in (the embedded cluster trusts its socket, so request
 * connections can be the application role itself, not the owner). */
bool db_allow_login(const char *owner_conninfo, const char *role, char **why);

#endif
