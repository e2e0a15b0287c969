#ifndef API_METRICS_H
#define API_METRICS_H
#include <stdint.h>
#include "api/http.h"

/* Domain counters shown at /metrics: M(enum, "name", "help"). */
#define METRIC_COUNTERS(M) \
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

/* Why a credential was refused, the reason label of loopd_auth_failures_total:
 * M(enum, "label"). A bounded set: add a reason here, never a free text. */
#define METRIC_AUTH_REASONS(M) \
	M(TOKEN_MISSING, "token_missing")	/* no bearer token */ \
	M(TOKEN_INVALID, "token_invalid")	/* malformed, forged, expired or revoked */ \
	M(PASSWORD, "password")			/* a wrong password (login or password change) */ \
	M(CLIENT, "client")			/* OAuth client authentication failed */ \
	M(REFRESH_TOKEN, "refresh_token")	/* an unknown or reused refresh token */

enum metric_auth_reason {
#define M(e, label) METRIC_AUTH_##e,
	METRIC_AUTH_REASONS(M)
#undef M
	METRIC_AUTH__COUNT
};

/* Counts one refused credential. */
void metrics_auth_failed(enum metric_auth_reason why);

/* Records one finished request. route_index -1 = unmatched. */
void metrics_observe(int route_index, const char *method, int status, int64_t duration_us);

/* GET /metrics */
enum api_result api_metrics(struct api_request *rq);

#endif
