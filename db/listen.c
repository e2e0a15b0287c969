/* The invalidation listener: LISTEN loopd_invalidate on a dedicated connection. */
#include <errno.h>
#include <poll.h>
#include <pthread.h>
#include <stdatomic.h>
#include <string.h>
#include <unistd.h>
#include "base/log.h"
#include "base/text.h"
#include "db/internal.h"
#include "db/listen.h"

#define HEARTBEAT_MS 1000	/* a ping after this much silence ... */
#define DEAD_AFTER_MS 3000	/* ... and a connection silent this long is lost */
#define RETRY_MS 200		/* between reconnection attempts */

static const struct db_listen_hooks *hooks;
static pthread_t thread;
static atomic_bool stopping;
static bool started;
static int wake[2] = {-1, -1};	/* a pipe that interrupts poll() at shutdown */

/* A connection that is LISTENing, or NULL. */
static PGconn *
connect_listening(void)
{
	/* Named, so an operator (or a test) can find it in pg_stat_activity. */
	const char *keys[] = {"dbname", "application_name", NULL};
	const char *values[] = {db_conninfo(), "loopd-listener", NULL};
	PGconn *c = PQconnectdbParams(keys, values, 1);
	if (PQstatus(c) != CONNECTION_OK) {
		PQfinish(c);
		return NULL;
	}
	PGresult *r = PQexec(c, "LISTEN loopd_invalidate");
	bool ok = PQresultStatus(r) == PGRES_COMMAND_OK;
	PQclear(r);
	if (!ok || PQsetnonblocking(c, 1) != 0) {
		PQfinish(c);
		return NULL;
	}
	return c;
}

/* Reads what arrived: ping results and notifications. False when lost. */
static bool
drain(PGconn *c, bool *ping_out)
{
	if (!PQconsumeInput(c))
		return false;
	while (!PQisBusy(c)) {
		PGresult *r = PQgetResult(c);
		if (!r) {
			*ping_out = false;	/* the ping's results are all in */
			break;
		}
		PQclear(r);
	}
	PGnotify *n;
	while ((n = PQnotifies(c))) {
		hooks->event(n->extra);
		PQfreemem(n);
	}
	return PQstatus(c) == CONNECTION_OK;
}

/* Serves one connection until it is lost or the listener stops. */
static void
serve(PGconn *c)
{
	bool ping_out = false;
	int64_t heard = text_now_monotonic_us();
	while (!atomic_load(&stopping)) {
		struct pollfd p[2] = {{PQsocket(c), POLLIN, 0}, {wake[0], POLLIN, 0}};
		int k = poll(p, 2, HEARTBEAT_MS);
		if (k < 0 && errno != EINTR)
			return;
		int64_t now = text_now_monotonic_us();
		if (k > 0 && (p[0].revents & (POLLIN | POLLERR | POLLHUP))) {
			if (!drain(c, &ping_out))
				return;
			heard = now;
		}
		if (now - heard > DEAD_AFTER_MS * 1000LL)
			return;		/* the ping went unanswered: assume the worst */
		if (!ping_out && now - heard >= HEARTBEAT_MS * 1000LL) {
			if (!PQsendQuery(c, "SELECT 1"))
				return;
			ping_out = true;
			if (PQflush(c) < 0)
				return;
		}
	}
}

/* The listener thread: connect, LISTEN, serve; on loss, report and retry. */
static void *
run(void *arg)
{
	(void)arg;
	bool was_up = false;
	while (!atomic_load(&stopping)) {
		PGconn *c = connect_listening();
		if (c) {
			hooks->up();
			if (!was_up)
				log_kv(LOG_INFO, "invalidation listener up", NULL);
			was_up = true;
			serve(c);
			PQfinish(c);
			hooks->down();
			if (!atomic_load(&stopping))
				log_kv(LOG_WARN, "invalidation listener lost; caches bypassed", NULL);
			was_up = false;
		}
		struct pollfd p = {wake[0], POLLIN, 0};
		if (!atomic_load(&stopping))
			poll(&p, 1, RETRY_MS);
	}
	return NULL;
}

bool
db_listen_start(const struct db_listen_hooks *h)
{
	hooks = h;
	if (pipe(wake) != 0)
		return false;
	atomic_store(&stopping, false);
	started = pthread_create(&thread, NULL, run, NULL) == 0;
	return started;
}

void
db_listen_stop(void)
{
	if (!started)
		return;
	atomic_store(&stopping, true);
	if (write(wake[1], "x", 1) < 0)
		log_kv(LOG_WARN, "could not wake the invalidation listener", NULL);
	pthread_join(thread, NULL);
	started = false;
	hooks->down();
	close(wake[0]);
	close(wake[1]);
}
