/* Prometheus metrics: request counts and latency per route, pool use,
 * database errors and domain counters (all lock-free counters), the
 * process's own figures from /proc/self and the build. */
#include <dirent.h>
#include <stdatomic.h>
#include <stdio.h>
#include <string.h>
#include <sys/resource.h>
#include <unistd.h>
#include "api/metrics.h"
#include "api/config.h"
#include "db/scorecards.h"
#include "db/db.h"
#include "db/webhooks.h"
#include "hooks/hooks.h"

#define MAX_ROUTES 128
static const int statuses[] = {200, 201, 204, 304, 400, 401, 403, 404, 405, 409, 412, 413,
			       415, 422, 428, 429, 500, 501, 503};
#define NSTATUS ((int)(sizeof statuses / sizeof statuses[0]))
static const double bounds[] = {0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5};
#define NBOUNDS ((int)(sizeof bounds / sizeof bounds[0]))

/* Slot MAX_ROUTES counts unmatched requests. */
static atomic_long requests[MAX_ROUTES + 1][NSTATUS + 1];
static atomic_long buckets[MAX_ROUTES + 1][NBOUNDS + 1];
static atomic_long sum_us[MAX_ROUTES + 1];
static atomic_long counters[METRIC__COUNT];
static atomic_long auth_failures[METRIC_AUTH__COUNT];
static const char *const auth_reasons[] = {
#define M(e, label) label,
	METRIC_AUTH_REASONS(M)
#undef M
};

static const struct { const char *name, *help; } counter_info[] = {
#define M(e, name, help) {name, help},
	METRIC_COUNTERS(M)
#undef M
};

void
metrics_count(enum metric_counter c, long n)
{
	atomic_fetch_add(&counters[c], n);
}

void
metrics_auth_failed(enum metric_auth_reason why)
{
	atomic_fetch_add(&auth_failures[why], 1);
}

static int
status_slot(int status)
{
	for (int i = 0; i < NSTATUS; i++)
		if (statuses[i] == status)
			return i;
	return NSTATUS;
}

void
metrics_observe(int route_index, const char *method, int status, int64_t duration_us)
{
	int r = route_index >= 0 && route_index < MAX_ROUTES ? route_index : MAX_ROUTES;
	atomic_fetch_add(&requests[r][status_slot(status)], 1);
	double secs = (double)duration_us / 1e6;
	int b = 0;
	while (b < NBOUNDS && secs > bounds[b])
		b++;
	atomic_fetch_add(&buckets[r][b], 1);
	atomic_fetch_add(&sum_us[r], duration_us);
}

static void
route_labels(struct abuf *b, int r)
{
	if (r == MAX_ROUTES)
		abuf_puts(b, "route=\"unmatched\",method=\"\"");
	else
		abuf_printf(b, "route=\"%s\",method=\"%s\"", api_routes[r].pattern, api_routes[r].method);
}

static void
write_requests(struct abuf *b)
{
	abuf_puts(b, "# HELP loopd_http_requests_total HTTP requests by route template, method and status.\n"
		     "# TYPE loopd_http_requests_total counter\n");
	for (int r = 0; r <= MAX_ROUTES; r++) {
		if (r < MAX_ROUTES && r >= api_nroutes)
			continue;
		for (int s = 0; s <= NSTATUS; s++) {
			long n = atomic_load(&requests[r][s]);
			if (!n)
				continue;
			abuf_puts(b, "loopd_http_requests_total{");
			route_labels(b, r);
			if (s < NSTATUS)
				abuf_printf(b, ",status=\"%d\"} %ld\n", statuses[s], n);
			else
				abuf_printf(b, ",status=\"other\"} %ld\n", n);
		}
	}
}

