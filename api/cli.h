#ifndef API_CLI_H
#define API_CLI_H
#include <stdbool.h>

/* The database a process works on: the embedded cluster or LOOP_DATABASE_URL. */
struct cli_db {
	struct embedded *embedded;	/* NULL with LOOP_DATABASE_URL */
	char *conninfo;
};

/* Opens the database, applies migrations and loads what start-up needs
 * (rubric catalogue, signing keys). why gets a malloc'd one-line reason. */
bool cli_open_database(struct cli_db *d, bool serving, char **why);
void cli_close_database(struct cli_db *d);

/* True when cmd names a command-line tool (migrate, admin, audit). */
bool cli_known(const char *cmd);
/* Runs the tool; argv[0] is the command. Returns the exit status. */
int cli_run(int argc, char **argv);

#endif
