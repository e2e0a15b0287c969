/* The libmicrohttpd side: request lifecycle, early refusals, bodies,
 * dispatch, responses, the per-request log line and metrics. */
#include <assert.h>
#include <arpa/inet.h>
#include <microhttpd.h>
#include <stdatomic.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <unistd.h>
#include "api/authn.h"
#include "api/handlers.h"
#include "api/config.h"
#include "api/deadline.h"
#include "api/framing.h"
#include "api/hashing.h"
#include "api/http.h"
#include "api/idempotency.h"
#include "api/metrics.h"
#include "api/listen.h"
#include "api/proxy.h"
#include "api/server.h"
#include "api/spec.h"
#include "auth/password.h"
#include "auth/principal.h"
#include "base/crypto.h"
#include "base/log.h"
#include "base/text.h"
#include "db/db.h"

#define MAX_JSON_DEPTH 32

static struct MHD_Daemon *daemon_handle;
static struct MHD_Daemon *metrics_handle;
static atomic_int in_flight;
static int bound_port;
static int metrics_role;	/* its address marks the metrics listener's callbacks */
static bool metrics_on_api_port;	/* LOOP_METRICS_LISTEN == LOOP_LISTEN */

struct request_state {
	struct api_request rq;
	struct abuf body;
	size_t seen;		/* body bytes received, kept or not */
	bool replied;		/* a response was queued before the body */
	bool begun;		/* headers complete: the access handler has seen it */
	bool metrics_port;	/* arrived on the metrics listener */
	const char *raw_uri;	/* the request target as sent (before decoding) */
	/* A request handed to the hashing pool: the worker suspends the
	 * connection and queues job; the pool thread runs the handler, sets
	 * hashed (release) and resumes the connection; the worker, called
	 * again, sees hashed (acquire) and sends the reply. In between only
	 * the pool thread touches the request. */
	struct api_hashing_job job;
	atomic_bool hashed;
};

/* 12 random bytes for a request id. Ids need only be unique, yet a
 * RAND_bytes call per request (its generator's locking and reseed checks)
 * was 8% of loopd's CPU on GET /v1/me: each thread draws a batch at once. */
static void
request_id_bytes(unsigned char out[12])
{
	static _Thread_local unsigned char batch[12 * 256];
	static _Thread_local size_t used = sizeof batch;
	if (used == sizeof batch) {
		crypto_random(batch, sizeof batch);
		used = 0;
	}
	memcpy(out, batch + used, 12);
	used += 12;
}

static void
set_request_id(struct api_request *rq)
{
	const char *given = api_header(rq, "X-Request-Id");
	if (given && text_is_visible_ascii(given, 128))
		snprintf(rq->request_id, sizeof rq->request_id, "%s", given);
	else {
		unsigned char id[12];
		request_id_bytes(id);
		snprintf(rq->request_id, sizeof rq->request_id, "%s",
			 crypto_b64url_encode(rq->arena, id, sizeof id));
	}
}

struct forwarded {
	struct abuf all;	/* every X-Forwarded-For value, in order, joined by ", " */
	bool seen;
};

static enum MHD_Result
note_forwarded(void *cls, enum MHD_ValueKind kind, const char *key, const char *value)
{
	struct forwarded *f = cls;
	if (strcasecmp(key, "X-Forwarded-For") != 0)
		return MHD_YES;
	if (f->seen)
		abuf_puts(&f->all, ", ");
	abuf_puts(&f->all, value ? value : "");
	f->seen = true;
	return MHD_YES;
}

/* The client's address behind a trusted proxy (LOOP_TRUSTED_PROXIES),
 * from X-Forwarded-For; peer's when it is not one or the header is bad. */
