/* Start-up shared by the server and the command-line tools, and the tools. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include "api/cli.h"
#include "api/common.h"
#include "api/config.h"
#include "api/handlers.h"
#include "api/spec.h"
#include "auth/password.h"
#include "auth/scope.h"
#include "base/email.h"
#include "base/log.h"
#include "base/text.h"
#include "db/audit.h"
#include "db/clients.h"
#include "db/db.h"
#include "db/embedded.h"
#include "db/identity.h"
#include "db/keys.h"
#include "db/orgs.h"

#define APP_ROLE "loopd_app"

/* Makes sure a signing key exists and loads the cursor MAC key. */
static bool
load_secrets(char **why)
{
	struct arena *a = arena_create();
	char *kid;
	unsigned char *key;
	size_t len;
	struct db *db = db_thread();
	bool ok = db_keys_add(db, a, true, &kid) == DB_OK &&
		  db_server_secret(db, a, "cursor", &key, &len) == DB_OK;
	if (ok)
		api_cursor_set_key(key, len);
	else if (asprintf(why, "no usable signing key: %s", db_error_message(db) ? db_error_message(db) : "database error") < 0)
		*why = NULL;
	arena_destroy(a);
	return ok;
}

/* How request connections log in: as the application role itself when
 * possible (embedded cluster, or LOOP_APP_DATABASE_URL), so a session can
 * never RESET ROLE to the owner; else the owner's URL with SET ROLE. */
static bool
configure_requests(struct cli_db *d, char **why)
{
	char *app = NULL;
	if (d->embedded) {
		if (!db_allow_login(d->conninfo, APP_ROLE, why))
			return false;
		app = embedded_app_conninfo(d->embedded, APP_ROLE);
	} else if (*config.app_database_url) {
		app = strdup(config.app_database_url);
	}
	db_configure(&(struct db_config){.conninfo = app ? app : d->conninfo,
					 .app_role = app ? NULL : APP_ROLE,
					 .statement_timeout_ms = 10000});
	free(app);
	return true;
}

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
	if (!configure_requests(d, why)) {
		cli_close_database(d);
		return false;
	}
	auth_password_init(&(struct auth_argon_params){(uint32_t)config.argon_memory_kib,
						      (uint32_t)config.argon_iterations, 1});
	if (!api_rubrics_load_catalog(why) || !load_secrets(why)) {
		cli_close_database(d);
		return false;
	}
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

/* The value of --name in argv, or NULL. */
static const char *
flag(int argc, char **argv, const char *name)
{
	for (int i = 1; i + 1 < argc; i++)
		if (!strcmp(argv[i], name))
			return argv[i + 1];
	return NULL;
}

/* The admin password: LOOP_ADMIN_PASSWORD, else one line of stdin. */
static char *
admin_password(struct arena *a)
{
	const char *env = getenv("LOOP_ADMIN_PASSWORD");
	if (env)
		return arena_strdup(a, env);
	char line[1100];
	if (!fgets(line, sizeof line, stdin))
		return NULL;
	line[strcspn(line, "\r\n")] = '\0';
	return arena_strdup(a, line);
}

static int
admin_bootstrap(int argc, char **argv)
{
	const char *org = flag(argc, argv, "--org"), *email = flag(argc, argv, "--email");
	const char *name = flag(argc, argv, "--name");
	if (!org || !email || !*org || strlen(org) > 200) {
		fprintf(stderr, "loopd: usage: loopd admin bootstrap --org NAME --email EMAIL [--name NAME]\n");
		return 2;
	}
	struct arena *a = arena_create();
	char *norm;
	enum email_verdict v = email_normalize(a, email, &norm);
	if (v != EMAIL_OK) {
		const char *code;
		fprintf(stderr, "loopd: --email %s\n", spec_email_refusal(v, &code));
		arena_destroy(a);
		return 2;
	}
	email = norm;
	const char *why = "no password given (set LOOP_ADMIN_PASSWORD or pass one line on stdin)";
	char *pw = admin_password(a);
	if (pw && auth_password_acceptable(pw, &why) && auth_password_weakness(pw))
		why = auth_password_weakness(pw);
	if (!pw || !auth_password_acceptable(pw, &why) || auth_password_weakness(pw)) {
		fprintf(stderr, "loopd: admin password: %s\n", why);
		arena_destroy(a);
		return 2;
	}
	struct auth_argon_params p = auth_password_params();
	struct db_bootstrap_out out;
	enum db_status st = db_bootstrap(db_thread(), a, org, email, name ? name : email,
					 auth_password_hash(a, pw, &p),
					 auth_scope_format(a, AUTH_SCOPE_ALL), &out);
	if (st == DB_OK)
		printf("{\"org_id\":\"%s\",\"user_id\":\"%s\",\"client_id\":\"%s\"}\n", out.org_id,
		       out.user_id, out.client_id);
	else
		fprintf(stderr, "loopd: bootstrap failed (database status %d)\n", st);
	arena_destroy(a);
	return st == DB_OK ? 0 : 1;
}

