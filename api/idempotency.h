#ifndef API_IDEMPOTENCY_H
#define API_IDEMPOTENCY_H
#include <stdbool.h>
#include "api/http.h"

/* An idempotent-keyed request: its key and the hash of what it asked. */
struct api_idempotency {
	const char *key;	/* NULL when the request carries none (or is no POST) */
	const char *hash;
};

/* An Idempotency-Key value loopd takes: 1-255 visible ASCII characters. */
bool api_idempotency_key_ok(const char *key);

/* For a POST carrying Idempotency-Key: opens the request's transaction, or
 * queues the stored reply / 409 / 422 and returns false. */
bool api_idempotency_begin(struct api_request *rq, struct api_idempotency *idem);
/* Stores a successful reply with the work and commits; otherwise rolls back. */
void api_idempotency_end(struct api_request *rq, const struct api_idempotency *idem);

#endif