static void
write_latency(struct abuf *b)
{
	abuf_puts(b, "# HELP loopd_http_request_duration_seconds Time to answer, by route template.\n"
		     "# TYPE loopd_http_request_duration_seconds histogram\n");
	for (int r = 0; r <= MAX_ROUTES; r++) {
		if (r < MAX_ROUTES && r >= api_nroutes)
			continue;
		long total = 0;
		for (int i = 0; i <= NBOUNDS; i++)
			total += atomic_load(&buckets[r][i]);
		if (!total)
			continue;
		long cum = 0;
		for (int i = 0; i <= NBOUNDS; i++) {
			cum += atomic_load(&buckets[r][i]);
			abuf_puts(b, "loopd_http_request_duration_seconds_bucket{");
			route_labels(b, r);
			if (i < NBOUNDS)
				abuf_printf(b, ",le=\"%g\"} %ld\n", bounds[i], cum);
			else
				abuf_printf(b, ",le=\"+Inf\"} %ld\n", cum);
		}
		abuf_puts(b, "loopd_http_request_duration_seconds_sum{");
		route_labels(b, r);
		abuf_printf(b, "} %.6f\n", (double)atomic_load(&sum_us[r]) / 1e6);
		abuf_puts(b, "loopd_http_request_duration_seconds_count{");
		route_labels(b, r);
		abuf_printf(b, "} %ld\n", total);
	}
}

/* Every reason of the two bounded reason-labelled counters, zeros included. */
static void
write_reasons(struct abuf *b)
{
	abuf_puts(b, "# HELP loopd_auth_failures_total Requests refused for a missing or invalid"
		     " credential, by reason.\n# TYPE loopd_auth_failures_total counter\n");
	for (int i = 0; i < METRIC_AUTH__COUNT; i++)
		abuf_printf(b, "loopd_auth_failures_total{reason=\"%s\"} %ld\n", auth_reasons[i],
			    atomic_load(&auth_failures[i]));
	abuf_puts(b, "# HELP loopd_db_errors_total Database errors other than refusals (constraint"
		     " violations, retried serialization failures), by reason.\n"
		     "# TYPE loopd_db_errors_total counter\n");
	for (int i = 0; i < DB_ERROR__COUNT; i++)
		abuf_printf(b, "loopd_db_errors_total{reason=\"%s\"} %ld\n", db_error_reason_label(i),
			    db_errors_total(i));
}

/* Entries of /proc/self/fd (less the one opendir holds); -1 when unreadable. */
static long
open_fds(void)
{
	DIR *d = opendir("/proc/self/fd");
	if (!d)
		return -1;
	long n = 0;
	for (struct dirent *e; (e = readdir(d));)
		n += e->d_name[0] != '.';
	closedir(d);
	return n - 1;
}

/* CPU seconds (user + system) and start time (Unix seconds) from /proc/self/stat. */
static bool
proc_stat(double *cpu, double *start)
{
	char line[1024], *p = NULL;
	FILE *f = fopen("/proc/self/stat", "r");
	if (f) {
		if (fgets(line, sizeof line, f))
			p = strrchr(line, ')');
		fclose(f);
	}
	unsigned long long utime, stime, started, btime = 0;
	/* after "pid (comm)": state is field 3, utime 14, stime 15, starttime 22 */
	if (!p || sscanf(p + 2, "%*c %*d %*d %*d %*d %*d %*u %*u %*u %*u %*u %llu %llu"
			 " %*d %*d %*d %*d %*d %*d %llu", &utime, &stime, &started) != 3)
		return false;
	f = fopen("/proc/stat", "r");
	while (f && fgets(line, sizeof line, f) && sscanf(line, "btime %llu", &btime) != 1)
		;
	if (f)
		fclose(f);
	double hz = (double)sysconf(_SC_CLK_TCK);
	*cpu = (double)(utime + stime) / hz;
	*start = (double)btime + (double)started / hz;
	return btime != 0;
}

