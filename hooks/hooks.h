#ifndef HOOKS_HOOKS_H
#define HOOKS_HOOKS_H
#include <stdbool.h>
#include "base/arena.h"

/*
 * Webhook delivery: the only code that speaks HTTP as a client (libcurl).
 * It takes due deliveries from db/ (the outbox), signs them the Standard
 * Webhooks way and records each attempt. No HTTP server words here, no
 * libpq: db/ holds the rows.
 */

struct hooks_config {
	int workers;		/* delivery threads (0: none) */
	long timeout_s;		/* connect and total timeout of one attempt */
	bool allow_insecure;	/* http and inward addresses allowed (tests, local use) */
	const char *retry_schedule;	/* seconds between attempts, comma-separated */
	long disable_after_s;	/* failing this long disables a subscription */
	long sweep_s;		/* seconds between scorecard.overdue sweeps */
	int due_hours;		/* a scorecard is due this long after its round ends */
};

/* Starts the delivery threads; false with a line logged when the schedule
 * is malformed or libcurl cannot start. */
bool hooks_start(const struct hooks_config *cfg);
/* Stops them (an attempt in flight is abandoned and retried later). */
void hooks_stop(void);

enum hooks_url_verdict {
	HOOKS_URL_OK,
	HOOKS_URL_MALFORMED,	/* not an absolute http(s) URL with a host */
	HOOKS_URL_INSECURE,	/* http without allow_insecure */
	HOOKS_URL_UNRESOLVED,	/* the name does not resolve */
	HOOKS_URL_INWARD,	/* a private, loopback or link-local address */
};

/* Whether url may receive deliveries: parsed, then every address its
 * host resolves to checked (the same check runs before each attempt). */
enum hooks_url_verdict hooks_url_check(const char *url, bool allow_insecure);
/* True when url names a user or password (credentials that would be shown
 * in every listing and kept for good in the audit log). */
bool hooks_url_has_userinfo(const char *url);

/* A new signing secret, "whsec_" + base64 of 24 random bytes, in a. */
char *hooks_secret_new(struct arena *a);

/* "v1,<base64 HMAC-SHA256 of id.timestamp.body>" under secret (whsec_...),
 * in a; NULL when the secret is malformed. */
char *hooks_sign(struct arena *a, const char *secret, const char *id, const char *timestamp,
		 const char *body);

/* Deliveries by outcome since start, for /metrics. */
enum hooks_outcome { HOOKS_DELIVERED, HOOKS_FAILED, HOOKS_DEAD, HOOKS__OUTCOMES };
long hooks_outcomes(enum hooks_outcome o);

#endif
