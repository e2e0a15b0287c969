/* Login throttling, shared by the token endpoint and password changes:
 * attempts counted in PostgreSQL per account and per source address before
 * the password is hashed, and sign-ins counted too (each costs a hash, an
 * event and a refresh family). Credentials of clients are throttled here
 * as well. */
#include <pthread.h>
#include <stdio.h>
#include <string.h>
#include "api/common.h"
#include "api/login.h"
#include "api/metrics.h"
#include "auth/password.h"
#include "base/crypto.h"
#include "base/email.h"
#include "api/oauth.h"
#include "db/keys.h"
#include "db/orgs.h"
#include "db/throttles.h"
#include "db/users.h"

#define ACCOUNT_FAILURES 5
#define ADDRESS_FAILURES 20
#define THROTTLE_WINDOW 900
#define ACCOUNT_SIGNINS 20	/* successful logins per account per minute */
#define ADDRESS_SIGNINS 600	/* ... per address per minute */
#define SIGNIN_WINDOW 60
#define CLIENT_FAILURES 10	/* wrong secrets or refresh tokens per client */
#define HASH_WAIT_MS 2000

static const struct db_throttle_limits limits = {THROTTLE_WINDOW, ACCOUNT_FAILURES,
	ADDRESS_FAILURES, SIGNIN_WINDOW, ACCOUNT_SIGNINS, ADDRESS_SIGNINS};

static pthread_mutex_t key_lock = PTHREAD_MUTEX_INITIALIZER;
static unsigned char name_key[32];
static bool have_name_key;

/* The server secret that hashes unknown names (loaded once); false when
 * the database cannot give it. */
static bool
name_key_get(struct api_request *rq, unsigned char out[32])
{
	pthread_mutex_lock(&key_lock);
	if (!have_name_key) {
		unsigned char *k;
		size_t n;
		if (db_server_secret(rq->db, rq->arena, "throttle", &k, &n) == DB_OK && n >= 32) {
			memcpy(name_key, k, 32);
			have_name_key = true;
		}
	}
	bool ok = have_name_key;
	if (ok)
		memcpy(out, name_key, 32);
	pthread_mutex_unlock(&key_lock);
	return ok;
}

/* The throttle key of an account: the user's id when the name matches one
 * (so spelling variants that reach the same user share one counter), else
 * an HMAC of the lowercased name under a server secret, so mistyped names
 * (often passwords typed into the wrong field) are never stored. */
static char *
account_key(struct api_request *rq, const char *org, const struct db_user *u, const char *name)
{
	if (u)
		return arena_printf(rq->arena, "acct:%s:%s", org, u->id);
	if (!org)
		org = "any";	/* the console's sign-in when the email names no one org */
	char *l = arena_strdup(rq->arena, name);
	for (char *p = l; *p; p++)
		if (*p >= 'A' && *p <= 'Z')
			*p = (char)(*p + 32);
	unsigned char key[32], mac[32];
	if (!name_key_get(rq, key))
		return NULL;
	crypto_hmac_sha256(key, sizeof key, l, strlen(l), mac);
	return arena_printf(rq->arena, "acct:%s:h:%s", org, crypto_hex(rq->arena, mac, 16));
}

/* The throttle key of the caller's address. */
static char *
address_key(struct api_request *rq)
{
	return arena_printf(rq->arena, "addr:%s", rq->remote_addr);
}

/* Queues 429 with Retry-After. */
static void
too_many(struct api_request *rq, const char *what, int wait)
{
	api_reply_error(rq, E_TOO_MANY_REQUESTS, "too many %s: try again in %d s", what, wait);
	api_add_header(rq, "Retry-After", arena_printf(rq->arena, "%d", wait));
}

bool
api_login_throttle_or_reply(struct api_request *rq, const char *org, const struct db_user *u,
			    const char *name, struct api_login_attempt *at)
{
	/* The hash that follows runs on the hashing pool: from an HTTP
	 * worker the request is handed over here, before anything is counted. */
	if (!api_hashing_or_defer(rq))
		return false;
	at->acct = account_key(rq, org, u, name);
	at->addr = address_key(rq);
	at->addr_row = NULL;
	int wait = 0;
	enum db_status st = at->acct ? db_throttle_attempt(rq->db, rq->arena, &limits, org, at->acct,
							  at->addr, &at->addr_row, &wait)
				     : DB_UNAVAILABLE;
	if (st != DB_OK) {
		api_reply_db(rq, st, "throttle");
		return false;
	}
	if (wait > 0) {
		too_many(rq, "logins", wait);
		return false;
	}
	return true;
}

void
api_login_failed(struct api_request *rq, const char *org, const struct db_user *u,
		 const char *action, const char *reason)
{
	metrics_auth_failed(METRIC_AUTH_PASSWORD);
	if (!org)
		return;		/* no org's log to write to */
	struct audit_ctx ctx = {org, u ? "user" : "system", u ? u->id : NULL, rq->request_id,
				rq->remote_addr};
	json_t *ch = json_pack("{s:s}", "reason", reason);
	db_audit_record(rq->db, &ctx, action, "user", u ? u->id : NULL, ch);
	json_decref(ch);
}