/* The standard process_* series (Prometheus client conventions). */
static void
write_process(struct abuf *b)
{
	long pages = 0;
	FILE *f = fopen("/proc/self/statm", "r");
	if (f && fscanf(f, "%*s %ld", &pages) == 1)
		abuf_printf(b, "# HELP process_resident_memory_bytes Resident memory size in bytes.\n"
			       "# TYPE process_resident_memory_bytes gauge\n"
			       "process_resident_memory_bytes %ld\n", pages * sysconf(_SC_PAGESIZE));
	if (f)
		fclose(f);
	long fds = open_fds();
	struct rlimit lim;
	if (fds >= 0)
		abuf_printf(b, "# HELP process_open_fds Open file descriptors.\n"
			       "# TYPE process_open_fds gauge\nprocess_open_fds %ld\n", fds);
	if (getrlimit(RLIMIT_NOFILE, &lim) == 0 && lim.rlim_cur != RLIM_INFINITY)
		abuf_printf(b, "# HELP process_max_fds Maximum number of open file descriptors.\n"
			       "# TYPE process_max_fds gauge\nprocess_max_fds %llu\n",
			    (unsigned long long)lim.rlim_cur);
	double cpu, start;
	if (proc_stat(&cpu, &start))
		abuf_printf(b, "# HELP process_cpu_seconds_total User and system CPU time in seconds.\n"
			       "# TYPE process_cpu_seconds_total counter\nprocess_cpu_seconds_total %.2f\n"
			       "# HELP process_start_time_seconds Start time since the Unix epoch in"
			       " seconds.\n# TYPE process_start_time_seconds gauge\n"
			       "process_start_time_seconds %.2f\n", cpu, start);
}

/* Webhook attempts by outcome (this instance), and the shared queue. */
static void
write_webhooks(struct api_request *rq, struct abuf *b)
{
	abuf_printf(b, "# HELP loopd_webhook_deliveries_total Webhook delivery attempts by outcome.\n"
		       "# TYPE loopd_webhook_deliveries_total counter\n"
		       "loopd_webhook_deliveries_total{outcome=\"delivered\"} %ld\n"
		       "loopd_webhook_deliveries_total{outcome=\"failed\"} %ld\n"
		       "loopd_webhook_deliveries_total{outcome=\"dead\"} %ld\n",
		    hooks_outcomes(HOOKS_DELIVERED), hooks_outcomes(HOOKS_FAILED),
		    hooks_outcomes(HOOKS_DEAD));
	long pending;
	double oldest;
	if (db_webhook_queue(rq->db, &pending, &oldest) == DB_OK)
		abuf_printf(b, "# HELP loopd_webhook_queue_depth Webhook deliveries waiting.\n"
			       "# TYPE loopd_webhook_queue_depth gauge\nloopd_webhook_queue_depth %ld\n"
			       "# HELP loopd_webhook_oldest_pending_seconds Age of the oldest waiting"
			       " webhook delivery.\n# TYPE loopd_webhook_oldest_pending_seconds gauge\n"
			       "loopd_webhook_oldest_pending_seconds %.3f\n", pending, oldest);
}

enum api_result
api_metrics(struct api_request *rq)
{
	struct abuf b;
	abuf_init(&b, rq->arena);
	write_requests(&b);
	write_latency(&b);
	abuf_printf(&b, "# HELP loopd_build_info The version and commit loopd was built from.\n"
			"# TYPE loopd_build_info gauge\n"
			"loopd_build_info{version=\"%s\",commit=\"%s\"} 1\n"
			"# HELP loopd_db_connections_open Database connections open.\n"
			"# TYPE loopd_db_connections_open gauge\nloopd_db_connections_open %ld\n"
			"# HELP loopd_db_connections_busy Database connections serving a request.\n"
			"# TYPE loopd_db_connections_busy gauge\nloopd_db_connections_busy %ld\n",
		    LOOPD_VERSION, LOOPD_COMMIT, db_connections_open(), db_connections_busy());
	write_reasons(&b);
	write_process(&b);
	for (int i = 0; i < METRIC__COUNT; i++)
		abuf_printf(&b, "# HELP %s %s\n# TYPE %s counter\n%s %ld\n", counter_info[i].name,
			    counter_info[i].help, counter_info[i].name, counter_info[i].name,
			    atomic_load(&counters[i]));
	long overdue = 0;
	if (db_scorecards_overdue_count(rq->db, (int)config.scorecard_due_hours, &overdue) == DB_OK)
		abuf_printf(&b, "# HELP loopd_scorecards_overdue Lead and bar-raiser scorecards missing"
				" after their due time (LOOP_SCORECARD_DUE_HOURS after the round ends).\n"
				"# TYPE loopd_scorecards_overdue gauge\nloopd_scorecards_overdue %ld\n",
			    overdue);
	write_webhooks(rq, &b);
	return api_reply_text(rq, 200, "text/plain; version=0.0.4; charset=utf-8", b.data, b.len);
}
