/* Webhook subscriptions (admins, or clients with webhooks:admin) and their
 * deliveries. Delivery itself is hooks/'s. */
#include <string.h>
#include "api/common.h"
#include "api/config.h"
#include "api/handlers.h"
#include "api/spec.h"
#include "auth/principal.h"
#include "db/webhooks.h"
#include "hooks/hooks.h"

#define ROTATION_OVERLAP_S (24 * 3600)	/* the old secret signs this long after a rotation */
#define FAILING_AFTER 3	/* consecutive failed attempts that flag a subscription */

static const char *const event_names[] = {"*", "candidate.created", "candidate.erased",
	"loop.created", "loop.status_changed", "loop.cancelled", "loop.decided", "round.scheduled",
	"round.rescheduled", "round.cancelled", "scorecard.submitted", "scorecard.amended",
	"scorecard.overdue", "ping", NULL};

static const struct spec_field create_spec[] = {
	{"url", SPEC_STRING, SPEC_REQUIRED, 1, 2048},
	{"events", SPEC_ARRAY, SPEC_REQUIRED, 1, 14, .item_type = SPEC_STRING,
	 .item_enums = event_names},
	{"description", SPEC_STRING, SPEC_NULLABLE, 0, 500},
	{NULL},
};

static const struct spec_field patch_spec[] = {
	{"url", SPEC_STRING, 0, 1, 2048},
	{"events", SPEC_ARRAY, 0, 1, 14, .item_type = SPEC_STRING, .item_enums = event_names},
	{"description", SPEC_STRING, SPEC_NULLABLE, 0, 500},
	{"enabled", SPEC_BOOLEAN, 0},
	{NULL},
};

/* A JSON string, or null for NULL. */
static json_t *
nullable(const char *s)
{
	return s ? json_string(s) : json_null();
}

/* A subscription as the API shows it (never its secret); a new reference. */
static json_t *
webhook_json(const struct db_webhook *w)
{
	return json_pack("{s:s, s:s, s:o, s:o, s:b, s:b, s:i, s:o, s:o, s:i, s:s, s:s}",
			 "id", w->id, "url", w->url, "events", api_words_json(w->events),
			 "description", nullable(w->description), "enabled", w->enabled,
			 "failing", w->failures >= FAILING_AFTER, "failures", w->failures,
			 "failing_since", nullable(w->failing_since), "disabled_reason",
			 nullable(w->disabled_reason), "version", w->version, "created_at",
			 w->created_at, "updated_at", w->updated_at);
}

/* The reply carrying a new secret: shown here once, never stored replies. */
static enum api_result
reply_with_secret(struct api_request *rq, int status, const struct db_webhook *w)
{
	json_t *body = webhook_json(w);
	json_object_set_new(body, "secret", json_string(w->secret));
	rq->secret_members[0] = "secret";
	api_set_etag(rq, w->version);
	return api_reply_json(rq, status, body);
}

/* Appends the url's refusal to errors; false when it has one. */
static bool
url_allowed(const char *url, json_t *errors)
{
	static const struct { const char *code, *message; } words[] = {
		[HOOKS_URL_MALFORMED] = {"invalid_url", "must be an absolute https URL"},
		[HOOKS_URL_INSECURE] = {"insecure_url", "must use https"},
		[HOOKS_URL_UNRESOLVED] = {"unresolved", "the host name does not resolve"},
		[HOOKS_URL_INWARD] = {"address_refused", "resolves to a private, loopback or "
				      "link-local address"},
	};
	if (hooks_url_has_userinfo(url)) {
		spec_error(errors, "url", "invalid_url", "must not hold a user name or password "
			   "(it would show in listings and the audit log): authenticate "
			   "deliveries by their signature");
		return false;
	}
	enum hooks_url_verdict v = hooks_url_check(url, config.webhook_allow_insecure);
	if (v != HOOKS_URL_OK)
		spec_error(errors, "url", words[v].code, words[v].message);
	return v == HOOKS_URL_OK;
}

/* Space-joined distinct names of a validated array; "*" alone when listed. */
static char *
event_list(struct api_request *rq, json_t *arr)
{
	size_t i;
	json_t *v;
	json_array_foreach(arr, i, v)
		if (!strcmp(json_string_value(v), "*"))
			return "*";
	return api_join_distinct(rq, arr);
}

