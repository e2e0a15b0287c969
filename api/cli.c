/* Start-up shared by the server and the command-line tools, and the tools. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "api/cli.h"
#include "api/config.h"
#include "base/log.h"
#include "db/db.h"
#include "db/embedded.h"

#define APP_ROLE "loopd_app"

bool
cli_open_database(struct cli_db *d, bool serving, char **why)
{
	memset(d, 0, sizeof *d);
	if (config.database_url && *config.database_url) {
		d->conninfo = strdup(config.database_url);
	} else {
		d->embedded = embedded_open(config.data_dir, serving, config.embedded_nosync,
					    &d->conninfo, why);
		if (!d->embedded)
			return false;
	}
	if (!db_migrate(d->conninfo, APP_ROLE, why)) {
		cli_close_database(d);
		return false;
	}
	db_configure(&(struct db_config){.conninfo = d->conninfo, .app_role = APP_ROLE,
					 .statement_timeout_ms = 10000});
	return true;
}

void
cli_close_database(struct cli_db *d)
{
	db_close_all();
	embedded_close(d->embedded);
	d->embedded = NULL;
	free(d->conninfo);
	d->conninfo = NULL;
}

static int
cmd_migrate(int argc, char **argv)
{
	log_kv(LOG_INFO, "migrations applied", NULL);
	return 0;
}

static const struct {
	const char *name;
	int (*run)(int argc, char **argv);
} commands[] = {
	{"migrate", cmd_migrate},
};

bool
cli_known(const char *cmd)
{
	for (size_t i = 0; i < sizeof commands / sizeof commands[0]; i++)
		if (!strcmp(commands[i].name, cmd))
			return true;
	return false;
}

int
cli_run(int argc, char **argv)
{
	for (size_t i = 0; i < sizeof commands / sizeof commands[0]; i++)
		if (!strcmp(commands[i].name, argv[0]))
			return commands[i].run(argc, argv);
	return 2;
}