static void
forwarded_client(struct api_request *rq, const struct sockaddr *sa, char *buf, size_t n)
{
	struct api_net_addr peer = {.family = sa->sa_family};
	if (sa->sa_family == AF_INET)
		memcpy(peer.bytes, &((const struct sockaddr_in *)sa)->sin_addr, 4);
	else
		memcpy(peer.bytes, &((const struct sockaddr_in6 *)sa)->sin6_addr, 16);
	char text[INET6_ADDRSTRLEN];
	inet_ntop(peer.family, peer.bytes, text, sizeof text);
	api_net_addr_parse(text, strlen(text), &peer);	/* ::ffff:a.b.c.d as a.b.c.d */
	if (!api_proxy_list_contains(&api_trusted_proxies, &peer))
		return;
	struct forwarded f = {.seen = false};
	abuf_init(&f.all, rq->arena);
	MHD_get_connection_values(rq->conn, MHD_HEADER_KIND, note_forwarded, &f);
	struct api_net_addr client = api_proxy_client(&api_trusted_proxies, &peer,
						      f.seen ? f.all.data : NULL);
	inet_ntop(client.family, client.bytes, buf, (socklen_t)n);
}

/* rq->remote_addr: the TCP peer's address, or the client's behind a
 * trusted proxy. Throttles and audit events key on it. */
static void
set_remote_addr(struct api_request *rq)
{
	const union MHD_ConnectionInfo *ci =
		MHD_get_connection_info(rq->conn, MHD_CONNECTION_INFO_CLIENT_ADDRESS);
	char buf[INET6_ADDRSTRLEN] = "";
	if (ci && ci->client_addr) {
		const struct sockaddr *sa = ci->client_addr;
		if (sa->sa_family == AF_INET)
			inet_ntop(AF_INET, &((const struct sockaddr_in *)sa)->sin_addr, buf, sizeof buf);
		else if (sa->sa_family == AF_INET6)
			inet_ntop(AF_INET6, &((const struct sockaddr_in6 *)sa)->sin6_addr, buf, sizeof buf);
		if (api_trusted_proxies.n && (sa->sa_family == AF_INET || sa->sa_family == AF_INET6))
			forwarded_client(rq, sa, buf, sizeof buf);
	}
	rq->remote_addr = arena_strdup(rq->arena, buf);
}

/* True when the param named in the pattern at position i must be a UUID. */
static bool
param_is_id(const char *pattern, int i)
{
	const char *p = pattern;
	for (int k = 0; (p = strchr(p, '{')); k++, p++) {
		if (k != i)
			continue;
		size_t n = strcspn(p + 1, "}");
		return (n == 2 && !strncmp(p + 1, "id", 2)) || (n > 3 && !strncmp(p + 1 + n - 3, "_id", 3));
	}
	return false;
}

static bool
media_type_is(const char *header, const char *type)
{
	if (!header)
		return false;
	size_t n = strlen(type);
	while (*header == ' ')
		header++;
	return strncasecmp(header, type, n) == 0 &&
	       (header[n] == '\0' || header[n] == ';' || header[n] == ' ');
}

static bool
has_body(struct api_request *rq)
{
	const char *cl = api_header(rq, "Content-Length");
	const char *te = api_header(rq, "Transfer-Encoding");
	return (cl && strtoull(cl, NULL, 10) > 0) || te;
}

static enum MHD_Result
utf8_arg(void *cls, enum MHD_ValueKind kind, const char *key, const char *value)
{
	bool *ok = cls;
	*ok = *ok && text_is_utf8(key, strlen(key)) && (!value || text_is_utf8(value, strlen(value)));
	return *ok ? MHD_YES : MHD_NO;
}

/* The path and every query argument must be UTF-8 (they reach JSON and SQL). */
static bool
url_is_utf8(struct api_request *rq)
{
	bool ok = text_is_utf8(rq->path, strlen(rq->path));
	if (ok)
		MHD_get_connection_values(rq->conn, MHD_GET_ARGUMENT_KIND, utf8_arg, &ok);
	return ok;
}

/* /metrics is served on the metrics listener only (unless it shares the
 * API's address), and the metrics listener serves nothing else. */
static bool
route_served_here(struct api_request *rq)
{
	struct request_state *st = (struct request_state *)rq;
	bool metrics = rq->route->handler == api_metrics;
	if (st->metrics_port)
		return metrics;
	return !metrics || metrics_on_api_port;
}

/* Checks that need only the headers: route, path ids, credentials, body
 * size and media type. False when a reply was set. */
