/* Bearer authentication for non-public routes. Until signing keys exist
 * every non-public route is refused: deny by default. */
#include "api/authn.h"
#include "api/metrics.h"

bool
api_authenticate_or_reply(struct api_request *rq)
{
	metrics_count(METRIC_AUTH_FAILURES, 1);
	api_reply_error(rq, E_UNAUTHENTICATED, "send an access token: Authorization: Bearer <token>");
	api_add_header(rq, "WWW-Authenticate", "Bearer realm=\"loopd\"");
	return false;
}
