#ifndef API_RATELIMIT_H
#define API_RATELIMIT_H
#include <stdbool.h>
#include "api/http.h"

struct auth_principal;

/* Charges one request of rq to who's bucket and adds its RateLimit-*
 * headers to the reply. Over the limit: queues 429 with Retry-After and
 * returns false. */
bool api_rate_limit_or_reply(struct api_request *rq, const struct auth_principal *who);

/* The lowest own limit an org may set: its admins keep a request a second. */
#define API_RATE_LIMIT_ORG_MIN 60

/* The limit that applies, over all instances, for an org's own limit own
 * (0: none, LOOP_RATE_LIMIT): own within API_RATE_LIMIT_ORG_MIN and
 * LOOP_RATE_LIMIT_ORG_MAX, so a row stored before the bounds, or above a
 * lowered ceiling, cannot lock the org out or switch the limit off. */
long api_rate_limit_effective(long own);

/* An org's own limit changed here: every bucket reads its org's again. */
void api_rate_limit_changed(void);

#endif