static bool
check_headers(struct api_request *rq)
{
	const char *allow;
	if (!url_is_utf8(rq)) {
		api_reply_error(rq, E_BAD_REQUEST, "the URL is not valid UTF-8");
		return false;
	}
	rq->route_index = api_route_match(rq->arena, rq->method, rq->path, rq->params,
					  &rq->nparams, &allow);
	if (rq->route_index < 0) {
		if (!allow) {
			api_reply_error(rq, E_NOT_FOUND, "no resource at %s", rq->path);
			return false;
		}
		api_reply_error(rq, E_METHOD_NOT_ALLOWED, "%s does not support %s", rq->path,
				rq->method);
		api_add_header(rq, "Allow", allow);
		return false;
	}
	rq->route = &api_routes[rq->route_index];
	if (!route_served_here(rq)) {
		api_reply_error(rq, E_NOT_FOUND, "no resource at %s", rq->path);
		return false;
	}
	for (int i = 0; i < rq->nparams; i++)
		if (param_is_id(rq->route->pattern, i) && !text_is_uuid(rq->params[i])) {
			api_reply_error(rq, E_INVALID_PATH_ID, "'%s' is not a UUID", rq->params[i]);
			return false;
		}
	if (!(rq->route->flags & ROUTE_PUBLIC) && !api_authenticate_or_reply(rq))
		return false;
	const char *cl = api_header(rq, "Content-Length");
	if (cl && strtoull(cl, NULL, 10) > (unsigned long long)config.max_body) {
		api_reply_error(rq, E_BODY_TOO_LARGE, "the body may be at most %ld bytes",
				config.max_body);
		return false;
	}
	if ((rq->route->flags & (ROUTE_JSON | ROUTE_FORM)) && has_body(rq)) {
		bool json = rq->route->flags & ROUTE_JSON;
		const char *want = json ? "application/json" : "application/x-www-form-urlencoded";
		const char *ct = api_header(rq, "Content-Type");
		if (!media_type_is(ct, want)) {
			api_reply_error(rq, json ? E_UNSUPPORTED_MEDIA : E_UNSUPPORTED_FORM,
					"send the body as %s", want);
			return false;
		}
		if (!framing_charset_is_utf8(ct)) {
			api_reply_error(rq, E_UNSUPPORTED_MEDIA, "send the body in UTF-8 (charset=utf-8)");
			return false;
		}
	}
	return true;
}

/* The name of the member whose value jansson stopped in at byte pos of
 * the body (the nearest "name": before it), or "body". */
static const char *
member_before(struct api_request *rq, int pos)
{
	const char *b = rq->body;
	int i = pos < (int)rq->body_len ? pos : (int)rq->body_len;
	while (i > 0 && b[i - 1] != ':')
		i--;
	for (i--; i > 0 && b[i - 1] && strchr(" \t\r\n", b[i - 1]); i--)
		;
	if (i < 2 || b[i - 1] != '"')
		return "body";
	int end = i - 1, start = end;
	while (start > 0 && b[start - 1] != '"')
		start--;
	return start > 0 && end > start ? arena_strndup(rq->arena, b + start, (size_t)(end - start))
					: "body";
}

/* jansson refuses numbers beyond int64 and double ("too big integer",
 * "real number overflow"): valid JSON, so a 422 naming the member. */
static bool
number_in_range_or_reply(struct api_request *rq, const json_error_t *err)
{
	if (!strstr(err->text, "too big") && !strstr(err->text, "overflow"))
		return true;
	json_t *errors = json_array();
	spec_error(errors, member_before(rq, err->position), "range", "the number is out of range");
	api_reply_invalid(rq, errors);
	return false;
}

static bool
parse_json_or_reply(struct api_request *rq)
{
	if (text_json_depth(rq->body, rq->body_len) > MAX_JSON_DEPTH) {
		api_reply_error(rq, E_JSON_TOO_DEEP, "JSON may nest at most %d levels", MAX_JSON_DEPTH);
		return false;
	}
	json_error_t err;
	rq->json = api_own(rq, json_loadb(rq->body, rq->body_len, JSON_REJECT_DUPLICATES, &err));
	if (!rq->json) {
		if (!number_in_range_or_reply(rq, &err))
			return false;
		api_reply_error(rq, E_MALFORMED_JSON, "%s (at byte %d)", err.text, err.position);
		return false;
	}
	return true;
}

