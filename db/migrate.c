/* Schema migrations: plain SQL files compiled into the binary, applied in
 * order under an advisory lock, each recorded with its checksum. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "base/crypto.h"
#include "base/embedded.h"
#include "base/log.h"
#include "db/internal.h"

#define MIGRATION_DIR "db/migrations/"
#define FUNCTIONS_FILE "db/functions.sql"	/* CREATE OR REPLACE, every start-up */
#define MIGRATION_LOCK "8127316402"	/* pg_advisory_lock key, any constant */

struct migration {
	int version;
	const char *name;	/* file name, e.g. "0001_init.sql" */
	const struct embedded_file *file;
};

static int
by_version(const void *a, const void *b)
{
	return ((const struct migration *)a)->version - ((const struct migration *)b)->version;
}

/* The compiled-in migrations in version order; *n gets their count. The
 * array is static and owned here. */
static const struct migration *
migrations(int *n)
{
	static struct migration list[256];
	static int count = -1;
	if (count >= 0) {
		*n = count;
		return list;
	}
	int c = 0;
	for (const struct embedded_file *f = embedded_files; f->path && c < 256; f++) {
		if (strncmp(f->path, MIGRATION_DIR, strlen(MIGRATION_DIR)) != 0)
			continue;
		const char *name = f->path + strlen(MIGRATION_DIR);
		list[c].version = atoi(name);
		list[c].name = name;
		list[c].file = f;
		c++;
	}
	qsort(list, (size_t)c, sizeof list[0], by_version);
	count = c;
	*n = c;
	return list;
}

int
db_migration_count(void)
{
	int n;
	migrations(&n);
	return n;
}

static bool
exec_ok(PGconn *c, const char *sql, char **why, const char *what)
{
	PGresult *r = PQexec(c, sql);
	ExecStatusType s = PQresultStatus(r);
	bool ok = s == PGRES_COMMAND_OK || s == PGRES_TUPLES_OK;
	if (!ok && why && asprintf(why, "%s: %s", what, PQresultErrorMessage(r)) < 0)
		*why = NULL;
	PQclear(r);
	return ok;
}

/* Checks one migration against what is recorded; applies it if absent. */
static bool
apply_one(PGconn *c, const struct migration *m, const char *app_role, char **why)
{
	struct arena *a = arena_create();
	char *sum = crypto_sha256_hex(a, m->file->data, m->file->len);
	char version[16];
	snprintf(version, sizeof version, "%d", m->version);
	const char *p1[] = {version};
	PGresult *r = PQexecParams(c, "SELECT checksum FROM schema_migrations WHERE version = $1", 1,
				   NULL, p1, NULL, NULL, 0);
	bool ok = PQresultStatus(r) == PGRES_TUPLES_OK;
	if (!ok) {
		if (asprintf(why, "reading schema_migrations: %s", PQresultErrorMessage(r)) < 0)
			*why = NULL;
	} else if (PQntuples(r) == 1) {
		if (strcmp(PQgetvalue(r, 0, 0), sum) != 0) {
			ok = false;
			if (asprintf(why,
				     "migration %s was changed after it was applied (checksum differs); "
				     "applied migrations are immutable: add a new file instead",
				     m->name) < 0)
				*why = NULL;
		}
		PQclear(r);
		arena_destroy(a);
		return ok;
	}
	PQclear(r);
	if (!ok) {
		arena_destroy(a);
		return false;
	}
	ok = exec_ok(c, "BEGIN", why, m->name) && exec_ok(c, m->file->data, why, m->name);
	if (ok && app_role) {
		/* Every migration may add tables: grant the application role its
		 * row privileges again (append-only tables get no UPDATE/DELETE). */
		char *role = PQescapeIdentifier(c, app_role, strlen(app_role));
		const char *p2[] = {app_role};
		PGresult *g = PQexecParams(c, "SELECT loopd_grant_app($1)", 1, NULL, p2, NULL, NULL, 0);
		ok = PQresultStatus(g) == PGRES_TUPLES_OK;
		if (!ok && asprintf(why, "%s: granting %s: %s", m->name, role,
				     PQresultErrorMessage(g)) < 0)
			*why = NULL;
		PQclear(g);
		PQfreemem(role);
	}
	if (ok) {
		const char *p3[] = {version, m->name, sum};
		PGresult *ins = PQexecParams(c,
			"INSERT INTO schema_migrations (version, name, checksum) VALUES ($1, $2, $3)",
			3, NULL, p3, NULL, NULL, 0);
		ok = PQresultStatus(ins) == PGRES_COMMAND_OK;
		if (!ok && asprintf(why, "%s: %s", m->name, PQresultErrorMessage(ins)) < 0)
			*why = NULL;
		PQclear(ins);
	}
	ok = ok && exec_ok(c, "COMMIT", why, m->name);
	if (!ok)
		exec_ok(c, "ROLLBACK", NULL, NULL);
	else
		log_kv(LOG_INFO, "migration applied", "migration", m->name, NULL);
	arena_destroy(a);
	return ok;
}

