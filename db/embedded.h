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

/* Stops the cluster if this process started or adopted it; frees e. */
void embedded_close(struct embedded *e);

#endif
