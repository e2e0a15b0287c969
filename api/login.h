#ifndef API_LOGIN_H
#define API_LOGIN_H
#include <stdbool.h>
#include "api/http.h"
#include "db/users.h"

/* Password attempts, by login or by password change, are throttled per
 * account (the user when the name matches one, else a keyed hash of the
 * name) and per source address, across every instance. Each attempt is
 * counted before the password is checked; a success takes it back. */

struct api_login_attempt {
	char *acct, *addr;	/* throttle keys */
	char *addr_row;		/* this attempt's address row */
};

/* Counts the attempt; 429 with Retry-After when the account or the address
 * failed too often, or signed in too often lately. *at lives in rq's arena.
 * Every password check follows this call, so it is where a request moves
 * to the hashing pool (api_hashing_or_defer): on an HTTP worker it returns
 * false with no reply (or 503 when the pool is full) and the handler runs
 * again on a hashing thread, where the attempt is counted and hashed. */
bool api_login_throttle_or_reply(struct api_request *rq, const char *org,
				 const struct db_user *u, const char *name,
				 struct api_login_attempt *at);
/* Audits a failure as action (u may be NULL: unknown name); it was counted. */
void api_login_failed(struct api_request *rq, const char *org, const struct db_user *u,
		      const char *action, const char *reason);
/* A success forgives the account and counts a sign-in. */
void api_login_succeeded(struct api_request *rq, const char *org,
			 const struct api_login_attempt *at);

enum api_login { API_LOGIN_REPLIED, API_LOGIN_WRONG, API_LOGIN_OK };
/* A person's sign-in by email and password in org (NULL: no org, the name
 * is then unknown), shared by the token endpoint and the sign-in page: the
 * lookup, the throttle, the hash under the semaphore (a dummy one for an
 * unknown name) and the failure audit. API_LOGIN_OK fills *u and *at (call
 * api_login_succeeded once the login is complete); API_LOGIN_WRONG (counted
 * and audited) for an unknown name, a wrong password or a disabled user
 * alike; API_LOGIN_REPLIED when 429 or 503 was queued. */
enum api_login api_login_password(struct api_request *rq, const char *org, const char *name,
				  const char *pw, struct db_user *u, struct api_login_attempt *at);
/* False with 400 unauthorized_client queued when the org turned the
 * password grant off (PATCH /v1/org). */
bool api_org_allows_password_or_reply(struct api_request *rq, const char *org);

/* Client credentials (secrets, refresh tokens): 429 when the address failed
 * too often (checked before any credential). */
bool api_address_throttle_or_reply(struct api_request *rq);
/* 429 when the client (NULL: unknown, never refused here) failed too often.
 * Checked only once a credential turned out wrong: a client's counter
 * limits the failures written and audited, and never refuses the right
 * secret or a live refresh token, or anyone who knows a (public) client_id
 * could lock every user of it out. */
bool api_client_throttle_or_reply(struct api_request *rq, const char *client_id);
/* Counts a client's failure and audits it in org (NULL: unknown client,
 * counted per address only). */
void api_client_failed(struct api_request *rq, const char *org, const char *client_id,
		       const char *action, const char *reason);

#endif