/* POST /v1/webhooks: the signing secret is in this response only. */
enum api_result
api_webhooks_create(struct api_request *rq)
{
	json_t *errors;
	if (!api_parse_collect_or_reply(rq, create_spec, &errors))
		return API_REPLIED;
	if (!spec_failed(errors, "url"))
		url_allowed(spec_str(rq->json, "url"), errors);
	if (json_array_size(errors))
		return api_reply_invalid(rq, errors);
	json_decref(errors);
	struct db_webhook in = {.url = (char *)spec_str(rq->json, "url"),
				.events = event_list(rq, json_object_get(rq->json, "events")),
				.description = (char *)spec_str(rq->json, "description"),
				.secret = hooks_secret_new(rq->arena)},
			  out;
	struct audit_ctx ctx;
	api_audit_ctx(rq, &ctx);
	enum db_status st = db_webhook_create(rq->db, rq->arena, &ctx, &in, &out);
	if (st == DB_STATE)
		return api_reply_error(rq, E_CONFLICT, "an organisation holds at most %d webhook "
				       "subscriptions: delete one, or subscribe one to more events",
				       DB_WEBHOOKS_MAX);
	if (st != DB_OK)
		return api_reply_db(rq, st, "webhook");
	api_set_location(rq, arena_printf(rq->arena, "/v1/webhooks/%s", out.id));
	return reply_with_secret(rq, 201, &out);
}

/* GET /v1/webhooks */
enum api_result
api_webhooks_list(struct api_request *rq)
{
	struct api_page page;
	if (!api_page_or_reply(rq, &page))
		return API_REPLIED;
	struct db_page p = {page.after_created, page.after_id, page.limit + 1, false, NULL, NULL};
	struct db_webhook *list;
	int n;
	enum db_status st = db_webhook_list(rq->db, rq->arena, rq->who->org_id, &p, &list, &n);
	if (st != DB_OK)
		return api_reply_db(rq, st, "webhook");
	json_t *data = json_array();
	int shown = n > page.limit ? page.limit : n;
	for (int i = 0; i < shown; i++)
		json_array_append_new(data, webhook_json(&list[i]));
	const struct db_webhook *last = n > page.limit ? &list[shown - 1] : NULL;
	return api_reply_json(rq, 200, api_page_json(rq, data, last ? last->created_at : NULL,
						      last ? last->id : NULL));
}

/* GET /v1/webhooks/{id} */
enum api_result
api_webhooks_get(struct api_request *rq)
{
	struct db_webhook w;
	enum db_status st = db_webhook_get(rq->db, rq->arena, rq->who->org_id, api_param(rq, 0), &w);
	if (st != DB_OK)
		return api_reply_db(rq, st, "webhook");
	api_set_etag(rq, w.version);
	return api_reply_json(rq, 200, webhook_json(&w));
}

/* PATCH /v1/webhooks/{id}: url, events, description, enabled (If-Match
 * optional). Enabling again clears the failure record. */
enum api_result
api_webhooks_patch(struct api_request *rq)
{
	int version;
	if (!api_if_match_or_reply(rq, false, &version) ||
	    !api_parse_patch_or_reply(rq, patch_spec))
		return API_REPLIED;
	json_t *j = rq->json;
	struct db_webhook_patch in = {
		.has_url = spec_has(j, "url"), .has_events = spec_has(j, "events"),
		.has_description = spec_has(j, "description"), .has_enabled = spec_has(j, "enabled"),
		.url = spec_str(j, "url"), .description = spec_str(j, "description"),
		.enabled = json_is_true(json_object_get(j, "enabled"))};
	json_t *errors = json_array();
	if (in.has_url && !url_allowed(in.url, errors))
		return api_reply_invalid(rq, errors);
	json_decref(errors);
	if (in.has_events)
		in.events = event_list(rq, json_object_get(j, "events"));
	struct audit_ctx ctx;
	api_audit_ctx(rq, &ctx);
	struct db_webhook out;
	enum db_status st = db_webhook_update(rq->db, rq->arena, &ctx, api_param(rq, 0), version,
					      &in, &out);
	if (st != DB_OK)
		return api_reply_db(rq, st, "webhook");
	api_set_etag(rq, out.version);
	return api_reply_json(rq, 200, webhook_json(&out));
}

