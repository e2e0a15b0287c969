/* A request's headers and query arguments, from libmicrohttpd. Kept apart
 * from server.c so that the unit tests and fuzz drivers can link their own
 * (tests/fuzz/fake_request.h) while the rest of the server links too. */
#include <microhttpd.h>
#include "api/http.h"

const char *
api_header(struct api_request *rq, const char *name)
{
	return MHD_lookup_connection_value(rq->conn, MHD_HEADER_KIND, name);
}

const char *
api_query(struct api_request *rq, const char *name)
{
	return MHD_lookup_connection_value(rq->conn, MHD_GET_ARGUMENT_KIND, name);
}
