#ifndef DB_EMBEDDED_H
#define DB_EMBEDDED_H
#include <stdbool.h>

/*
 * loopd's own PostgreSQL cluster under a data dir: <dir>/pg holds the
 * cluster, <dir>/run its Unix socket (no TCP), <dir>/postgres.log its log.
 * A serving loopd holds <dir>/loopd.lock; a command-line tool finding it
 * held uses the running cluster and leaves it alone.
 */
struct embedded;

/* Opens (initialising and starting as needed) the cluster under dir.
 * serve: this process is the server (a second server is refused).
 * nosync: throw-away cluster for tests (no fsync).
 * Returns NULL with a one-line malloc'd *why on failure; on success sets
 * *conninfo (malloc'd) to the owner's connection string. */
struct embedded *embedded_open(const char *dir, bool serve, bool nosync, char **conninfo,
			       char **why);

/* The connection string of the application role (malloc'd): request
 * connections log in as it, so they hold only its privileges. */
char *embedded_app_conninfo(struct embedded *e, const char *role);

/* Starts a thread that restarts the cluster when its postmaster dies
 * (kill -9, a crash), with exponential backoff while it fails to start,
 * and tells /readyz why the database is down (db_ready). A cluster
 * stopped on purpose (pg_ctl stop) is left alone until it is started.
 * Does nothing for a cluster this process does not own; e may be NULL. */
bool embedded_supervise(struct embedded *e);
/* Stops the supervisor (embedded_close does too). */
void embedded_unsupervise(struct embedded *e);

/* Stops the cluster if this process started or adopted it; frees e. */
void embedded_close(struct embedded *e);

#endif
