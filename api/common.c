/* Audit context, database-status replies, pagination cursors, ETags. */
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include "api/common.h"
#include "api/config.h"
#include "api/spec.h"
#include "auth/principal.h"
#include "auth/scope.h"
#include "db/scheduling.h"
#include "base/crypto.h"
#include "base/text.h"

static unsigned char cursor_key[32];
static size_t cursor_key_len;

void
api_audit_ctx(struct api_request *rq, struct audit_ctx *ctx)
{
	ctx->org_id = rq->who ? rq->who->org_id : NULL;
	ctx->actor_type = !rq->who ? "system" : rq->who->kind == AUTH_USER ? "user" : "client";
	ctx->actor_id = rq->who ? rq->who->sub : NULL;
	ctx->request_id = rq->request_id;
	ctx->source = rq->remote_addr;
}

enum api_result
api_reply_db(struct api_request *rq, enum db_status st, const char *what)
{
	switch (st) {
	case DB_NONE:
		api_reply_error(rq, E_NOT_FOUND, "%s not found", what);
		break;
	case DB_CONFLICT:
		api_reply_error(rq, E_DUPLICATE, "a %s with these values exists already", what);
		break;
	case DB_FK:
		api_reply_error(rq, E_VALIDATION_FAILED, "a referenced resource does not exist");
		break;
	case DB_INVALID:
		api_reply_error(rq, E_VALIDATION_FAILED, "a value is out of range");
		break;
	case DB_STALE:
		api_reply_error(rq, E_PRECONDITION_FAILED, "the %s has changed since you read it",
				what);
		break;
	case DB_STATE:
		api_reply_error(rq, E_INVALID_STATE, "not allowed in the %s's current state", what);
		break;
	case DB_UNAVAILABLE:
		api_reply_error(rq, E_DB_UNAVAILABLE, "try again shortly");
		api_add_header(rq, "Retry-After", "2");
		break;
	case DB_BUSY:
	case DB_SOFT:	/* a deadlock inside an idempotent request's transaction */
		api_reply_error(rq, E_BUSY, "a concurrent change got in the way: try again");
		api_add_header(rq, "Retry-After", "1");
		break;
	default:
		api_reply_error(rq, E_INTERNAL, "see the server log for request %s", rq->request_id);
	}
	return API_REPLIED;
}

void
api_cursor_set_key(const unsigned char *key, size_t len)
{
	cursor_key_len = len < sizeof cursor_key ? len : sizeof cursor_key;
	memcpy(cursor_key, key, cursor_key_len);
}

/* The query arguments each list's cursor is bound to: a cursor continues
 * only the list, and the filtering, it came from. */
static const struct {
	const char *pattern;
	const char *names[10];	/* NULL-terminated */
} cursor_filters[] = {
	{"/v1/candidates", {"q", "order", "updated_after", "created_after", NULL}},
	{"/v1/loops", {"status", "candidate_id", "hiring_manager_id", "recruiter_id", "order",
		       "updated_after", "created_after", NULL}},
	{"/v1/me/rounds", {"from", "to", "order", NULL}},
	{"/v1/rounds", {"starts_after", "starts_before", "interviewer", "status", "order", NULL}},
	{"/v1/clients", {"order", NULL}},
	{"/v1/audit-events", {"entity_type", "entity_id", "actor_id", "action", "since", "until",
			      "order", NULL}},
	{"/v1/users", {"order", NULL}},
	{"/v1/people", {"role", "q", "order", NULL}},
	{"/v1/scorecards/overdue", {"order", NULL}},
	{"/v1/reports/interviewers", {"order", NULL}},
	{"/v1/rubrics", {"kind", NULL}},
};

/* What a cursor's MAC covers: the route pattern, then each filter of the
 * route that has a value as name=<length>:<value>; (an empty value counts
 * as absent), then the position. Lengths keep any two bindings apart. */
static char *
cursor_mac_text(struct api_request *rq, const char *position, size_t len)
{
	const char *pattern = rq->route ? rq->route->pattern : "";
	struct abuf b;
	abuf_init(&b, rq->arena);
	abuf_puts(&b, pattern);
	abuf_puts(&b, "\n");
	for (size_t i = 0; i < sizeof cursor_filters / sizeof cursor_filters[0]; i++) {
		if (strcmp(cursor_filters[i].pattern, pattern) != 0)
			continue;
		for (const char *const *name = cursor_filters[i].names; *name; name++) {
			const char *v = api_query(rq, *name);
			if (v && *v)
				abuf_printf(&b, "%s=%zu:%s;", *name, strlen(v), v);
		}
	}
	abuf_puts(&b, "\n");
	abuf_add(&b, position, len);
	return b.data;
}

/* position holds no NUL (api_cursor_read checks), nor does the rest. */
static void
cursor_mac(struct api_request *rq, const char *position, size_t len, unsigned char mac[32])
{
	const char *text = cursor_mac_text(rq, position, len);
	crypto_hmac_sha256(cursor_key, cursor_key_len, text, strlen(text), mac);
}

