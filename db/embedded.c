/* The embedded PostgreSQL cluster: initdb on first use, pg_ctl start and
 * stop, run as an unprivileged account when loopd is root. */
#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <ftw.h>
#include <grp.h>
#include <pwd.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <signal.h>
#include <stdatomic.h>
#include <stdint.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>
#include "base/log.h"
#include "db/embedded.h"
#include "db/internal.h"

#define OWNER_ROLE "loopd_owner"
#define DATABASE "loopd"
#define SOCKET_MAX 107

struct embedded {
	char dir[4096];
	char pgdata[4200];
	char sockdir[4200];
	char logfile[4200];
	char bindir[1024];
	int lock_fd;
	bool owner;		/* holds the lock: stops the cluster at close */
	bool drop;		/* run postgres binaries as run_uid/run_gid */
	uid_t run_uid;
	gid_t run_gid;
	/* The supervisor (embedded_supervise): a thread that restarts a
	 * postmaster that died; stop_lock guards stopping, stop_cond wakes it. */
	pthread_t supervisor;
	bool supervised;
	bool stopping;
	pthread_mutex_t stop_lock;
	pthread_cond_t stop_cond;
};

static char *failf(char **why, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

static char *
failf(char **why, const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	if (vasprintf(why, fmt, ap) < 0)
		*why = NULL;
	va_end(ap);
	return NULL;
}

/* Finds the server binaries: pg_config --bindir, else Debian's path. */
static bool
find_bindir(struct embedded *e)
{
	FILE *p = popen("pg_config --bindir 2>/dev/null", "r");
	if (p) {
		if (fgets(e->bindir, sizeof e->bindir, p))
			e->bindir[strcspn(e->bindir, "\n")] = '\0';
		pclose(p);
	}
	char probe[1100];
	snprintf(probe, sizeof probe, "%s/initdb", e->bindir);
	if (e->bindir[0] && access(probe, X_OK) == 0)
		return true;
	for (int v = 20; v >= 12; v--) {
		snprintf(e->bindir, sizeof e->bindir, "/usr/lib/postgresql/%d/bin", v);
		snprintf(probe, sizeof probe, "%s/initdb", e->bindir);
		if (access(probe, X_OK) == 0)
			return true;
	}
	return false;
}

/* Runs bindir/prog with args as the cluster's account, output appended to
 * the log file. Returns the exit status (or -1). */
static int
run_pg(struct embedded *e, const char *prog, const char *const *args)
{
	char path[1100];
	snprintf(path, sizeof path, "%s/%s", e->bindir, prog);
	const char *argv[24] = {path};
	int n = 1;
	for (; args[n - 1] && n < 23; n++)
		argv[n] = args[n - 1];
	argv[n] = NULL;
	int out = open(e->logfile, O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0600);
	pid_t pid = fork();
	if (pid < 0) {
		if (out >= 0)
			close(out);
		return -1;
	}
	if (pid == 0) {
		int null = open("/dev/null", O_RDONLY);
		if (null >= 0)
			dup2(null, 0);
		if (out >= 0) {
			dup2(out, 1);
			dup2(out, 2);
		}
		if (e->drop && (setgroups(0, NULL) != 0 || setgid(e->run_gid) != 0 ||
				setuid(e->run_uid) != 0))
			_exit(126);
		if (chdir(e->pgdata) != 0 && chdir("/") != 0)
			_exit(126);
		execv(path, (char *const *)argv);
		_exit(127);
	}
	if (out >= 0)
		close(out);
	int status;
	while (waitpid(pid, &status, 0) < 0)
		if (errno != EINTR)
			return -1;
	return WIFEXITED(status) ? WEXITSTATUS(status) : -1;
}

static bool
make_dir(struct embedded *e, const char *path, mode_t mode)
{
	if (mkdir(path, mode) != 0 && errno != EEXIST)
		return false;
	if (e->drop && chown(path, e->run_uid, e->run_gid) != 0)
		return false;
	return chmod(path, mode) == 0;
}

/* Takes the data dir's lock; false when another server holds it. */
static bool
take_lock(struct embedded *e, bool serve, char **why)
{
	char path[4200];
	snprintf(path, sizeof path, "%s/loopd.lock", e->dir);
	e->lock_fd = open(path, O_RDWR | O_CREAT | O_CLOEXEC, 0600);
	if (e->lock_fd < 0)
		return failf(why, "cannot open %s: %s", path, strerror(errno)), false;
	if (flock(e->lock_fd, LOCK_EX | LOCK_NB) == 0) {
		e->owner = true;
		char pid[32];
		int n = snprintf(pid, sizeof pid, "%ld\n", (long)getpid());
		if (ftruncate(e->lock_fd, 0) != 0 || pwrite(e->lock_fd, pid, (size_t)n, 0) != n)
			log_kv(LOG_WARN, "could not record pid in lock file", NULL);
		return true;
	}
	if (!serve)
		return true;	/* a tool beside a running server: use its cluster */
	char pid[32] = "?";
	ssize_t n = pread(e->lock_fd, pid, sizeof pid - 1, 0);
	if (n > 0)
		pid[strcspn(pid, "\n")] = '\0';
	failf(why, "data dir %s is in use by another loopd (pid %s)", e->dir, pid);
	return false;
}

/* What the cluster may write to postgres.log: no statement, parameter or
 * error detail (a unique violation's DETAIL quotes the key, e.g. a
 * candidate's email), and no ERROR line at all (its primary message can
 * quote a value too; loopd logs the SQLSTATE). Written into new clusters'
 * postgresql.conf and passed on every start, so old clusters get it too. */
#define LOG_SETTINGS \
	"log_error_verbosity = terse\n" \
	"log_min_messages = log\n" \
	"log_min_error_statement = panic\n" \
	"log_statement = none\n" \
	"log_min_duration_statement = -1\n" \
	"log_min_duration_sample = -1\n" \
	"log_transaction_sample_rate = 0\n" \
	"log_duration = off\n" \
	"log_parameter_max_length = 0\n" \
	"log_parameter_max_length_on_error = 0\n" \
	"log_lock_waits = off\n"
#define LOG_OPTIONS "-c log_error_verbosity=terse -c log_min_messages=log " \
	"-c log_min_error_statement=panic -c log_statement=none " \
	"-c log_min_duration_statement=-1 -c log_min_duration_sample=-1 " \
	"-c log_transaction_sample_rate=0 -c log_duration=off " \
	"-c log_parameter_max_length=0 -c log_parameter_max_length_on_error=0 " \
	"-c log_lock_waits=off"

/* Appends loopd's settings to a new cluster's postgresql.conf. */
static bool
write_config(const char *pgdata, struct embedded *e, bool nosync)
{
	char path[4400];
	snprintf(path, sizeof path, "%s/postgresql.conf", pgdata);
	FILE *f = fopen(path, "a");
	if (!f)
		return false;
	fprintf(f, "\n# written by loopd: Unix socket only, inside the data dir\n"
		   "listen_addresses = ''\n"
		   "unix_socket_directories = '%s'\n"
		   "unix_socket_permissions = 0700\n"
		   "max_connections = 200\n"
		   "# no values in the log (see db/embedded.c, LOG_SETTINGS)\n" LOG_SETTINGS,
		e->sockdir);
	if (nosync)
		fputs("# throw-away test cluster (LOOP_EMBEDDED_NOSYNC)\n"
		      "fsync = off\nfull_page_writes = off\n", f);
	return fclose(f) == 0;
}

/* Removes a directory tree (a half-made cluster); best effort. */
static int
remove_entry(const char *path, const struct stat *st, int flag, struct FTW *ftw)
{
	return remove(path);
}

/* Initialises the cluster in <dir>/pg.init, writes loopd's settings, then
 * renames it to <dir>/pg: an interrupted first start leaves no cluster
 * that could start without them (TCP, no socket dir). */
static bool
init_cluster(struct embedded *e, bool nosync, char **why)
{
	char version[4300], staging[4300];
	snprintf(version, sizeof version, "%s/PG_VERSION", e->pgdata);
	if (access(version, F_OK) == 0)
		return true;
	snprintf(staging, sizeof staging, "%s.init", e->pgdata);
	nftw(staging, remove_entry, 16, FTW_DEPTH | FTW_PHYS);
	if (!make_dir(e, staging, 0700))
		return failf(why, "cannot create %s: %s", staging, strerror(errno)), false;
	/* C.UTF-8: byte order for sorting, Unicode for lower() and upper(). */
	const char *args[] = {"-D", staging, "-U", OWNER_ROLE, "-A", "trust", "-E", "UTF8",
			      "--locale=C.UTF-8", nosync ? "--no-sync" : NULL, NULL};
	log_kv(LOG_INFO, "initialising embedded PostgreSQL", "dir", e->pgdata, NULL);
	if (run_pg(e, "initdb", args) != 0)
		return failf(why, "initdb failed for %s (see %s; the account running PostgreSQL "
			     "must be able to reach the data dir)", e->pgdata, e->logfile), false;
	if (!write_config(staging, e, nosync))
		return failf(why, "cannot write %s/postgresql.conf", staging), false;
	if (rename(staging, e->pgdata) != 0)
		return failf(why, "cannot move %s to %s: %s", staging, e->pgdata, strerror(errno)),
		       false;
	return true;
}

/* pg_ctl start, waiting until the cluster accepts connections (after
 * crash recovery, if it needs one). */
static bool
pg_start(struct embedded *e)
{
	const char *start[] = {"-D", e->pgdata, "-l", e->logfile, "-o", LOG_OPTIONS, "-w", "-t", "60",
			       "start", NULL};
	return run_pg(e, "pg_ctl", start) == 0;
}

static bool
start_cluster(struct embedded *e, char **why)
{
	const char *status[] = {"-D", e->pgdata, "status", NULL};
	if (run_pg(e, "pg_ctl", status) == 0) {
		if (e->owner)
			log_kv(LOG_INFO, "adopting running embedded PostgreSQL", NULL);
		return true;
	}
	if (!e->owner)
		return failf(why, "the embedded PostgreSQL under %s is not running", e->dir), false;
	if (!pg_start(e))
		return failf(why, "PostgreSQL did not start (see %s)", e->logfile), false;
	return true;
}

/* Creates the loopd database on a fresh cluster. */
static bool
ensure_database(struct embedded *e, char **why)
{
	char ci[4400];
	snprintf(ci, sizeof ci, "host=%s user=" OWNER_ROLE " dbname=postgres", e->sockdir);
	PGconn *c = PQconnectdb(ci);
	bool ok = PQstatus(c) == CONNECTION_OK;
	if (!ok) {
		failf(why, "cannot connect to the embedded PostgreSQL: %s", PQerrorMessage(c));
	} else {
		PGresult *r = PQexec(c, "SELECT 1 FROM pg_database WHERE datname = '" DATABASE "'");
		bool exists = PQresultStatus(r) == PGRES_TUPLES_OK && PQntuples(r) == 1;
		PQclear(r);
		if (!exists) {
			r = PQexec(c, "CREATE DATABASE " DATABASE);
			ok = PQresultStatus(r) == PGRES_COMMAND_OK;
			if (!ok)
				failf(why, "CREATE DATABASE failed: %s", PQresultErrorMessage(r));
			PQclear(r);
		}
	}
	PQfinish(c);
	return ok;
}

static bool
choose_account(struct embedded *e, char **why)
{
	if (geteuid() != 0)
		return true;
	struct passwd *pw = getpwnam("postgres");
	if (!pw)
		return failf(why, "loopd runs as root, and PostgreSQL refuses to: create an "
			     "unprivileged account named postgres"), false;
	e->drop = true;
	e->run_uid = pw->pw_uid;
	e->run_gid = pw->pw_gid;
	return true;
}

static bool
set_paths(struct embedded *e, const char *dir, char **why)
{
	if (mkdir(dir, 0711) != 0 && errno != EEXIST)
		return failf(why, "cannot create data dir %s: %s", dir, strerror(errno)), false;
	if (!realpath(dir, e->dir))
		return failf(why, "cannot resolve data dir %s: %s", dir, strerror(errno)), false;
	struct stat st;
	if (e->drop && stat(e->dir, &st) == 0 && st.st_uid == geteuid() && !(st.st_mode & S_IXOTH) &&
	    chmod(e->dir, (st.st_mode & 07777) | S_IXOTH) != 0)
		return failf(why, "cannot open data dir %s to the postgres account", e->dir), false;
	snprintf(e->pgdata, sizeof e->pgdata, "%s/pg", e->dir);
	snprintf(e->sockdir, sizeof e->sockdir, "%s/run", e->dir);
	snprintf(e->logfile, sizeof e->logfile, "%s/postgres.log", e->dir);
	if (strlen(e->sockdir) + strlen("/.s.PGSQL.5432") > SOCKET_MAX)
		return failf(why, "data dir path %s is too long for a Unix socket (at most %d bytes "
			     "with /run/.s.PGSQL.5432): choose a shorter LOOP_DATA_DIR",
			     e->dir, SOCKET_MAX), false;
	return true;
}

struct embedded *
embedded_open(const char *dir, bool serve, bool nosync, char **conninfo, char **why)
{
	struct embedded *e = calloc(1, sizeof *e);
	if (!e)
		abort();
	e->lock_fd = -1;
	pthread_mutex_init(&e->stop_lock, NULL);
	pthread_condattr_t monotonic;
	pthread_condattr_init(&monotonic);
	pthread_condattr_setclock(&monotonic, CLOCK_MONOTONIC);
	pthread_cond_init(&e->stop_cond, &monotonic);
	pthread_condattr_destroy(&monotonic);
	*why = NULL;
	if (!choose_account(e, why) || !set_paths(e, dir, why))
		goto out_free;
	if (!find_bindir(e)) {
		failf(why, "PostgreSQL server binaries not found (install the postgresql package, "
			   "or set LOOP_DATABASE_URL)");
		goto out_free;
	}
	if (!take_lock(e, serve, why))
		goto out_unlock;
	int logfd = open(e->logfile, O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0600);
	if (logfd >= 0) {
		if (e->drop && fchown(logfd, e->run_uid, e->run_gid) != 0)
			log_kv(LOG_WARN, "cannot hand the PostgreSQL log to its account", NULL);
		close(logfd);
	}
	if ((e->owner && !init_cluster(e, nosync, why)) || !make_dir(e, e->sockdir, 0700) ||
	    !start_cluster(e, why))
		goto out_unlock;
	if (!ensure_database(e, why)) {
		embedded_close(e);
		return NULL;
	}
	if (asprintf(conninfo, "host=%s user=" OWNER_ROLE " dbname=" DATABASE " connect_timeout=5",
		     e->sockdir) < 0)
		abort();
	return e;
out_unlock:
	if (!*why)
		failf(why, "cannot prepare %s: %s", e->dir, strerror(errno));
	if (e->lock_fd >= 0)
		close(e->lock_fd);
out_free:
	free(e);
	return NULL;
}

char *
embedded_app_conninfo(struct embedded *e, const char *role)
{
	char *ci;
	if (asprintf(&ci, "host=%s user=%s dbname=" DATABASE " connect_timeout=5", e->sockdir,
		     role) < 0)
		abort();
	return ci;
}

/* -- the supervisor: a postmaster that died is started again -------------- */

#define WATCH_MS 250		/* how often the postmaster is looked at */
#define BACKOFF_FIRST_MS 250	/* the wait after a failed restart ... */
#define BACKOFF_MAX_MS 8000	/* ... doubling up to this */
#define PG_CONTROL_STATE_AT 16	/* offset of DBState in global/pg_control */
#define PG_SHUT_DOWN 1		/* DB_SHUTDOWNED: a clean stop (pg_ctl stop) */
#define PG_SHUT_DOWN_IN_RECOVERY 2

/* The pid in postmaster.pid, or 0 when there is none. */
static pid_t
postmaster_pid(struct embedded *e)
{
	char path[4300], line[32] = "";
	snprintf(path, sizeof path, "%s/postmaster.pid", e->pgdata);
	FILE *f = fopen(path, "re");
	if (!f)
		return 0;
	if (!fgets(line, sizeof line, f))
		line[0] = '\0';
	fclose(f);
	return (pid_t)strtol(line, NULL, 10);
}

/* What the pid in postmaster.pid is now. */
enum pid_state {
	PID_GONE,	/* no such process */
	PID_POSTGRES,	/* a running postgres: the postmaster */
	PID_ZOMBIE,	/* dead but not yet reaped (a non-reaping init takes seconds) */
	PID_OTHER,	/* the pid was reused by another program */
};

static enum pid_state
pid_state(pid_t pid)
{
	if (pid <= 0 || (kill(pid, 0) != 0 && errno != EPERM))
		return PID_GONE;
	char path[64], stat[256] = "";
	snprintf(path, sizeof path, "/proc/%ld/stat", (long)pid);
	FILE *f = fopen(path, "re");
	if (!f)
		return PID_POSTGRES;	/* no /proc: trust kill() */
	if (!fgets(stat, sizeof stat, f))
		stat[0] = '\0';
	fclose(f);
	/* "pid (name) state ...": the name may hold spaces and parentheses */
	char *name = strchr(stat, '('), *end = strrchr(stat, ')');
	if (!name || !end || end < name || end[1] != ' ')
		return PID_GONE;	/* it exited while we read */
	if (end[2] == 'Z')
		return PID_ZOMBIE;
	*end = '\0';
	return strcmp(name + 1, "postgres") == 0 ? PID_POSTGRES : PID_OTHER;
}

/* True when pg_control records a clean shutdown: someone stopped the
 * cluster on purpose (pg_ctl stop). A crash leaves "in production" or "in
 * crash recovery" there. */
static bool
stopped_on_purpose(struct embedded *e)
{
	char path[4300];
	snprintf(path, sizeof path, "%s/global/pg_control", e->pgdata);
	int fd = open(path, O_RDONLY | O_CLOEXEC);
	int32_t state = -1;
	if (fd >= 0) {
		if (pread(fd, &state, sizeof state, PG_CONTROL_STATE_AT) != sizeof state)
			state = -1;
		close(fd);
	}
	return state == PG_SHUT_DOWN || state == PG_SHUT_DOWN_IN_RECOVERY;
}

/* The last FATAL or PANIC message in postgres.log (no values: see
 * LOG_SETTINGS), copied into out; empty when there is none. */
static void
last_failure(struct embedded *e, char *out, size_t size)
{
	char tail[8192];
	out[0] = '\0';
	int fd = open(e->logfile, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return;
	off_t end = lseek(fd, 0, SEEK_END);
	off_t from = end > (off_t)sizeof tail - 1 ? end - (off_t)sizeof tail + 1 : 0;
	ssize_t n = pread(fd, tail, sizeof tail - 1, from);
	close(fd);
	if (n <= 0)
		return;
	tail[n] = '\0';
	char *save = NULL;
	for (char *line = strtok_r(tail, "\n", &save); line; line = strtok_r(NULL, "\n", &save)) {
		char *m = strstr(line, "FATAL:");
		if (!m)
			m = strstr(line, "PANIC:");
		/* Refused connections while it starts say nothing of why it fails. */
		if (m && !strstr(m, "the database system is"))
			snprintf(out, size, "%s", m + strspn(m + 6, " ") + 6);
	}
}

/* Starts a postmaster that died. A pid file naming another program (the
 * pid was reused) would stop PostgreSQL from starting: it is removed; one
 * naming a dead process PostgreSQL handles itself (and checks that no
 * orphaned backend still uses the old shared memory). */
static bool
restart(struct embedded *e, char *why, size_t size)
{
	if (pid_state(postmaster_pid(e)) == PID_OTHER) {
		char path[4300];
		snprintf(path, sizeof path, "%s/postmaster.pid", e->pgdata);
		unlink(path);
	}
	if (pg_start(e))
		return true;
	char failure[256];
	last_failure(e, failure, sizeof failure);
	snprintf(why, size, "the embedded PostgreSQL does not start: %s",
		 failure[0] ? failure : "see postgres.log in the data dir");
	return false;
}

/* Sleeps ms unless the supervisor is told to stop; true when it is. */
static bool
sleep_or_stop(struct embedded *e, int ms)
{
	struct timespec until;
	clock_gettime(CLOCK_MONOTONIC, &until);
	until.tv_sec += ms / 1000;
	until.tv_nsec += (long)(ms % 1000) * 1000000L;
	if (until.tv_nsec >= 1000000000L) {
		until.tv_sec++;
		until.tv_nsec -= 1000000000L;
	}
	pthread_mutex_lock(&e->stop_lock);
	while (!e->stopping &&
	       pthread_cond_timedwait(&e->stop_cond, &e->stop_lock, &until) != ETIMEDOUT)
		;
	bool stop = e->stopping;
	pthread_mutex_unlock(&e->stop_lock);
	return stop;
}

/* What the supervisor saw last (each change is logged once), and its
 * restart attempts since the cluster last ran. */
struct watch {
	enum { WATCH_UP, WATCH_STOPPED, WATCH_RESTARTING } seen;
	int attempts;
	int backoff_ms;
};

/* The postmaster runs: nothing is wrong (any more). */
static void
on_running(struct watch *w)
{
	if (w->seen != WATCH_UP)
		log_kv(LOG_INFO, "embedded PostgreSQL is running again", NULL);
	db_outage_set(NULL);
	*w = (struct watch){WATCH_UP, 0, BACKOFF_FIRST_MS};
}

/* Someone stopped the cluster (pg_ctl stop): wait for them to start it. */
static void
on_stopped(struct watch *w)
{
	if (w->seen != WATCH_STOPPED)
		log_kv(LOG_WARN, "embedded PostgreSQL was stopped from outside loopd; "
		       "waiting for it to be started", NULL);
	db_outage_set("the embedded PostgreSQL was stopped from outside loopd "
		      "(pg_ctl stop); loopd reconnects once it is started again");
	w->seen = WATCH_STOPPED;
}

/* The postmaster died: one restart attempt. Returns how long to wait
 * before looking again (the backoff after a failure). */
static int
on_died(struct embedded *e, struct watch *w, enum pid_state pid)
{
	if (w->seen != WATCH_RESTARTING)
		log_kv(LOG_ERROR, "embedded PostgreSQL died; restarting it", NULL);
	w->seen = WATCH_RESTARTING;
	if (pid == PID_ZOMBIE) {	/* PostgreSQL refuses to start until it is reaped */
		db_outage_set("the embedded PostgreSQL died; loopd restarts it once its "
			      "processes are gone");
		return WATCH_MS;
	}
	char why[400], count[16], retry[16];
	snprintf(count, sizeof count, "%d", ++w->attempts);
	snprintf(why, sizeof why, "the embedded PostgreSQL died; loopd is restarting it "
		 "(attempt %d)", w->attempts);
	db_outage_set(why);
	if (restart(e, why, sizeof why)) {
		log_kv(LOG_INFO, "embedded PostgreSQL restarted", "attempts", count, NULL);
		db_outage_set(NULL);
		*w = (struct watch){WATCH_UP, 0, BACKOFF_FIRST_MS};
		return WATCH_MS;
	}
	int wait_ms = w->backoff_ms;
	snprintf(retry, sizeof retry, "%d", wait_ms);
	log_kv(LOG_ERROR, "embedded PostgreSQL restart failed", "reason", why, "attempts", count,
	       "retry_in_ms", retry, NULL);
	snprintf(why + strlen(why), sizeof why - strlen(why), "; retrying in %d ms", wait_ms);
	db_outage_set(why);
	w->backoff_ms = wait_ms * 2 > BACKOFF_MAX_MS ? BACKOFF_MAX_MS : wait_ms * 2;
	return wait_ms;
}

/* The supervisor thread: looks at the postmaster every WATCH_MS; restarts
 * it when it died, with exponential backoff while restarts fail; leaves a
 * cluster stopped on purpose alone until someone starts it. */
static void *
supervise(void *arg)
{
	struct embedded *e = arg;
	struct watch w = {WATCH_UP, 0, BACKOFF_FIRST_MS};
	int wait_ms = WATCH_MS;
	while (!sleep_or_stop(e, wait_ms)) {
		enum pid_state pid = pid_state(postmaster_pid(e));
		wait_ms = WATCH_MS;
		if (pid == PID_POSTGRES)
			on_running(&w);
		else if (w.seen != WATCH_RESTARTING && stopped_on_purpose(e))
			on_stopped(&w);
		else
			wait_ms = on_died(e, &w, pid);
	}
	return NULL;
}

bool
embedded_supervise(struct embedded *e)
{
	if (!e || !e->owner)
		return true;	/* an external database, or a cluster of another loopd */
	e->supervised = pthread_create(&e->supervisor, NULL, supervise, e) == 0;
	return e->supervised;
}

void
embedded_unsupervise(struct embedded *e)
{
	if (!e || !e->supervised)
		return;
	pthread_mutex_lock(&e->stop_lock);
	e->stopping = true;
	pthread_cond_signal(&e->stop_cond);
	pthread_mutex_unlock(&e->stop_lock);
	pthread_join(e->supervisor, NULL);
	e->supervised = false;
}

void
embedded_close(struct embedded *e)
{
	if (!e)
		return;
	embedded_unsupervise(e);
	if (e->owner) {
		const char *stop[] = {"-D", e->pgdata, "-m", "fast", "-w", "-t", "60", "stop", NULL};
		if (run_pg(e, "pg_ctl", stop) != 0)
			log_kv(LOG_WARN, "pg_ctl stop failed", "dir", e->pgdata, NULL);
	}
	if (e->lock_fd >= 0)
		close(e->lock_fd);
	pthread_mutex_destroy(&e->stop_lock);
	pthread_cond_destroy(&e->stop_cond);
	free(e);
}
