/* Request framing and header hygiene (RFC 9112 sections 2.2, 5, 6.3) on top
 * of libmicrohttpd 0.9.75, which keeps the first of two Content-Lengths,
 * glues obs-folded lines onto the previous field name, cuts values at a
 * NUL byte and ignores names that merely look like Transfer-Encoding. */
#include <microhttpd.h>
#include <stdint.h>
#include <string.h>
#include <strings.h>
#include "api/framing.h"

/* Headers a request may carry once (RFC 9110 singletons and our own). */
static const char *const singletons[] = {
	"Authorization", "Content-Type", "Host", "If-Match", "Idempotency-Key",
	"Content-Length", "Transfer-Encoding", "X-Request-Id", NULL,
};
#define NSINGLE 8

/* Where the header block libmicrohttpd parsed in place lies, and how far a
 * scan of it got; the first problem found is kept in why. */
struct scan {
	const char *start, *end, *cursor;
	int counts[NSINGLE];
	const char *why;
	bool close_only;	/* the 501 case: valid framing we do not implement */
};

/* RFC 9110 tchar. */
static bool
is_tchar(unsigned char c)
{
	return (c >= '0' && c <= '9') || (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
	       (c && strchr("!#$%&'*+-.^_`|~", c));
}

/* A non-empty run of tchars. */
static bool
is_token(const char *s, size_t n)
{
	if (!n)
		return false;
	for (size_t i = 0; i < n; i++)
		if (!is_tchar((unsigned char)s[i]))
			return false;
	return true;
}

/* RFC 9110 5.5: CR, LF and NUL in a value are dangerous and refused; other
 * control bytes may be kept (X-Request-Id, say, is then replaced). */
static bool
value_is_clean(const char *v, size_t n)
{
	return !memchr(v, '\r', n) && !memchr(v, '\n', n);
}

/* p lies in the scanned block (its end included). */
static bool
inside(const struct scan *s, const char *p)
{
	return (uintptr_t)p >= (uintptr_t)s->start && (uintptr_t)p <= (uintptr_t)s->end;
}

/* Bytes between parsed strings are what the parser left of separators:
 * NULs where ':', CR and LF were, and optional whitespace. Anything else
 * is text hidden behind a NUL byte. Moves the cursor to 'to'. */
static bool
gap_is_separators(struct scan *s, const char *to)
{
	if (!inside(s, to) || (uintptr_t)to < (uintptr_t)s->cursor)
		return false;
	for (const char *p = s->cursor; p < to; p++)
		if (*p != '\0' && *p != ' ' && *p != '\t')
			return false;
	s->cursor = to;
	return true;
}

/* Checks one field's place in the raw block (a key outside it was
 * relocated by obs-fold handling). */
static void
scan_layout(struct scan *s, const char *key, size_t ks, const char *value, size_t vs)
{
	if (!s->start)
		return;
	if (!inside(s, key)) {
		s->why = "obsolete line folding is not accepted";
		return;
	}
	if (!gap_is_separators(s, key)) {
		s->why = "a header line holds a NUL byte";
		return;
	}
	s->cursor = key + ks;
	if (value && inside(s, value) && vs) {
		if (!gap_is_separators(s, value)) {
			s->why = "a header line holds a NUL byte";
			return;
		}
		s->cursor = value + vs;
	}
}

/* Counts a singleton header; a second one is the problem. */
static void
count_singleton(struct scan *s, const char *key)
{
	for (int i = 0; singletons[i]; i++)
		if (!strcasecmp(key, singletons[i]) && ++s->counts[i] > 1)
			s->why = "a header that may appear once appears twice";
}

/* Iterator over the request headers in received order. */
static enum MHD_Result
on_field(void *cls, enum MHD_ValueKind kind, const char *key, size_t ks, const char *value,
	 size_t vs)
{
	struct scan *s = cls;
	(void)kind;
	if (!is_token(key, ks))
		s->why = "a header name is not a token (whitespace before the colon?)";
	else if (value && !value_is_clean(value, vs))
		s->why = "a header value holds a bare CR";
	else
		scan_layout(s, key, ks, value, vs);
	if (!s->why)
		count_singleton(s, key);
	return s->why ? MHD_NO : MHD_YES;
}

/* Sets up the scan of the raw header block: it runs from the method to
 * MHD_CONNECTION_INFO_REQUEST_HEADER_SIZE bytes on, and the request line
 * (decoded in place) ends with the version string. */
static void
scan_init(struct scan *s, struct api_request *rq, const char *method, const char *version)
{
	memset(s, 0, sizeof *s);
	const union MHD_ConnectionInfo *ci =
		MHD_get_connection_info(rq->conn, MHD_CONNECTION_INFO_REQUEST_HEADER_SIZE);
	if (!ci || !method || !version)
		return;
	s->start = method;
	s->end = method + ci->header_size;
	const char *after = version + strlen(version);
	if (!inside(s, version) || !inside(s, after)) {
		s->start = s->end = NULL;	/* not the layout of 0.9.75: skip it */
		return;
	}
	s->cursor = after;
}

/* The framing headers themselves: one Content-Length of digits, or one
 * Transfer-Encoding that is exactly chunked, never both, and never in
 * HTTP/1.0 (RFC 9112 6.1), where a proxy would not read it. */
static void
check_framing(struct scan *s, struct api_request *rq, bool http10)
{
	struct MHD_Connection *c = rq->conn;
	const char *cl = MHD_lookup_connection_value(c, MHD_HEADER_KIND, "Content-Length");
	const char *te = MHD_lookup_connection_value(c, MHD_HEADER_KIND, "Transfer-Encoding");
	if (cl && te) {
		s->why = "send Content-Length or Transfer-Encoding, not both";
	} else if (cl && (!*cl || strspn(cl, "0123456789") != strlen(cl))) {
		s->why = "Content-Length must be a decimal number";
	} else if (te && http10) {	/* RFC 9112 6.1: faulty framing */
		s->why = "an HTTP/1.0 request may not use Transfer-Encoding";
	} else if (te && strcasecmp(te, "chunked")) {
		s->why = "only Transfer-Encoding: chunked is supported";
		s->close_only = true;
	}
}

#define MAX_QUERY_ARGS 64

struct args_seen {
	const char *keys[MAX_QUERY_ARGS];
	int n;
	const char *why;
};

/* Iterator over query arguments: remembers names, spots a repeat. */
static enum MHD_Result
note_arg(void *cls, enum MHD_ValueKind kind, const char *key, const char *value)
{
	struct args_seen *a = cls;
	(void)kind;
	(void)value;
	if (a->n == MAX_QUERY_ARGS) {
		a->why = "too many query parameters";
		return MHD_NO;
	}
	for (int i = 0; i < a->n; i++)
		if (!strcmp(a->keys[i], key)) {
			a->why = "a query parameter appears twice";
			return MHD_NO;
		}
	a->keys[a->n++] = key;
	return MHD_YES;
}

/* Every query parameter of this API takes one value: a repeated name would
 * let two layers read two different values. NULL, or what is wrong. */
static const char *
query_args_problem(struct api_request *rq)
{
	struct args_seen a = {.n = 0};
	MHD_get_connection_values(rq->conn, MHD_GET_ARGUMENT_KIND, note_arg, &a);
	return a.why;
}

/* Queues the problem and asks libmicrohttpd to close the connection after
 * it: what follows a bad frame cannot be trusted to be a request. */
static bool
refuse_and_close(struct api_request *rq, enum api_error e, const char *why)
{
	api_reply_error(rq, e, "%s", why);
	api_add_header(rq, "Connection", "close");
	return false;
}

/* What is wrong with the request target as sent, or NULL: an encoded NUL;
 * a control byte (a raw NUL cuts the target short, which the scan of the
 * request line finds); an encoded slash or backslash in the path, which
 * routing would decode into a separator that a proxy in front did not see. */
static const char *
target_problem(const char *raw_uri)
{
	if (!raw_uri)
		return NULL;
	if (strstr(raw_uri, "%00"))
		return "the URL holds an encoded NUL byte";
	for (const unsigned char *p = (const unsigned char *)raw_uri; *p; p++)
		if (*p < 0x20 || *p == 0x7f)
			return "the URL holds a control character";
	size_t path = strcspn(raw_uri, "?");
	for (size_t i = 0; i + 2 < path; i++)
		if (raw_uri[i] == '%' &&
		    ((raw_uri[i + 1] == '2' && (raw_uri[i + 2] == 'f' || raw_uri[i + 2] == 'F')) ||
		     (raw_uri[i + 1] == '5' && (raw_uri[i + 2] == 'c' || raw_uri[i + 2] == 'C'))))
			return "the path holds an encoded slash";
	return NULL;
}

/* The request line as sent runs method, target, version, separated by
 * spaces that the parser turned into NULs. Past the target as the URI
 * callback saw it (which a raw NUL cuts short) only separators may come
 * before the version. */
static bool
request_line_is_clean(const struct scan *s, const char *method, const char *raw_uri,
		      const char *version)
{
	if (!s->start || !raw_uri)
		return true;
	const char *target = method + strlen(method);
	while ((uintptr_t)target < (uintptr_t)version && (*target == '\0' || *target == ' '))
		target++;
	const char *after = target + strlen(raw_uri);
	if ((uintptr_t)after > (uintptr_t)version)
		return true;	/* not the layout expected: nothing to compare */
	for (const char *p = after; p < version; p++)
		if (*p != '\0' && *p != ' ')
			return false;
	return true;
}

/* See framing.h. */
bool
framing_check_or_reply(struct api_request *rq, const char *raw_uri, const char *method,
		       const char *version)
{
	const char *bad_target = target_problem(raw_uri);
	if (bad_target)
		return refuse_and_close(rq, E_BAD_REQUEST, bad_target);
	struct scan s;
	scan_init(&s, rq, method, version);
	if (!request_line_is_clean(&s, method, raw_uri, version))
		return refuse_and_close(rq, E_BAD_REQUEST, "the request line holds a NUL byte");
	MHD_get_connection_values_n(rq->conn, MHD_HEADER_KIND, on_field, &s);
	if (!s.why && s.start && !gap_is_separators(&s, s.end))
		s.why = "a header line holds a NUL byte";
	if (!s.why)
		check_framing(&s, rq, version && !strcmp(version, MHD_HTTP_VERSION_1_0));
	if (s.why)
		return refuse_and_close(rq, s.close_only ? E_NOT_IMPLEMENTED : E_BAD_REQUEST,
					    s.why);
	const char *bad = query_args_problem(rq);
	if (bad)
		return refuse_and_close(rq, E_INVALID_QUERY, bad);
	return true;
}

/* True unless the media type names a charset other than UTF-8 (the body
 * is parsed as UTF-8 whatever it claims). */
bool
framing_charset_is_utf8(const char *content_type)
{
	const char *p = content_type ? strchr(content_type, ';') : NULL;
	while (p) {
		p += 1 + strspn(p + 1, " \t");
		size_t n = strcspn(p, "=;");
		const char *next = strchr(p, ';');
		if (n == 7 && !strncasecmp(p, "charset", 7) && p[7] == '=') {
			const char *v = p + 8;
			size_t vn = next ? (size_t)(next - v) : strlen(v);
			while (vn && (v[vn - 1] == ' ' || v[vn - 1] == '\t'))
				vn--;
			if (vn >= 2 && v[0] == '"' && v[vn - 1] == '"') {
				v++;
				vn -= 2;
			}
			if (!((vn == 5 && !strncasecmp(v, "utf-8", 5)) ||
			      (vn == 4 && !strncasecmp(v, "utf8", 4))))
				return false;
		}
		p = next;
	}
	return true;
}
