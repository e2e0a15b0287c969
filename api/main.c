/* loopd: the server and its command-line tools. */
#include <malloc.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "api/caches.h"
#include "api/cli.h"
#include "api/config.h"
#include "api/server.h"
#include "base/log.h"
#include "db/db.h"
#include "db/embedded.h"
#include "hooks/hooks.h"

/* SIGTERM and SIGINT, blocked from the start so a signal during start-up
 * waits until the server can shut down cleanly (stopping its cluster). */
static sigset_t stop_signals;

/* Serves until SIGTERM or SIGINT, then drains. */
static int
serve(void)
{
	struct hooks_config hooks = {(int)config.webhook_workers, config.webhook_timeout,
				     config.webhook_allow_insecure, config.webhook_retry_schedule,
				     config.webhook_disable_after, config.webhook_sweep,
				     (int)config.scorecard_due_hours};
	/* libcurl is initialised (hooks_start) before request threads may
	 * check webhook URLs with it, and cleaned up after they have drained. */
	api_caches_start();
	if (!hooks_start(&hooks)) {
		api_caches_stop();
		return 1;
	}
	if (!server_start()) {
		hooks_stop();
		api_caches_stop();
		return 1;
	}
	int sig = 0;
	sigwait(&stop_signals, &sig);
	log_kv(LOG_INFO, "shutting down", "signal", sig == SIGINT ? "SIGINT" : "SIGTERM", NULL);
	server_stop();
	hooks_stop();
	api_caches_stop();
	return 0;
}

int
main(int argc, char **argv)
{
	signal(SIGPIPE, SIG_IGN);
	/* A fixed mmap threshold: glibc would otherwise raise it past the
	 * 19 MiB argon2 buffers after the first login, and keep every later
	 * hash resident on the heap; few malloc arenas bound per-thread slack.
	 * Measured by scripts/bench rss (README, Performance). */
	mallopt(M_MMAP_THRESHOLD, 256 * 1024);
	mallopt(M_ARENA_MAX, 2);
	int argi = 1;
	int rc = config_load(argc, argv, &argi);
	if (rc)
		return rc == 1 ? 0 : 2;
	const char *cmd = argi < argc ? argv[argi] : "serve";
	bool serving = strcmp(cmd, "serve") == 0;
	if (!serving && !cli_known(cmd)) {
		fprintf(stderr, "loopd: unknown command '%s' (see loopd --help)\n", cmd);
		return 2;
	}
	if (serving) {
		sigemptyset(&stop_signals);
		sigaddset(&stop_signals, SIGTERM);
		sigaddset(&stop_signals, SIGINT);
		pthread_sigmask(SIG_BLOCK, &stop_signals, NULL);
	}
	struct cli_db d;
	char *why = NULL;
	if (!cli_open_database(&d, serving, &why)) {
		log_kv(LOG_ERROR, "cannot start", "reason", why ? why : "unknown", NULL);
		fprintf(stderr, "loopd: %s\n", why ? why : "cannot open the database");
		free(why);
		return 1;
	}
	rc = serving ? serve() : cli_run(argc - argi, argv + argi);
	cli_close_database(&d);
	return rc;
}
