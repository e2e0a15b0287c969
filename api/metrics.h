#ifndef API_METRICS_H
#define API_METRICS_H
#include <stdint.h>
#include "api/http.h"

/* Domain counters shown at /metrics: M(enum, "name", "help"). */
#define METRIC_COUNTERS(M) \
	M(AUTH_FAILURES, "loopd_auth_failures_total", "Requests refused for a missing or invalid credential.") \
	M(LOGINS, "loopd_logins_total", "Successful password logins.") \
	M(TOKENS_ISSUED, "loopd_tokens_issued_total", "Access tokens issued.") \
	M(SCORECARD_DRAFT_SAVES, "loopd_scorecard_draft_saves_total", "Scorecard drafts saved.") \
	M(HEADER_TIMEOUTS, "loopd_http_header_timeouts_total", "Connections dropped for not completing request headers within LOOP_HEADER_TIMEOUT.")

enum metric_counter {
#define M(e, name, help) METRIC_##e,
	METRIC_COUNTERS(M)
#undef M
	METRIC__COUNT
};

void metrics_count(enum metric_counter c, long n);

/* Records one finished request. route_index -1 = unmatched. */
void metrics_observe(int route_index, const char *method, int status, int64_t duration_us);

/* GET /metrics */
enum api_result api_metrics(struct api_request *rq);

#endif