/* A handler queues exactly one reply: none, or a second one that silently
 * replaced the first, is a programming error (fatal in debug builds). */
static void
check_one_reply(struct api_request *rq, enum api_result r)
{
	if (r == API_REPLIED && rq->replies == 1)
		return;
	char n[16];
	snprintf(n, sizeof n, "%d", rq->replies);
	log_kv(LOG_ERROR, "a handler must queue exactly one reply", "route", rq->route->pattern,
	       "replies", n, NULL);
	assert(!"a handler must queue exactly one reply");
	if (!rq->replies)
		api_reply_error(rq, E_INTERNAL, "the handler gave no answer");
}

/* Runs the handler inside its idempotency window, on this thread's
 * database connection. A request deferred to the hashing pool has queued
 * no reply: its idempotency transaction (empty so far) is rolled back, and
 * the pool thread begins it again. */
static void
run_handler(struct api_request *rq)
{
	rq->db = db_thread();
	db_mark_busy(rq->db, true);
	struct api_idempotency idem;
	if (api_idempotency_begin(rq, &idem)) {
		enum api_result r = rq->route->handler(rq);
		if (rq->deferred && rq->replies) {
			log_kv(LOG_ERROR, "a handler replied after deferring to the hashing pool",
			       "route", rq->route->pattern, NULL);
			assert(!"a handler replied after deferring to the hashing pool");
			rq->deferred = false;
			api_hashing_unreserve();
		}
		if (!rq->deferred)
			check_one_reply(rq, r);
		if (idem.key)
			api_idempotency_end(rq, &idem);
	}
	db_mark_busy(rq->db, false);
}

static void
dispatch(struct api_request *rq)
{
	if (rq->body_too_large) {
		api_reply_error(rq, E_BODY_TOO_LARGE, "the body may be at most %ld bytes",
				config.max_body);
		return;
	}
	if ((rq->route->flags & ROUTE_JSON) && rq->body_len > 0 && !parse_json_or_reply(rq))
		return;
	run_handler(rq);
}

bool
api_hashing_or_defer(struct api_request *rq)
{
	if (api_hashing_here())
		return true;
	if (rq->deferred)
		return false;
	if (!api_hashing_reserve()) {
		api_reply_error(rq, E_BUSY, "too many logins at once: try again shortly");
		api_add_header(rq, "Retry-After", "1");
		return false;
	}
	rq->deferred = true;
	return false;
}

/* A pool thread's job: the handler again, from its start, with a fresh
 * reply; then the connection is handed back to its worker. */
static void
run_on_pool(struct api_hashing_job *job)
{
	struct request_state *st = (struct request_state *)((char *)job -
							    offsetof(struct request_state, job));
	struct api_request *rq = &st->rq;
	struct MHD_Connection *c = rq->conn;
	rq->deferred = false;
	rq->replies = 0;
	rq->resp = (struct api_response){.error = E__COUNT};
	memset(rq->secret_members, 0, sizeof rq->secret_members);
	run_handler(rq);
	atomic_store_explicit(&st->hashed, true, memory_order_release);
	MHD_resume_connection(c);	/* st may be gone from here on */
}

static enum MHD_Result
queue(struct request_state *st)
{
	struct api_request *rq = &st->rq;
	struct api_response *r = &rq->resp;
	api_console_secure(rq);
	api_authorize_secure(rq);
	/* The body lives in the request's arena (or is static), which
	 * on_completed releases only after the response is sent: no copy. */
	struct MHD_Response *resp =
		MHD_create_response_from_buffer(r->len, (void *)r->body, MHD_RESPMEM_PERSISTENT);
	if (!resp)
		return MHD_NO;
	if (r->content_type)
		MHD_add_response_header(resp, "Content-Type", r->content_type);
	MHD_add_response_header(resp, "X-Request-Id", rq->request_id);
	bool cache_set = false, retry_set = false;
	for (int i = 0; i < r->nheaders; i++) {
		MHD_add_response_header(resp, r->headers[i].name, r->headers[i].value);
		cache_set |= !strcasecmp(r->headers[i].name, "Cache-Control");
		retry_set |= !strcasecmp(r->headers[i].name, "Retry-After");
	}
	if (!cache_set)
		MHD_add_response_header(resp, "Cache-Control", "no-store");
	if (!retry_set && (r->status == 503 || r->status == 429))
		MHD_add_response_header(resp, "Retry-After", "1");
	MHD_add_response_header(resp, "X-Content-Type-Options", "nosniff");
	enum MHD_Result ok = MHD_queue_response(rq->conn, (unsigned)r->status, resp);
	MHD_destroy_response(resp);
	st->replied = true;
	return ok;
}

