#ifndef API_RATELIMIT_H
#define API_RATELIMIT_H
#include <stdbool.h>
#include "api/http.h"

/* Charges one request to the bucket of rq->who (set) and adds the
 * RateLimit-* headers of the bucket to the reply. Over the limit: queues
 * 429 with Retry-After and returns false. */
bool api_rate_limit_or_reply(struct api_request *rq);

/* An org's own limit changed here: every bucket reads its org's again. */
void api_rate_limit_changed(void);

#endif
