#ifndef API_IDEMPOTENCY_H
#define API_IDEMPOTENCY_H
#include <stdbool.h>
#include "api/http.h"

/* For a POST carrying Idempotency-Key: opens the request's transaction, or
 * queues the stored reply / 409 / 422 and returns false. *key is NULL when
 * the request is not idempotent-keyed. */
bool api_idempotency_begin(struct api_request *rq, const char **key);
/* Stores a successful reply with the work and commits; otherwise rolls back. */
void api_idempotency_end(struct api_request *rq, const char *key);

#endif
