/* The audit log: listing events and verifying the org's hash chain. */
#include <stdlib.h>
#include <string.h>
#include "api/common.h"
#include "api/handlers.h"
#include "auth/principal.h"
#include "base/text.h"
#include "db/audit.h"

/* Reads ?name= as an RFC 3339 time; false with 400 queued when invalid. */
static bool
time_query(struct api_request *rq, const char *name, const char **out)
{
	int64_t us;
	*out = api_query(rq, name);
	if (*out && !text_parse_rfc3339(*out, &us)) {
		api_reply_error(rq, E_INVALID_QUERY, "%s must be an RFC 3339 date-time", name);
		return false;
	}
	if (*out)
		*out = text_format_rfc3339(rq->arena, us);	/* exactly the instant checked */
	return true;
}

static bool
filter_or_reply(struct api_request *rq, struct audit_filter *f)
{
	memset(f, 0, sizeof *f);
	f->entity_type = api_query(rq, "entity_type");
	f->entity_id = api_query(rq, "entity_id");
	f->actor_id = api_query(rq, "actor_id");
	f->action = api_query(rq, "action");
	if (f->actor_id && !text_is_uuid(f->actor_id)) {
		api_reply_error(rq, E_INVALID_QUERY, "actor_id must be a UUID");
		return false;
	}
	if (!time_query(rq, "since", &f->since) || !time_query(rq, "until", &f->until))
		return false;
	const char *cursor = api_query(rq, "cursor");
	if (cursor) {
		char *text = api_cursor_read(rq, cursor);
		char *end;
		if (!text || strncmp(text, "seq|", 4) != 0 ||
		    (f->after_seq = strtoll(text + 4, &end, 10)) < 0 || *end) {
			api_reply_error(rq, E_INVALID_CURSOR, "use next_cursor from a previous page as it is");
			return false;
		}
	}
	if (!api_limit_or_reply(rq, &f->limit) || !api_order_or_reply(rq, &f->desc))
		return false;
	f->limit++;	/* one more than shown tells whether a next page exists */
	return true;
}

/* A JSON string, or null for NULL (a new reference). */
static json_t *
str_or_null(const char *s)
{
	return s ? json_string(s) : json_null();
}

/* An event as the API serves it (a new reference). */
static json_t *
event_json(const struct db_audit_event *e)
{
	json_t *changes = json_loads(e->changes, 0, NULL);
	json_t *j = json_object();
	json_object_set_new(j, "seq", json_integer(e->seq));
	json_object_set_new(j, "occurred_at", json_string(e->occurred_at));
	json_object_set_new(j, "actor_type", json_string(e->actor_type));
	json_object_set_new(j, "actor_id", str_or_null(e->actor_id));
	json_object_set_new(j, "action", json_string(e->action));
	json_object_set_new(j, "entity_type", json_string(e->entity_type));
	json_object_set_new(j, "entity_id", str_or_null(e->entity_id));
	json_object_set_new(j, "request_id", str_or_null(e->request_id));
	json_object_set_new(j, "source", str_or_null(e->source));
	json_object_set_new(j, "changes", changes ? changes : json_object());
	json_object_set_new(j, "prev_hash", json_string(e->prev_hash));
	json_object_set_new(j, "hash", json_string(e->hash));
	if (e->count)
		json_object_set_new(j, "count", json_integer(e->count));
	return j;
}

/* GET /v1/audit-events */
enum api_result
api_audit_list(struct api_request *rq)
{
	struct audit_filter f;
	if (!filter_or_reply(rq, &f))
		return API_REPLIED;
	struct db_audit_event *events;
	int n;
	enum db_status st = db_audit_list(rq->db, rq->arena, rq->who->org_id, &f, &events, &n);
	if (st != DB_OK)
		return api_reply_db(rq, st, "audit event");
	int shown = n == f.limit ? n - 1 : n;	/* one more than shown: another page */
	json_t *data = json_array();
	for (int i = 0; i < shown; i++)
		json_array_append_new(data, event_json(&events[i]));
	json_t *next = n == f.limit
		? json_string(api_cursor_make(rq, arena_printf(rq->arena, "seq|%lld",
							       (long long)events[shown - 1].seq)))
		: json_null();
	return api_reply_json(rq, 200, json_pack("{s:o, s:o}", "data", data, "next_cursor", next));
}

/* The verdict as the API and the CLI show it (a new reference). */
json_t *
api_audit_verdict_json(const struct audit_verdict *v)
{
	json_t *brk = v->ok ? json_null()
			    : json_pack("{s:I, s:s}", "seq", (json_int_t)v->break_seq, "reason", v->reason);
	return json_pack("{s:b, s:I, s:{s:I, s:s?}, s:o}", "ok", v->ok, "events_checked",
			 (json_int_t)v->checked, "head", "seq", (json_int_t)v->head_seq, "hash",
			 v->head_hash, "first_break", brk);
}

/* GET /v1/audit-events/verify */
enum api_result
api_audit_verify(struct api_request *rq)
{
	struct audit_verdict v;
	enum db_status st = db_audit_verify(rq->db, rq->arena, rq->who->org_id, &v);
	if (st != DB_OK)
		return api_reply_db(rq, st, "audit chain");
	return api_reply_json(rq, 200, api_audit_verdict_json(&v));
}