/* Applies this binary's helper functions (db/functions.sql) over whatever
 * an earlier binary or migration left, in one transaction. */
static bool
apply_functions(PGconn *c, char **why)
{
	const struct embedded_file *f = embedded_find(FUNCTIONS_FILE);
	if (!f)
		return true;
	bool ok = exec_ok(c, "BEGIN", why, FUNCTIONS_FILE) && exec_ok(c, f->data, why, FUNCTIONS_FILE) &&
		  exec_ok(c, "COMMIT", why, FUNCTIONS_FILE);
	if (!ok)
		exec_ok(c, "ROLLBACK", NULL, NULL);
	return ok;
}

/* Refuses a database that has migrations this binary does not know. */
static bool
check_unknown(PGconn *c, int known_max, char **why)
{
	PGresult *r = PQexec(c, "SELECT coalesce(max(version), 0) FROM schema_migrations");
	bool ok = PQresultStatus(r) == PGRES_TUPLES_OK;
	if (ok && atoi(PQgetvalue(r, 0, 0)) > known_max) {
		ok = false;
		if (asprintf(why, "the database has migration %s, newer than this loopd knows (%d)",
			     PQgetvalue(r, 0, 0), known_max) < 0)
			*why = NULL;
	}
	PQclear(r);
	return ok;
}

bool
db_migrate(const char *conninfo, const char *app_role, char **why)
{
	*why = NULL;
	PGconn *c = PQconnectdb(conninfo);
	if (PQstatus(c) != CONNECTION_OK) {
		if (asprintf(why, "cannot connect to the database: %s", PQerrorMessage(c)) < 0)
			*why = NULL;
		PQfinish(c);
		return false;
	}
	bool ok = exec_ok(c, "SET client_min_messages = warning", why, "setup") &&
		  exec_ok(c, "SELECT pg_advisory_lock(" MIGRATION_LOCK ")", why, "migration lock") &&
		  exec_ok(c,
			  "CREATE TABLE IF NOT EXISTS schema_migrations ("
			  " version integer PRIMARY KEY, name text NOT NULL,"
			  " checksum text NOT NULL, applied_at timestamptz NOT NULL DEFAULT now())",
			  why, "schema_migrations");
	int n;
	const struct migration *list = migrations(&n);
	if (ok)
		ok = check_unknown(c, n ? list[n - 1].version : 0, why);
	for (int i = 0; ok && i < n; i++)
		ok = apply_one(c, &list[i], app_role, why);
	if (ok)
		ok = apply_functions(c, why);
	exec_ok(c, "SELECT pg_advisory_unlock(" MIGRATION_LOCK ")", NULL, NULL);
	PQfinish(c);
	return ok;
}

bool
db_allow_login(const char *owner_conninfo, const char *role, char **why)
{
	*why = NULL;
	PGconn *c = PQconnectdb(owner_conninfo);
	char *ident = PQstatus(c) == CONNECTION_OK ? PQescapeIdentifier(c, role, strlen(role)) : NULL;
	char sql[200];
	snprintf(sql, sizeof sql, "ALTER ROLE %s LOGIN", ident ? ident : "\"\"");
	bool ok = ident && exec_ok(c, sql, why, "application role");
	if (!ident && asprintf(why, "cannot connect to the database: %s", PQerrorMessage(c)) < 0)
		*why = NULL;
	PQfreemem(ident);
	PQfinish(c);
	return ok;
}
