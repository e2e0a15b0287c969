/* The delivery workers: a small pool of threads inside loopd, each with its
 * own database connection, taking due deliveries until loopd stops. */
#include <curl/curl.h>
#include <jansson.h>
#include <pthread.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include "base/crypto.h"
#include "base/log.h"
#include "base/text.h"
#include "db/scorecards.h"
#include "db/webhooks.h"
#include "hooks/hooks.h"
#include "hooks/send.h"

#define MAX_WORKERS 32
#define MAX_STEPS 16
#define IDLE_MS 200		/* between looks at an empty queue */

static struct hooks_config cfg;
static long schedule[MAX_STEPS];	/* seconds before attempt i + 2 */
static int steps;
static pthread_t threads[MAX_WORKERS];
static int started;
static atomic_bool stopping;
static pthread_mutex_t idle_lock = PTHREAD_MUTEX_INITIALIZER;
static pthread_cond_t idle_wake = PTHREAD_COND_INITIALIZER;
static atomic_long outcomes[HOOKS__OUTCOMES];

long
hooks_outcomes(enum hooks_outcome o)
{
	return atomic_load(&outcomes[o]);
}

/* "5,300,1800" into schedule; false when malformed. */
static bool
parse_schedule(const char *s)
{
	steps = 0;
	while (*s && steps < MAX_STEPS) {
		char *end;
		long v = strtol(s, &end, 10);
		if (end == s || v < 1 || v > 7 * 86400 || (*end && *end != ','))
			return false;
		schedule[steps++] = v;
		s = *end ? end + 1 : end;
	}
	return steps > 0 && !*s;
}

/* Seconds until the attempt after `failed` failed ones, with up to 10 %
 * jitter so that receivers coming back are not hit all at once; -1 when
 * the schedule is spent (dead letter). */
static long
retry_in(int failed)
{
	if (failed > steps)
		return -1;
	long base = schedule[failed - 1];
	unsigned r;
	crypto_random(&r, sizeof r);
	return base + (long)((double)base * 0.1 * (r / (double)UINT32_MAX));
}

/* The delivered body: {"id", "type", "created_at", "org_id", "data"}. */
static char *
payload(struct arena *a, const struct db_webhook_job *j)
{
	json_t *data = json_loads(j->data, 0, NULL);
	json_t *body = json_pack("{s:s, s:s, s:s, s:s, s:o}", "id", j->event_id, "type", j->type,
				 "created_at", j->created_at, "org_id", j->org_id, "data",
				 data ? data : json_object());
	char *text = json_dumps(body, JSON_COMPACT | JSON_PRESERVE_ORDER);
	json_decref(body);
	char *copy = arena_strdup(a, text);
	free(text);
	return copy;
}

/* The signature header: one v1 signature per live secret. */
static const char *
signatures(struct arena *a, const struct db_webhook_job *j, const char *ts, const char *body)
{
	const char *now = hooks_sign(a, j->secret, j->event_id, ts, body);
	const char *old = j->previous_secret ? hooks_sign(a, j->previous_secret, j->event_id, ts,
							   body) : NULL;
	if (!now)
		return old ? old : "";
	return old ? arena_printf(a, "%s %s", now, old) : now;
}

/* Sends one claimed delivery and records what came of it. */
static void
attempt(struct db *db, struct arena *a, const struct db_webhook_job *j)
{
	const char *body = payload(a, j);
	const char *ts = arena_printf(a, "%lld", (long long)(text_now_us() / 1000000));
	struct hooks_request rq = {j->url, body, j->event_id, ts, signatures(a, j, ts, body),
				   cfg.timeout_s, cfg.allow_insecure, &stopping};
	struct hooks_result res;
	hooks_send(a, &rq, &res);
	struct db_webhook_outcome o = {res.delivered, res.status_code, res.latency_ms, res.error,
				       res.delivered ? 0 : retry_in(j->attempts + 1),
				       cfg.disable_after_s};
	if (atomic_load(&stopping) && !res.delivered)
		o.retry_in_s = 0;	/* abandoned, not failed: again at once */
	if (db_webhook_finish(db, j, &o) != DB_OK)
		return;		/* rolled back: the delivery is due again */
	atomic_fetch_add(&outcomes[res.delivered ? HOOKS_DELIVERED
				   : o.retry_in_s < 0 ? HOOKS_DEAD : HOOKS_FAILED], 1);
}

/* Waits up to ms, or until loopd stops. */
static void
idle(long ms)
{
	struct timespec until;
	clock_gettime(CLOCK_REALTIME, &until);
	until.tv_sec += ms / 1000;
	until.tv_nsec += (ms % 1000) * 1000000;
	if (until.tv_nsec >= 1000000000) {
		until.tv_sec++;
		until.tv_nsec -= 1000000000;
	}
	pthread_mutex_lock(&idle_lock);
	if (!atomic_load(&stopping))
		pthread_cond_timedwait(&idle_wake, &idle_lock, &until);
	pthread_mutex_unlock(&idle_lock);
}

/* The first worker also emits scorecard.overdue events now and then. */
static void
sweep_if_due(struct db *db, int64_t *next_us)
{
	int64_t now = text_now_monotonic_us();
	if (now < *next_us)
		return;
	*next_us = now + cfg.sweep_s * 1000000;
	long n = 0;
	if (db_scorecards_overdue_sweep(db, cfg.due_hours, &n) != DB_OK)
		log_kv(LOG_WARN, "scorecard.overdue sweep failed", NULL);
}

/* A delivery thread: claims, sends, records, until loopd stops; arg is
 * non-NULL for the one that also sweeps for overdue scorecards. */
static void *
work(void *arg)
{
	bool sweeper = arg != NULL;
	int64_t next_sweep = 0;
	struct db *db = db_thread();
	while (!atomic_load(&stopping)) {
		if (sweeper)
			sweep_if_due(db, &next_sweep);
		struct arena *a = arena_create();
		struct db_webhook_job job;
		enum db_status st = db_webhook_claim(db, a, &job);
		if (st == DB_OK)
			attempt(db, a, &job);
		arena_destroy(a);
		if (st != DB_OK)
			idle(st == DB_NONE ? IDLE_MS : 1000);
	}
	return NULL;
}

bool
hooks_start(const struct hooks_config *c)
{
	cfg = *c;
	if (!parse_schedule(cfg.retry_schedule)) {
		log_kv(LOG_ERROR, "LOOP_WEBHOOK_RETRY_SCHEDULE must be comma-separated seconds",
		       NULL);
		return false;
	}
	if (curl_global_init(CURL_GLOBAL_DEFAULT) != CURLE_OK) {
		log_kv(LOG_ERROR, "libcurl cannot start", NULL);
		return false;
	}
	atomic_store(&stopping, false);
	int n = cfg.workers < MAX_WORKERS ? cfg.workers : MAX_WORKERS;
	for (started = 0; started < n; started++)
		if (pthread_create(&threads[started], NULL, work, started ? NULL : &cfg) != 0)
			break;
	return true;
}

void
hooks_stop(void)
{
	pthread_mutex_lock(&idle_lock);
	atomic_store(&stopping, true);
	pthread_cond_broadcast(&idle_wake);
	pthread_mutex_unlock(&idle_lock);
	for (int i = 0; i < started; i++)
		pthread_join(threads[i], NULL);
	started = 0;
	curl_global_cleanup();
}
