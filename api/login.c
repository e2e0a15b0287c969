/* Login throttling, shared by the token endpoint and password changes:
 * failures counted in PostgreSQL per account and per source address. */
#include <stdio.h>
#include "api/common.h"
#include "api/login.h"
#include "api/metrics.h"
#include "db/throttles.h"
#include "db/users.h"

#define ACCOUNT_FAILURES 5
#define ADDRESS_FAILURES 20
#define THROTTLE_WINDOW 900

static char *
lower(struct arena *a, const char *s)
{
	char *l = arena_strdup(a, s);
	for (char *p = l; *p; p++)
		if (*p >= 'A' && *p <= 'Z')
			*p = (char)(*p + 32);
	return l;
}

/* The throttle key of an account: the user's id when the name matches one
 * (so spelling variants that reach the same user share one counter), else
 * the name as given, lowercased. */
static char *
account_key(struct api_request *rq, const char *org, const struct db_user *u, const char *name)
{
	if (u)
		return arena_printf(rq->arena, "acct:%s:%s", org, u->id);
	return arena_printf(rq->arena, "acct:%s:%s", org, lower(rq->arena, name));
}

static char *
address_key(struct api_request *rq)
{
	return arena_printf(rq->arena, "addr:%s", rq->remote_addr);
}

/* 429 when the account or the address has failed too often lately. */
static bool
throttle_or_reply(struct api_request *rq, const char *acct_key, const char *addr_key)
{
	int n, retry, n2, retry2;
	enum db_status st = db_throttle_count(rq->db, acct_key, THROTTLE_WINDOW, &n, &retry);
	if (st == DB_OK)
		st = db_throttle_count(rq->db, addr_key, THROTTLE_WINDOW, &n2, &retry2);
	if (st != DB_OK) {
		api_reply_db(rq, st, "throttle");
		return false;
	}
	if (n < ACCOUNT_FAILURES && n2 < ADDRESS_FAILURES)
		return true;
	int wait = n >= ACCOUNT_FAILURES ? retry : retry2;
	api_reply_error(rq, E_TOO_MANY_REQUESTS, "too many failed logins: try again in %d s", wait);
	api_add_header(rq, "Retry-After", arena_printf(rq->arena, "%d", wait));
	return false;
}

bool
api_login_throttle_or_reply(struct api_request *rq, const char *org, const struct db_user *u,
			    const char *name)
{
	return throttle_or_reply(rq, account_key(rq, org, u, name), address_key(rq));
}

void
api_login_failed(struct api_request *rq, const char *org, const struct db_user *u,
		 const char *name, const char *action, const char *reason)
{
	metrics_count(METRIC_AUTH_FAILURES, 1);
	db_throttle_fail(rq->db, account_key(rq, org, u, name), org);
	db_throttle_fail(rq->db, address_key(rq), NULL);
	struct audit_ctx ctx = {org, u ? "user" : "system", u ? u->id : NULL, rq->request_id,
				rq->remote_addr};
	json_t *ch = json_pack("{s:s}", "reason", reason);
	db_audit_record(rq->db, &ctx, action, "user", u ? u->id : NULL, ch);
	json_decref(ch);
}

void
api_login_succeeded(struct api_request *rq, const char *org, const struct db_user *u)
{
	db_throttle_clear(rq->db, account_key(rq, org, u, u->email));
}