static int
admin_rotate_keys(int argc, char **argv)
{
	struct arena *a = arena_create();
	char *kid;
	enum db_status st = db_keys_add(db_thread(), a, false, &kid);
	if (st == DB_OK)
		printf("{\"kid\":\"%s\"}\n", kid);
	else
		fprintf(stderr, "loopd: rotate-keys failed (database status %d)\n", st);
	arena_destroy(a);
	return st == DB_OK ? 0 : 1;
}

/* The org's console link (the sign-in that works whatever its password
 * grant), in a's memory. */
static char *
console_url(struct arena *a, const char *org)
{
	size_t n = strlen(config.public_url);
	if (n && config.public_url[n - 1] == '/')
		n--;
	return n ? arena_printf(a, "%.*s/app/?org=%s", (int)n, config.public_url, org)
		 : arena_printf(a, "http://%s/app/?org=%s", config.listen, org);
}

/* loopd admin create-client --org ID: recovery when an org has no
 * first-party client left; prints {"client_id","console_url"}. The client
 * uses the password grant: when the org turned it off, the console link
 * is the way back in (said on stderr). */
static int
admin_create_client(int argc, char **argv)
{
	const char *org = flag(argc, argv, "--org");
	if (!org || !text_is_uuid(org)) {
		fprintf(stderr, "loopd: usage: loopd admin create-client --org ID\n");
		return 2;
	}
	struct arena *a = arena_create();
	struct db_client c;
	enum db_status st = db_client_recover(db_thread(), a, org, auth_scope_format(a, AUTH_SCOPE_ALL),
					      &c);
	if (st == DB_OK) {
		char *url = console_url(a, c.org_id ? c.org_id : org);
		printf("{\"client_id\":\"%s\",\"console_url\":\"%s\"}\n", c.id, url);
		struct db_org o;
		if (db_org_get(db_thread(), a, org, &o) == DB_OK && !o.password_grant)
			fprintf(stderr, "loopd: this organisation turned the password grant off, so "
				"the new client gets unauthorized_client; its admin signs in at %s\n", url);
	} else {
		fprintf(stderr, "loopd: create-client failed (%s)\n",
			st == DB_FK ? "no such organisation" : "database error");
	}
	arena_destroy(a);
	return st == DB_OK ? 0 : 1;
}

static int
cmd_admin(int argc, char **argv)
{
	if (argc > 1 && !strcmp(argv[1], "bootstrap"))
		return admin_bootstrap(argc - 1, argv + 1);
	if (argc > 1 && !strcmp(argv[1], "rotate-keys"))
		return admin_rotate_keys(argc - 1, argv + 1);
	if (argc > 1 && !strcmp(argv[1], "create-client"))
		return admin_create_client(argc - 1, argv + 1);
	fprintf(stderr, "loopd: usage: loopd admin bootstrap|rotate-keys|create-client ...\n");
	return 2;
}

/* loopd audit verify --org ID: prints the verdict; exit 1 on a break. */
static int
cmd_audit(int argc, char **argv)
{
	const char *org = flag(argc, argv, "--org");
	if (argc < 2 || strcmp(argv[1], "verify") != 0 || !org || !text_is_uuid(org)) {
		fprintf(stderr, "loopd: usage: loopd audit verify --org ID\n");
		return 2;
	}
	struct arena *a = arena_create();
	struct audit_verdict v;
	enum db_status st = db_audit_verify(db_thread(), a, org, &v);
	int rc = st != DB_OK ? 1 : v.ok ? 0 : 1;
	if (st == DB_OK) {
		json_t *j = api_audit_verdict_json(&v);
		char *s = json_dumps(j, JSON_COMPACT);
		/* One line, newline-terminated, so shells and line readers see it whole. */
		if (!s || printf("%s\n", s) < 0 || fflush(stdout) != 0)
			rc = 1;
		free(s);
		json_decref(j);
	} else {
		fprintf(stderr, "loopd: audit verify failed (database status %d)\n", st);
	}
	arena_destroy(a);
	return rc;
}

static const struct {
	const char *name;
	int (*run)(int argc, char **argv);
} commands[] = {
	{"migrate", cmd_migrate},
	{"admin", cmd_admin},
	{"audit", cmd_audit},
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
