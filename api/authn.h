#ifndef API_AUTHN_H
#define API_AUTHN_H
#include <stdbool.h>
#include "api/http.h"

/* Authenticates the bearer token of rq and checks the route's scope; sets
 * rq->who. On failure queues 401 (with WWW-Authenticate) or 403 and
 * returns false. */
bool api_authenticate_or_reply(struct api_request *rq);

#endif
