/* Configuration: one table of settings, read from LOOP_* variables and flags. */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include "api/config.h"
#include "api/proxy.h"
#include "base/log.h"

struct config config;

enum kind { TEXT, NUMBER, FLAG };

static const struct setting {
	const char *name;	/* flag name; the variable is LOOP_ + upper(name) */
	enum kind kind;
	const char *fallback;
	long min, max;
	const char *help;
	void *target;
} settings[] = {
	{"listen", TEXT, "127.0.0.1:8080", 0, 0, "address:port to serve HTTP on", &config.listen},
	{"database-url", TEXT, "", 0, 0, "PostgreSQL URL; empty runs an embedded cluster", &config.database_url},
	{"app-database-url", TEXT, "", 0, 0, "login of request connections, as the application role (else the owner's URL with SET ROLE)", &config.app_database_url},
	{"data-dir", TEXT, "./var", 0, 0, "embedded cluster's directory", &config.data_dir},
	{"threads", NUMBER, "0", 0, 256, "HTTP worker threads, each with a database connection (0 = four per core)", &config.threads},
	{"max-body", NUMBER, "1048576", 1024, 64L << 20, "largest request body, bytes", &config.max_body},
	{"metrics-listen", TEXT, "127.0.0.1:9464", 0, 0, "address:port serving /metrics; empty = off; the same as listen serves it there", &config.metrics_listen},
	{"log-level", TEXT, "info", 0, 0, "debug, info, warn or error", &config.log_level},
	{"conn-timeout", NUMBER, "30", 1, 3600, "seconds before an idle or slow client is dropped", &config.conn_timeout},
	{"header-timeout", NUMBER, "10", 1, 3600, "seconds a client has to send a request's headers, however slowly it trickles them", &config.header_timeout},
	{"max-conns", NUMBER, "2048", 1, 100000, "open connections at most", &config.max_conns},
	{"max-conns-per-ip", NUMBER, "32", 1, 100000, "open connections per TCP peer address (a proxy's own, behind one)", &config.max_conns_per_ip},
	{"trusted-proxies", TEXT, "", 0, 0, "comma-separated addresses or CIDR ranges of reverse proxies whose X-Forwarded-For names the client (empty = trust no header)", &config.trusted_proxies},
	{"conn-memory", NUMBER, "32768", 8192, 1L << 24, "memory per connection for headers, bytes", &config.conn_memory},
	{"drain-timeout", NUMBER, "10", 0, 600, "seconds to finish in-flight requests at shutdown", &config.drain_timeout},
	{"issuer", TEXT, "loopd", 0, 0, "the iss claim of access tokens", &config.issuer},
	{"audience", TEXT, "loopd-api", 0, 0, "the aud claim of access tokens", &config.audience},
	{"hash-threads", NUMBER, "0", 0, 256, "threads that run the requests hashing a password, apart from the HTTP workers (0 = one per core but one, at least 1)", &config.hash_threads},
	{"hash-queue", NUMBER, "32", 0, 100000, "requests waiting for a hashing thread at most; beyond them a login gets 503 with Retry-After", &config.hash_queue},
	{"argon-memory-kib", NUMBER, "19456", 19456, 4L << 20, "argon2id memory per password hash, KiB", &config.argon_memory_kib},
	{"argon-iterations", NUMBER, "2", 2, 64, "argon2id passes per password hash", &config.argon_iterations},
	{"embedded-nosync", FLAG, "0", 0, 1, "test clusters only: initdb --no-sync and fsync off", &config.embedded_nosync},
	{"public-url", TEXT, "", 0, 0, "external base URL", &config.public_url},
	{"rate-limit", NUMBER, "6000", 0, 1000000000, "requests a minute per user or API client, in bursts of as many (0 = off)", &config.rate_limit},
	{"rate-limit-org-max", NUMBER, "60000", 60, 1000000000, "the highest limit an org's admins may set (PUT /v1/rate-limit; the lowest is 60)", &config.rate_limit_org_max},
	{"rate-limit-instances", NUMBER, "1", 1, 1000, "loopd instances serving the same database: each allows rate-limit divided by this", &config.rate_limit_instances},
	{"scorecard-due-hours", NUMBER, "24", 1, 720, "hours after a round ends that its scorecards are due", &config.scorecard_due_hours},
	{"code-ttl", NUMBER, "60", 1, 60, "seconds an authorization code lives (tests shorten it)", &config.code_ttl},
	{"webhook-workers", NUMBER, "2", 0, 32, "webhook delivery threads (0: none on this instance)", &config.webhook_workers},
	{"webhook-timeout", NUMBER, "10", 1, 30, "seconds to connect and to finish one webhook delivery", &config.webhook_timeout},
	{"webhook-allow-insecure", FLAG, "0", 0, 1, "tests and local use only: http and private or loopback webhook URLs", &config.webhook_allow_insecure},
	{"webhook-retry-schedule", TEXT, "5,300,1800,7200,18000,36000,36000", 0, 0, "seconds between webhook attempts (shorter only in tests)", &config.webhook_retry_schedule},
	{"webhook-disable-after", NUMBER, "432000", 1, 90L * 86400, "seconds of failure that disable a webhook subscription", &config.webhook_disable_after},
	{"webhook-sweep", NUMBER, "60", 1, 3600, "seconds between sweeps for scorecard.overdue events", &config.webhook_sweep},
	{NULL, TEXT, NULL, 0, 0, NULL, NULL},
};