/* MHD_OPTION_URI_LOG_CALLBACK: a request line arrived. Makes the
 * request's state (owned by its arena, freed in on_completed) and starts
 * its header deadline. */
static void *
on_request_line(void *cls, const char *uri, struct MHD_Connection *c)
{
	struct arena *a = arena_create();
	struct request_state *st = arena_alloc(a, sizeof *st);
	struct api_request *rq = &st->rq;
	rq->arena = a;
	rq->conn = c;
	rq->started_us = text_now_monotonic_us();
	rq->method = "";
	rq->path = "";
	rq->route_index = -1;
	rq->resp.error = E__COUNT;
	abuf_init(&st->body, a);
	st->raw_uri = uri ? arena_strdup(a, uri) : NULL;
	st->metrics_port = cls == &metrics_role;
	atomic_fetch_add(&in_flight, 1);
	deadline_request_line(c);
	return st;
}

/* The headers are complete: fills in what needs them. */
static void
begin_request(struct request_state *st, const char *url, const char *method)
{
	struct api_request *rq = &st->rq;
	st->begun = true;
	rq->method = arena_strdup(rq->arena, method);
	rq->path = arena_strdup(rq->arena, url);
	set_request_id(rq);
	set_remote_addr(rq);
	deadline_headers_done(rq->conn);
}

/* Keeps the body while it fits the cap. Past it, the rest is counted and
 * dropped (413 once it ends); far past it, the connection is closed, so a
 * chunked upload cannot keep a worker reading forever. False to close. */
static bool
take_body(struct request_state *st, const char *data, size_t n)
{
	st->seen += n;
	if (st->seen > 2 * (size_t)config.max_body + 65536)
		return false;
	if (st->body.len + n > (size_t)config.max_body) {
		st->rq.body_too_large = true;
		return true;
	}
	abuf_add(&st->body, data, n);
	return true;
}

static enum MHD_Result
on_request(void *cls, struct MHD_Connection *c, const char *url, const char *method,
	   const char *version, const char *upload, size_t *upload_size, void **con_cls)
{
	struct request_state *st = *con_cls;
	if (!st)
		*con_cls = st = on_request_line(cls, NULL, c);
	if (!st->begun) {
		begin_request(st, url, method);
		if (!framing_check_or_reply(&st->rq, st->raw_uri, method, version) ||
		    !check_headers(&st->rq))
			return queue(st);
		return MHD_YES;
	}
	if (st->replied) {
		*upload_size = 0;
		return MHD_YES;
	}
	if (atomic_load_explicit(&st->hashed, memory_order_acquire))
		return queue(st);	/* resumed: a hashing thread ran the handler */
	if (*upload_size) {
		bool keep = take_body(st, upload, *upload_size);
		*upload_size = 0;
		deadline_body_progress(c, st->seen);
		return keep ? MHD_YES : MHD_NO;
	}
	deadline_body_done(c);
	st->rq.body = st->body.len ? st->body.data : NULL;
	st->rq.body_len = st->body.len;
	dispatch(&st->rq);
	if (st->rq.deferred) {
		/* Suspended first: the pool may resume it at once. */
		MHD_suspend_connection(c);
		st->job.run = run_on_pool;
		api_hashing_submit(&st->job);
		return MHD_YES;
	}
	return queue(st);
}

