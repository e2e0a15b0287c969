#ifndef API_AUTHN_H
#define API_AUTHN_H
#include <stdbool.h>
#include "api/http.h"
#include "auth/principal.h"
#include "auth/token.h"

/* Marks "the database was unreachable" (a 503 was queued). */
#define AUTH_TOKEN__UNAVAILABLE ((enum auth_token_status) - 1)
/* Marks "the token is valid but its user is disabled or its client revoked". */
#define AUTH_TOKEN__INACTIVE ((enum auth_token_status) - 2)

/* Verifies an access token and its subject's standing now; the principal
 * (scopes narrowed to current roles), or NULL with *st. */
const struct auth_principal *api_verify_access_token(struct api_request *rq, const char *token,
						     enum auth_token_status *st);

/* The token of an Authorization header value of the Bearer scheme (any
 * case, spaces after it skipped), pointing into authorization; NULL for
 * another scheme. */
const char *api_bearer_token(const char *authorization);

/* Authenticates the bearer token of rq and checks the route's scope; sets
 * rq->who. On failure queues 401 (with WWW-Authenticate) or 403 and
 * returns false. */
bool api_authenticate_or_reply(struct api_request *rq);

/* Queues a 403 (e: FORBIDDEN or INSUFFICIENT_SCOPE) and audits the
 * refusal as access.denied. */
enum api_result api_reply_forbidden(struct api_request *rq, enum api_error e, const char *detail);

#endif
