#ifndef API_FRAMING_H
#define API_FRAMING_H
#include <stdbool.h>
#include "api/http.h"

/* RFC 9112 framing and header hygiene, checked before routing: encoded NUL
 * in the URL, folded or malformed header lines, control bytes in values,
 * repeated singleton headers and query parameters, two Content-Lengths,
 * Content-Length with Transfer-Encoding (400), a Transfer-Encoding other
 * than chunked (501). raw_uri is the request target before decoding;
 * method and version are libmicrohttpd's own strings (they point into the
 * received header block). False when a reply (with Connection: close) was
 * queued. */
bool framing_check_or_reply(struct api_request *rq, const char *raw_uri, const char *method,
			    const char *version);

/* False when a Content-Type names a charset other than UTF-8. */
bool framing_charset_is_utf8(const char *content_type);

#endif
