#ifndef API_LOGIN_H
#define API_LOGIN_H
#include <stdbool.h>
#include "api/http.h"
#include "db/users.h"

/* Password attempts, by login or by password change, are throttled per
 * account (the user when the name matches one, else the name) and per
 * source address, across every instance. */

/* 429 with Retry-After when the account or the address failed too often. */
bool api_login_throttle_or_reply(struct api_request *rq, const char *org,
				 const struct db_user *u, const char *name);
/* Counts a failure and audits it as action (u may be NULL: unknown name). */
void api_login_failed(struct api_request *rq, const char *org, const struct db_user *u,
		      const char *name, const char *action, const char *reason);
/* A success clears the account's counter. */
void api_login_succeeded(struct api_request *rq, const char *org, const struct db_user *u);

#endif
