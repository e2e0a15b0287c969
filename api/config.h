#ifndef API_CONFIG_H
#define API_CONFIG_H
#include <stdbool.h>
#include <stdio.h>

/* Settings: each from LOOP_<NAME> or --<name>; the flag wins. Read-only
 * once loaded. */
struct config {
	char *listen;		/* host:port */
	char *database_url;	/* empty: embedded cluster */
	char *app_database_url;	/* request connections' login (else SET ROLE) */
	char *data_dir;
	long threads;
	long max_body;
	char *metrics_listen;	/* host:port of the metrics listener; "" = none */
	char *log_level;
	long conn_timeout;	/* seconds */
	long header_timeout;	/* seconds to send a request's headers */
	long max_conns;
	long max_conns_per_ip;	/* per TCP peer, whatever X-Forwarded-For says */
	char *trusted_proxies;	/* LOOP_TRUSTED_PROXIES: "" = trust no header */
	long conn_memory;	/* bytes per connection */
	long drain_timeout;	/* seconds to finish in-flight requests at shutdown */
	char *issuer;
	char *audience;
	long hash_threads;	/* hashing pool threads; 0: api_hashing_default_threads() */
	long hash_queue;	/* requests waiting for them at most */
	long argon_memory_kib;
	long argon_iterations;
	bool embedded_nosync;
	char *public_url;
	long code_ttl;		/* authorization code lifetime, s (60; tests shorten it) */
	long webhook_workers;	/* delivery threads */
	long webhook_timeout;	/* seconds per attempt */
	bool webhook_allow_insecure;	/* http and inward addresses (tests only) */
	char *webhook_retry_schedule;	/* seconds between attempts */
	long webhook_disable_after;	/* seconds of failure that disable a subscription */
	long webhook_sweep;	/* seconds between scorecard.overdue sweeps */
	long rate_limit;	/* requests a minute per caller, all instances; 0 = off */
	long rate_limit_org_max;	/* the highest own limit an org may set */
	long rate_limit_instances;	/* each instance allows rate_limit / this */
	long scorecard_due_hours;	/* a scorecard is due this long after its round ends */	/* base URL shown in links (calendar feeds, Location) */
};

extern struct config config;

/* Loads the environment, then flags from argv starting at *argi (stops at
 * the first non-flag, leaving *argi there). Returns 0, or 2 after printing
 * a one-line error naming the setting. --help and --version print and
 * return 1. */
int config_load(int argc, char **argv, int *argi);

void config_usage(FILE *out);

#endif
