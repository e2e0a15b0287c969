#ifndef API_OAUTH_H
#define API_OAUTH_H
#include <stdbool.h>
#include "api/http.h"
#include "db/clients.h"

/* Shared by the OAuth endpoints (api/oauth.c): RFC 6749 5.2 error bodies
 * and client authentication (api/oauth_client.c). */

struct client_auth {
	const char *id, *secret;
	bool basic;		/* credentials came in the Authorization header */
	struct db_client client;
};

/* Queues an RFC 6749 error body. */
enum api_result oauth_error(struct api_request *rq, int status, const char *error,
			    const char *description);
/* Queues 401 invalid_client (with a Basic challenge when Basic was used). */
void oauth_invalid_client(struct api_request *rq, const struct client_auth *c);
/* A form field; false (with invalid_request queued) when the body repeats it. */
bool oauth_field(struct api_request *rq, const char *name, const char **out);
/* Authenticates the calling client (Basic or body credentials), throttled
 * and audited per client and address; queues the error, false on failure. */
bool oauth_client_or_reply(struct api_request *rq, struct client_auth *c);

/* The built-in public client of the web console, usable in every org; its
 * one redirect URI is api_public_base() + "/app/". */
#define OAUTH_CONSOLE_CLIENT "loopd-console"
/* The console client before its org is known (id "loopd-console", no org). */
void oauth_console_client(struct db_client *out);
/* For the console client: replaces c->client with its row in org (so its
 * tokens have a client of that org); false with the error queued. Other
 * clients are left alone. */
bool oauth_console_row_or_reply(struct api_request *rq, struct client_auth *c, const char *org);

#endif
