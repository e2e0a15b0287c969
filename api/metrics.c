/* Prometheus metrics: request counts and latency per route, pool use,
 * database errors and domain counters, all lock-free counters. */
#include <stdatomic.h>
#include <string.h>
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
	abuf_printf(&b, "# HELP loopd_db_connections_open Database connections open.\n"
			"# TYPE loopd_db_connections_open gauge\nloopd_db_connections_open %ld\n"
			"# HELP loopd_db_connections_busy Database connections serving a request.\n"
			"# TYPE loopd_db_connections_busy gauge\nloopd_db_connections_busy %ld\n"
			"# HELP loopd_db_errors_total Database errors other than constraint violations.\n"
			"# TYPE loopd_db_errors_total counter\nloopd_db_errors_total %ld\n",
		    db_connections_open(), db_connections_busy(), db_errors_total());
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
