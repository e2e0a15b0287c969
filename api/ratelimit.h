#ifndef API_RATELIMIT_H
#define API_RATELIMIT_H
#include <stdbool.h>
#include "api/http.h"

struct auth_principal;

/* Charges one request of rq to who's bucket and adds its RateLimit-*
 * headers to the reply. Over the limit: queues 429 with Retry-After and
 * returns false. */
bool api_rate_limit_or_reply(struct api_request *rq, const struct auth_principal *who);

/* An org's own limit changed here: every bucket reads its org's again. */
void api_rate_limit_changed(void);

#endif