static void
env_name(const char *name, char *out, size_t n)
{
	size_t j = (size_t)snprintf(out, n, "LOOP_");
	for (; *name && j + 1 < n; name++)
		out[j++] = *name == '-' ? '_' : (char)(*name >= 'a' && *name <= 'z' ? *name - 32 : *name);
	out[j] = '\0';
}

/* Stores text into s's target; prints an error naming where it came from. */
static bool
store(const struct setting *s, const char *text, const char *origin)
{
	if (s->kind == TEXT) {
		*(char **)s->target = (char *)text;
		return true;
	}
	char *end;
	errno = 0;
	long v = strtol(text, &end, 10);
	if (s->kind == FLAG && (!strcmp(text, "true") || !strcmp(text, "yes"))) {
		v = 1;
		end = (char *)text + strlen(text);
	} else if (s->kind == FLAG && (!strcmp(text, "false") || !strcmp(text, "no"))) {
		v = 0;
		end = (char *)text + strlen(text);
	}
	if (errno || end == text || *end || v < s->min || v > s->max) {
		fprintf(stderr, "loopd: invalid %s=%s: must be a whole number from %ld to %ld\n",
			origin, text, s->min, s->max);
		return false;
	}
	if (s->kind == FLAG)
		*(bool *)s->target = v != 0;
	else
		*(long *)s->target = v;
	return true;
}

/* host:port with a port from 0 to 65535 (empty too when may_be_empty). */
static bool
listen_ok(const char *text, bool may_be_empty)
{
	if (may_be_empty && !*text)
		return true;
	const char *colon = strrchr(text, ':');
	char *end;
	long port = colon ? strtol(colon + 1, &end, 10) : -1;
	return colon && colon[1] && !*end && port >= 0 && port <= 65535;
}

static bool
check(void)
{
	enum log_level lvl;
	if (!log_parse_level(config.log_level, &lvl)) {
		fprintf(stderr, "loopd: invalid LOOP_LOG_LEVEL=%s: use debug, info, warn or error\n",
			config.log_level);
		return false;
	}
	log_set_level(lvl);
	if (!listen_ok(config.listen, false)) {
		fprintf(stderr, "loopd: invalid LOOP_LISTEN=%s: use host:port\n", config.listen);
		return false;
	}
	if (!listen_ok(config.metrics_listen, true)) {
		fprintf(stderr, "loopd: invalid LOOP_METRICS_LISTEN=%s: use host:port, or empty for"
			" no metrics listener\n", config.metrics_listen);
		return false;
	}
	if (!api_proxy_configure(config.trusted_proxies)) {
		fprintf(stderr, "loopd: invalid LOOP_TRUSTED_PROXIES=%s: use comma-separated IPv4 or"
			" IPv6 addresses or CIDR ranges (at most %d), e.g. 10.0.0.0/8,::1\n",
			config.trusted_proxies, API_PROXY_MAX);
		return false;
	}
	return true;
}

/* The default as --help shows it: an empty one is "none", except where
 * empty means something else. */
static const char *
shown_default(const struct setting *s)
{
	if (s->target == &config.public_url)
		return "http://<listen>";
	return *s->fallback ? s->fallback : "none";
}

void
config_usage(FILE *out)
{
	fputs("usage: loopd [flags] [serve]\n"
	      "       loopd [flags] migrate\n"
	      "       loopd [flags] admin bootstrap --org NAME --email EMAIL [--name NAME]\n"
	      "       loopd [flags] admin rotate-keys\n"
	      "       loopd [flags] audit verify --org ID\n\n"
	      "settings (flag / environment variable, default):\n", out);
	for (const struct setting *s = settings; s->name; s++) {
		char env[64];
		env_name(s->name, env, sizeof env);
		fprintf(out, "  --%-18s %-24s %s (default: %s)\n", s->name, env, s->help,
			shown_default(s));
	}
	fputs("\nenvironment only:\n"
	      "  LOOP_ADMIN_PASSWORD   the new admin's password for admin bootstrap"
	      " (else one line of stdin)\n", out);
}

int
config_load(int argc, char **argv, int *argi)
{
	char env[64];
	for (const struct setting *s = settings; s->name; s++) {
		env_name(s->name, env, sizeof env);
		const char *v = getenv(env);
		if (!store(s, s->fallback, s->name) || (v && !store(s, v, env)))
			return 2;
	}
	int i = *argi;
	for (; i < argc && strncmp(argv[i], "--", 2) == 0; i++) {
		const char *arg = argv[i] + 2;
		if (!strcmp(arg, "help")) {
			config_usage(stdout);
			return 1;
		}
		if (!strcmp(arg, "version")) {
			printf("loopd %s\n", LOOPD_VERSION);
			return 1;
		}
		const char *eq = strchr(arg, '=');
		size_t n = eq ? (size_t)(eq - arg) : strlen(arg);
		const struct setting *s = settings;
		while (s->name && (strlen(s->name) != n || strncmp(s->name, arg, n) != 0))
			s++;
		if (!s->name)
			break;	/* a subcommand's own flag */
		const char *v = eq ? eq + 1 : (s->kind == FLAG ? "1" : (i + 1 < argc ? argv[++i] : NULL));
		if (!v) {
			fprintf(stderr, "loopd: --%s needs a value\n", s->name);
			return 2;
		}
		char origin[64];
		snprintf(origin, sizeof origin, "--%s", s->name);
		if (!store(s, v, origin))
			return 2;
	}
	*argi = i;
	return check() ? 0 : 2;
}