static void
log_request(struct api_request *rq, int64_t us)
{
	struct abuf b;
	abuf_init(&b, rq->arena);
	abuf_printf(&b, "{\"time\":\"%s\",\"level\":\"info\",\"msg\":\"request\",\"request_id\":\"",
		    text_format_rfc3339(rq->arena, text_now_us() / 1000 * 1000));
	text_json_escape(&b, rq->request_id);
	abuf_puts(&b, "\",\"method\":\"");
	text_json_escape(&b, rq->method);
	abuf_puts(&b, "\",\"route\":\"");
	text_json_escape(&b, rq->route ? rq->route->pattern : "unmatched");
	abuf_printf(&b, "\",\"status\":%d,\"duration_ms\":%.3f", rq->resp.status, (double)us / 1000.0);
	if (rq->resp.error != E__COUNT)
		abuf_printf(&b, ",\"code\":\"%s\"", api_error_code(rq->resp.error));
	if (rq->who) {
		abuf_printf(&b, ",\"org\":\"%s\",\"subject\":\"%s\"", rq->who->org_id, rq->who->sub);
	}
	abuf_puts(&b, "}\n");
	log_raw(b.data, b.len);
}

static void
on_completed(void *cls, struct MHD_Connection *c, void **con_cls,
	     enum MHD_RequestTerminationCode toe)
{
	struct request_state *st = *con_cls;
	if (!st)
		return;
	struct api_request *rq = &st->rq;
	deadline_request_done(c);
	if (!st->begun) {	/* refused by libmicrohttpd, or cut off in the headers */
		arena_destroy(rq->arena);
		*con_cls = NULL;
		atomic_fetch_sub(&in_flight, 1);
		return;
	}
	int64_t us = text_now_monotonic_us() - rq->started_us;
	metrics_observe(rq->route_index, rq->method, rq->resp.status, us);
	if (log_enabled(LOG_INFO))
		log_request(rq, us);
	arena_destroy(rq->arena);
	*con_cls = NULL;
	atomic_fetch_sub(&in_flight, 1);
}

static void on_mhd_log(void *cls, const char *fmt, va_list ap) __attribute__((format(printf, 2, 0)));

static void
on_mhd_log(void *cls, const char *fmt, va_list ap)
{
	char msg[512];
	vsnprintf(msg, sizeof msg, fmt, ap);
	msg[strcspn(msg, "\n")] = '\0';
	log_kv(LOG_WARN, "http", "detail", msg, NULL);
}

/* Starts the metrics listener (config.metrics_listen): one thread, a few
 * connections, the same request path as the API. */
static bool
start_metrics(void)
{
	if (!*config.metrics_listen || metrics_on_api_port)
		return true;
	struct sockaddr_storage addr;
	bool v6 = false;
	if (!listen_resolve(config.metrics_listen, &addr, &v6)) {
		log_kv(LOG_ERROR, "cannot resolve the metrics address", "metrics_listen",
		       config.metrics_listen, NULL);
		return false;
	}
	metrics_handle = MHD_start_daemon(
		MHD_USE_INTERNAL_POLLING_THREAD | MHD_USE_ERROR_LOG | (v6 ? MHD_USE_IPv6 : 0), 0,
		NULL, NULL, on_request, &metrics_role,
		MHD_OPTION_EXTERNAL_LOGGER, on_mhd_log, NULL,
		MHD_OPTION_SOCK_ADDR, (struct sockaddr *)&addr,
		MHD_OPTION_STRICT_FOR_CLIENT, (int)1,
		MHD_OPTION_CONNECTION_TIMEOUT, (unsigned)config.header_timeout,
		MHD_OPTION_CONNECTION_LIMIT, (unsigned)16,
		MHD_OPTION_CONNECTION_MEMORY_LIMIT, (size_t)32768,
		MHD_OPTION_LISTENING_ADDRESS_REUSE, 1,
		MHD_OPTION_URI_LOG_CALLBACK, on_request_line, &metrics_role,
		MHD_OPTION_NOTIFY_COMPLETED, on_completed, NULL,
		MHD_OPTION_END);
	if (!metrics_handle) {
		log_kv(LOG_ERROR, "cannot listen", "metrics_listen", config.metrics_listen, NULL);
		return false;
	}
	log_kv(LOG_INFO, "metrics listening", "metrics_listen", config.metrics_listen, NULL);
	return true;
}