/* cursor = base64url(position) "." base64url(first 16 bytes of
 * HMAC(route, filters, position)) */
char *
api_cursor_make(struct api_request *rq, const char *text)
{
	unsigned char mac[32];
	cursor_mac(rq, text, strlen(text), mac);
	return arena_printf(rq->arena, "%s.%s", crypto_b64url_encode(rq->arena, text, strlen(text)),
			    crypto_b64url_encode(rq->arena, mac, 16));
}

char *
api_cursor_read(struct api_request *rq, const char *cursor)
{
	if (strlen(cursor) > 512)
		return NULL;
	const char *dot = strchr(cursor, '.');
	if (!dot)
		return NULL;
	size_t n, m;
	unsigned char *text = crypto_b64url_decode(rq->arena,
		arena_strndup(rq->arena, cursor, (size_t)(dot - cursor)), &n);
	unsigned char *mac = crypto_b64url_decode(rq->arena, dot + 1, &m);
	if (!text || !mac || m != 16 || memchr(text, 0, n))
		return NULL;
	unsigned char want[32];
	cursor_mac(rq, (const char *)text, n, want);
	return crypto_equal(want, mac, 16) ? (char *)text : NULL;
}

/* Plain decimal only: no sign, space or leading zero ("05", "+5", " 1"). */
static bool
parse_limit(const char *s, int *out)
{
	char *end;
	if (s[0] < '1' || s[0] > '9' || strspn(s, "0123456789") != strlen(s))
		return false;
	long v = strtol(s, &end, 10);
	if (*end || v < 1 || v > 200)
		return false;
	*out = (int)v;
	return true;
}

bool
api_limit_or_reply(struct api_request *rq, int *limit)
{
	*limit = 50;
	const char *text = api_query(rq, "limit");
	if (text && !parse_limit(text, limit)) {
		api_reply_error(rq, E_INVALID_QUERY, "limit must be a whole number from 1 to 200");
		return false;
	}
	return true;
}

bool
api_page_or_reply(struct api_request *rq, struct api_page *page)
{
	memset(page, 0, sizeof *page);
	if (!api_limit_or_reply(rq, &page->limit))
		return false;
	const char *cursor = api_query(rq, "cursor");
	if (!cursor)
		return true;
	char *text = api_cursor_read(rq, cursor);
	char *bar = text ? strchr(text, '|') : NULL;
	int64_t us;
	if (!bar) {
		api_reply_error(rq, E_INVALID_CURSOR, "use next_cursor from a previous page as it is");
		return false;
	}
	*bar = '\0';
	if (!text_parse_rfc3339(text, &us) || !text_is_uuid(bar + 1)) {
		api_reply_error(rq, E_INVALID_CURSOR, "use next_cursor from a previous page as it is");
		return false;
	}
	page->after_created = text;
	page->after_id = bar + 1;
	return true;
}

/* A time query filter: false with 400 queued when not RFC 3339. */
static bool
time_query(struct api_request *rq, const char *name, const char **out)
{
	int64_t us;
	*out = api_query(rq, name);
	if (*out && !text_parse_rfc3339(*out, &us)) {
		api_reply_error(rq, E_INVALID_QUERY, "%s must be an RFC 3339 date-time with an offset",
				name);
		return false;
	}
	return true;
}

bool
api_sync_page_or_reply(struct api_request *rq, struct api_page *page)
{
	return api_page_or_reply(rq, page) && api_sync_filters_or_reply(rq, page);
}

/* t is later than since (both RFC 3339; no since: true). */
static bool
later_than(const char *t, const char *since)
{
	int64_t a, b;
	return !since || (t && text_parse_rfc3339(t, &a) && text_parse_rfc3339(since, &b) && a > b);
}

bool
api_page_keeps(const struct api_page *page, const char *created_at, const char *updated_at)
{
	return later_than(created_at, page->created_after) &&
	       later_than(updated_at, page->updated_after);
}

bool
api_order_or_reply(struct api_request *rq, bool *desc)
{
	const char *order = api_query(rq, "order");
	*desc = order && !strcmp(order, "desc");
	if (order && strcmp(order, "asc") != 0 && !*desc) {
		api_reply_error(rq, E_INVALID_QUERY, "order must be asc or desc");
		return false;
	}
	return true;
}

bool
api_sync_filters_or_reply(struct api_request *rq, struct api_page *page)
{
	return api_order_or_reply(rq, &page->desc) && time_query(rq, "updated_after", &page->updated_after) &&
	       time_query(rq, "created_after", &page->created_after);
}

json_t *
api_page_json(struct api_request *rq, json_t *data, const char *last_created, const char *last_id)
{
	json_t *next = last_created && last_id
		? json_string(api_cursor_make(rq, arena_printf(rq->arena, "%s|%s", last_created, last_id)))
		: json_null();
	return json_pack("{s:o, s:o}", "data", data, "next_cursor", next);
}

void
api_set_etag(struct api_request *rq, int version)
{
	api_add_header(rq, "ETag", arena_printf(rq->arena, "\"%d\"", version));
}