/* DELETE /v1/webhooks/{id}: its pending deliveries go with it. */
enum api_result
api_webhooks_delete(struct api_request *rq)
{
	struct audit_ctx ctx;
	api_audit_ctx(rq, &ctx);
	enum db_status st = db_webhook_delete(rq->db, &ctx, api_param(rq, 0));
	if (st != DB_OK)
		return api_reply_db(rq, st, "webhook");
	return api_reply_empty(rq, 204);
}

/* POST /v1/webhooks/{id}/rotate-secret: a new secret, shown once; the old
 * one signs alongside it for 24 hours. */
enum api_result
api_webhooks_rotate(struct api_request *rq)
{
	struct audit_ctx ctx;
	api_audit_ctx(rq, &ctx);
	struct db_webhook out;
	enum db_status st = db_webhook_rotate(rq->db, rq->arena, &ctx, api_param(rq, 0),
					      hooks_secret_new(rq->arena), ROTATION_OVERLAP_S, &out);
	if (st != DB_OK)
		return api_reply_db(rq, st, "webhook");
	return reply_with_secret(rq, 200, &out);
}

/* POST /v1/webhooks/{id}/test: queues a ping to this subscription. */
enum api_result
api_webhooks_test(struct api_request *rq)
{
	struct audit_ctx ctx;
	api_audit_ctx(rq, &ctx);
	char *event_id;
	enum db_status st = db_webhook_ping(rq->db, rq->arena, &ctx, api_param(rq, 0), &event_id);
	if (st != DB_OK)
		return api_reply_db(rq, st, "webhook");
	return api_reply_json(rq, 202, json_pack("{s:s}", "event_id", event_id));
}

/* One delivery of GET .../deliveries; a new reference. */
static json_t *
delivery_json(const struct db_webhook_delivery *d)
{
	return json_pack("{s:s, s:s, s:s, s:s, s:i, s:o, s:o, s:o, s:o, s:o, s:s}", "id", d->id,
			 "event_id", d->event_id, "event_type", d->event_type, "status", d->status,
			 "attempts", d->attempts,
			 "status_code", d->status_code ? json_integer(d->status_code) : json_null(),
			 "latency_ms", d->latency_ms >= 0 ? json_integer(d->latency_ms) : json_null(),
			 "error", nullable(d->error), "last_attempt_at", nullable(d->last_attempt_at),
			 "next_attempt_at", nullable(d->next_attempt_at), "created_at", d->created_at);
}

/* GET /v1/webhooks/{id}/deliveries: oldest first. */
enum api_result
api_webhooks_deliveries(struct api_request *rq)
{
	struct api_page page;
	if (!api_page_or_reply(rq, &page))
		return API_REPLIED;
	struct db_page p = {page.after_created, page.after_id, page.limit + 1, false, NULL, NULL};
	struct db_webhook_delivery *list;
	int n;
	enum db_status st = db_webhook_deliveries(rq->db, rq->arena, rq->who->org_id,
						  api_param(rq, 0), &p, &list, &n);
	if (st != DB_OK)
		return api_reply_db(rq, st, "webhook");
	json_t *data = json_array();
	int shown = n > page.limit ? page.limit : n;
	for (int i = 0; i < shown; i++)
		json_array_append_new(data, delivery_json(&list[i]));
	const struct db_webhook_delivery *last = n > page.limit ? &list[shown - 1] : NULL;
	return api_reply_json(rq, 200, api_page_json(rq, data, last ? last->created_at : NULL,
						      last ? last->id : NULL));
}

/* POST /v1/webhooks/{id}/deliveries/{delivery_id}/retry: due again now,
 * with the same webhook-id, whatever became of it. */
enum api_result
api_webhooks_retry(struct api_request *rq)
{
	struct audit_ctx ctx;
	api_audit_ctx(rq, &ctx);
	enum db_status st = db_webhook_redeliver(rq->db, &ctx, api_param(rq, 0), api_param(rq, 1));
	if (st != DB_OK)
		return api_reply_db(rq, st, "delivery");
	return api_reply_json(rq, 202, json_pack("{s:s}", "delivery_id", api_param(rq, 1)));
}