bool
server_start(void)
{
	struct sockaddr_storage addr;
	bool v6 = false;
	if (!listen_resolve(config.listen, &addr, &v6)) {
		log_kv(LOG_ERROR, "cannot resolve the listen address", "listen", config.listen, NULL);
		return false;
	}
	/* Read by every worker: set before the first one starts. */
	metrics_on_api_port = !strcmp(config.metrics_listen, config.listen);
	/* A worker waits on its own database connection for most of a request,
	 * and a connection stays on the worker that accepted it: four per core
	 * keep the cores busy however the connections happen to spread
	 * (measured: 2 workers on 2 cores gave 3-15k req/s run to run, 8 gave
	 * 9-14k; see scripts/bench). */
	listen_raise_fd_limit(config.max_conns + 2 * 4 * sysconf(_SC_NPROCESSORS_ONLN) + 256);
	long threads = config.threads > 0 ? config.threads : 4 * sysconf(_SC_NPROCESSORS_ONLN);
	unsigned flags = MHD_USE_EPOLL_INTERNAL_THREAD | MHD_USE_ITC | MHD_ALLOW_SUSPEND_RESUME |
			 MHD_USE_ERROR_LOG | (v6 ? MHD_USE_IPv6 : 0);
	/* The hashing pool first: a worker may hand it a request at once. */
	long hashers = config.hash_threads > 0 ? config.hash_threads : api_hashing_default_threads();
	auth_password_slots((unsigned)hashers);
	if (!api_hashing_start((int)hashers, (int)config.hash_queue))
		return false;
	daemon_handle = MHD_start_daemon(flags, 0, NULL, NULL, on_request, NULL,
		MHD_OPTION_EXTERNAL_LOGGER, on_mhd_log, NULL,
		MHD_OPTION_SOCK_ADDR, (struct sockaddr *)&addr,
		MHD_OPTION_THREAD_POOL_SIZE, (unsigned)(threads > 0 ? threads : 2),
		MHD_OPTION_CONNECTION_TIMEOUT, (unsigned)config.conn_timeout,
		MHD_OPTION_CONNECTION_LIMIT, (unsigned)config.max_conns,
		MHD_OPTION_PER_IP_CONNECTION_LIMIT, (unsigned)config.max_conns_per_ip,
		MHD_OPTION_CONNECTION_MEMORY_LIMIT, (size_t)config.conn_memory,
		MHD_OPTION_LISTENING_ADDRESS_REUSE, 1,
		MHD_OPTION_STRICT_FOR_CLIENT, (int)1,
		MHD_OPTION_URI_LOG_CALLBACK, on_request_line, NULL,
		MHD_OPTION_NOTIFY_CONNECTION, deadline_on_connection, NULL,
		MHD_OPTION_NOTIFY_COMPLETED, on_completed, NULL,
		MHD_OPTION_END);
	if (!daemon_handle) {
		log_kv(LOG_ERROR, "cannot listen", "listen", config.listen, NULL);
		return false;
	}
	const union MHD_DaemonInfo *di = MHD_get_daemon_info(daemon_handle, MHD_DAEMON_INFO_BIND_PORT);
	bound_port = di ? di->port : 0;
	char port[16];
	snprintf(port, sizeof port, "%d", bound_port);
	log_kv(LOG_INFO, "listening", "listen", config.listen, "port", port, NULL);
	return deadline_start() && start_metrics();
}

int
server_port(void)
{
	return bound_port;
}

void
server_stop(void)
{
	if (!daemon_handle)
		return;
	MHD_socket s = MHD_quiesce_daemon(daemon_handle);
	if (s != MHD_INVALID_SOCKET)
		close(s);
	int64_t deadline = text_now_monotonic_us() + config.drain_timeout * 1000000;
	while (atomic_load(&in_flight) > 0 && text_now_monotonic_us() < deadline)
		usleep(10000);
	/* Every request handed to the hashing pool is run and its connection
	 * resumed before the daemon stops: stopping with a connection still
	 * suspended is an API violation in libmicrohttpd. */
	api_hashing_stop();
	MHD_stop_daemon(daemon_handle);
	daemon_handle = NULL;
	if (metrics_handle)
		MHD_stop_daemon(metrics_handle);
	metrics_handle = NULL;
	deadline_stop();
}