bool
api_etag_listed(const char *header, const char *etag)
{
	size_t elen = strlen(etag);
	const char *p = header;
	while (*p) {
		while (*p == ' ' || *p == '\t' || *p == ',')
			p++;
		if (*p == '*')
			return true;
		if (!strncmp(p, "W/", 2))
			p += 2;
		size_t n = strcspn(p, ",");
		while (n && (p[n - 1] == ' ' || p[n - 1] == '\t'))
			n--;
		if (n == elen && !memcmp(p, etag, n))
			return true;
		p += strcspn(p, ",");
	}
	return false;
}

bool
api_not_modified(struct api_request *rq)
{
	const char *inm = api_header(rq, "If-None-Match");
	if (!inm || (strcmp(rq->method, "GET") != 0 && strcmp(rq->method, "HEAD") != 0))
		return false;
	for (int i = 0; i < rq->resp.nheaders; i++)
		if (!strcasecmp(rq->resp.headers[i].name, "ETag"))
			return api_etag_listed(inm, rq->resp.headers[i].value);
	return false;
}

bool
api_if_match_or_reply(struct api_request *rq, bool required, int *version)
{
	*version = 0;
	const char *h = api_header(rq, "If-Match");
	if (!h) {
		if (required) {
			api_reply_error(rq, E_PRECONDITION_REQUIRED,
					"send If-Match with the ETag of the version you read");
			return false;
		}
		return true;
	}
	while (*h == ' ' || *h == '\t')
		h++;
	if (!strcmp(h, "*"))		/* RFC 9110 13.1.1: any current version */
		return true;
	if (h[0] == 'W' && h[1] == '/') {	/* If-Match compares strongly: never true */
		api_reply_error(rq, E_PRECONDITION_FAILED,
				"If-Match takes a strong ETag such as \"3\", not a weak W/ one");
		return false;
	}
	/* the ETag as loopd writes it: no sign, space or leading zero ("+3", " 3", "03") */
	bool digits = h[0] == '"' && h[1] >= '1' && h[1] <= '9';
	char *end;
	long v = digits ? strtol(h + 1, &end, 10) : 0;
	if (!digits || v > INT_MAX || end[0] != '"' || end[1] != '\0') {
		api_reply_error(rq, E_PRECONDITION_FAILED, "If-Match must be an ETag such as \"3\"");
		return false;
	}
	*version = (int)v;
	return true;
}

char *
api_join_distinct(struct api_request *rq, json_t *arr)
{
	struct abuf b;
	abuf_init(&b, rq->arena);
	size_t i;
	json_t *v;
	json_array_foreach(arr, i, v) {
		const char *s = json_string_value(v);
		bool seen = false;
		for (size_t j = 0; j < i; j++)
			seen |= !strcmp(json_string_value(json_array_get(arr, j)), s);
		if (seen)
			continue;
		if (b.len)
			abuf_puts(&b, " ");
		abuf_puts(&b, s);
	}
	return b.data;
}

const char *
api_public_base(struct api_request *rq)
{
	size_t n = strlen(config.public_url);
	if (n && config.public_url[n - 1] == '/')
		n--;	/* "https://x/" and "https://x" are one base */
	return n ? arena_strndup(rq->arena, config.public_url, n)
		 : arena_printf(rq->arena, "http://%s", config.listen);
}

void
api_set_location(struct api_request *rq, const char *path)
{
	api_add_header(rq, "Location", path);
}

void
api_viewer(struct api_request *rq, struct db_viewer *v)
{
	const struct auth_principal *who = rq->who;
	v->org_id = who->org_id;
	v->user_id = who->kind == AUTH_USER ? who->sub : NULL;
	v->reach = 0;
	if (who->kind == AUTH_CLIENT || (who->roles & (AUTH_ROLE_ADMIN | AUTH_ROLE_RECRUITER)))
		v->reach |= DB_REACH_ALL;
	if (who->roles & AUTH_ROLE_HIRING_MANAGER)
		v->reach |= DB_REACH_MANAGED;
	if (who->roles & AUTH_ROLE_INTERVIEWER)
		v->reach |= DB_REACH_INTERVIEWS;
}

enum api_result
api_reply_refusal(struct api_request *rq, enum db_status st, const struct db_refusal *why,
		  const char *what)
{
	if (why->reason != DB_REFUSED_NONE)
		return api_reply_refused(rq, why);
	return api_reply_db(rq, st, what);
}

bool
api_has_word(const char *list, const char *word)
{
	size_t n = strlen(word);
	for (const char *p = list; n && p && (p = strstr(p, word)); p += n)
		if ((p == list || p[-1] == ' ') && (p[n] == ' ' || p[n] == '\0'))
			return true;
	return false;
}

json_t *
api_words_json(const char *text)
{
	json_t *list = json_array();
	for (const char *p = text; p && *p;) {
		size_t n = strcspn(p, " ");
		if (n)
			json_array_append_new(list, json_stringn(p, n));
		p += n + (p[n] == ' ');
	}
	return list;
}