void
api_login_succeeded(struct api_request *rq, const char *org, const struct api_login_attempt *at)
{
	db_throttle_success(rq->db, org, at->acct, at->addr, at->addr_row);
}

/* The throttle key of a client. */
static char *
client_key(struct api_request *rq, const char *client_id)
{
	return arena_printf(rq->arena, "client:%s", client_id);
}

bool
api_address_throttle_or_reply(struct api_request *rq)
{
	int n, retry;
	enum db_status st = db_throttle_count(rq->db, address_key(rq), THROTTLE_WINDOW, &n, &retry);
	if (st != DB_OK) {
		api_reply_db(rq, st, "throttle");
		return false;
	}
	if (n < ADDRESS_FAILURES)
		return true;
	too_many(rq, "failed client authentications", retry);
	return false;
}

bool
api_client_throttle_or_reply(struct api_request *rq, const char *client_id)
{
	if (!client_id)
		return true;
	int n, retry;
	enum db_status st = db_throttle_count(rq->db, client_key(rq, client_id), THROTTLE_WINDOW,
					      &n, &retry);
	if (st != DB_OK) {
		api_reply_db(rq, st, "throttle");
		return false;
	}
	if (n < CLIENT_FAILURES)
		return true;
	too_many(rq, "failed client authentications", retry);
	return false;
}

void
api_client_failed(struct api_request *rq, const char *org, const char *client_id,
		  const char *action, const char *reason)
{
	if (client_id)
		db_throttle_fail(rq->db, client_key(rq, client_id), org);
	db_throttle_fail(rq->db, address_key(rq), NULL);
	if (!org)
		return;		/* an unknown client: no org's log to write to */
	struct audit_ctx ctx = {org, "client", client_id, rq->request_id, rq->remote_addr};
	json_t *ch = json_pack("{s:s}", "reason", reason);
	db_audit_record(rq->db, &ctx, action, "client", client_id, ch);
	json_decref(ch);
}

/* Verifies the password under the hashing semaphore (dummy hash for an
 * unknown user). -1 when the semaphore is saturated. */
static int
check_password(struct api_request *rq, const struct db_user *u, bool known, const char *pw)
{
	if (!auth_password_slot_acquire(HASH_WAIT_MS))
		return -1;
	bool ok = false;
	if (known)
		ok = auth_password_verify(u->password_hash, pw);
	else
		auth_password_dummy_verify(pw);
	struct auth_argon_params params = auth_password_params();
	char *rehash = ok && auth_password_needs_rehash(u->password_hash, &params)
		? auth_password_hash(rq->arena, pw, &params) : NULL;
	auth_password_slot_release();
	if (rehash) {
		struct audit_ctx ctx = {u->org_id, "system", NULL, rq->request_id, rq->remote_addr};
		db_user_set_password(rq->db, &ctx, u->id, rehash, false);
	}
	return ok;
}

enum api_login
api_login_password(struct api_request *rq, const char *org, const char *name, const char *pw,
		   struct db_user *u, struct api_login_attempt *at)
{
	/* Emails are stored normalised; a refused (look-alike) form is an
	 * unknown user: the same lookup ("" matches no row), throttle and hash. */
	char *norm;
	if (email_normalize(rq->arena, name, &norm) != EMAIL_OK)
		norm = NULL;
	enum db_status st = org ? db_user_by_email(rq->db, rq->arena, org, norm ? norm : "", u)
				: DB_NONE;
	if (st != DB_OK && st != DB_NONE) {
		api_reply_db(rq, st, "user");
		return API_LOGIN_REPLIED;
	}
	const struct db_user *known = st == DB_OK ? u : NULL;
	if (!api_login_throttle_or_reply(rq, org, known, norm ? norm : name, at))
		return API_LOGIN_REPLIED;
	int ok = check_password(rq, u, known != NULL, pw);
	if (ok < 0) {
		api_reply_error(rq, E_BUSY, "too many logins at once: try again shortly");
		api_add_header(rq, "Retry-After", "1");
		return API_LOGIN_REPLIED;
	}
	if (!ok || u->disabled) {
		api_login_failed(rq, org, known, "login.failed",
				 !known ? "unknown_user" : !ok ? "wrong_password" : "disabled");
		return API_LOGIN_WRONG;
	}
	return API_LOGIN_OK;
}

bool
api_org_allows_password_or_reply(struct api_request *rq, const char *org)
{
	struct db_org o;
	enum db_status st = db_org_get(rq->db, rq->arena, org, &o);
	if (st != DB_OK) {
		api_reply_db(rq, st, "organisation");
		return false;
	}
	if (!o.password_grant)
		oauth_error(rq, 400, "unauthorized_client", "this organisation turned the password grant "
			    "off: sign in through the authorization code flow");
	return o.password_grant;
}
