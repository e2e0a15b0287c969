#ifndef HOOKS_SEND_H
#define HOOKS_SEND_H
/* Shared by the files of hooks/ only. */
#include <stdatomic.h>
#include <stdbool.h>
#include "base/arena.h"

struct hooks_request {
	const char *url, *body;
	const char *id, *timestamp, *signature;	/* the Standard Webhooks headers */
	long timeout_s;
	bool allow_insecure;
	atomic_bool *stopping;	/* set: abandon the attempt */
};

struct hooks_result {
	bool delivered;		/* a 2xx answer */
	int status_code;	/* 0 when nothing answered */
	int latency_ms;
	const char *error;	/* static: timeout, status, connect_failed, ...; NULL when delivered */
};

/* Checks the URL's addresses again, then POSTs the request to the checked
 * address only: no redirects, the answer's body discarded (64 KiB at most). */
void hooks_send(struct arena *a, const struct hooks_request *rq, struct hooks_result *out);

#endif
