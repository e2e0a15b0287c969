/* Webhook subscriptions, the outbox and the deliveries the workers take. */
#include <stdlib.h>
#include <string.h>
#include "db/internal.h"
#include "db/webhooks.h"

#define WEBHOOK_COLUMNS "id, url, array_to_string(events, ' '), description, enabled, failures, " \
	DB_TS("failing_since") ", disabled_reason, version, " DB_TS("created_at") ", " \
	DB_TS("updated_at") ", secret"

/* The webhook of row into item (a struct db_webhook); the secret is kept
 * only when the caller asked for it by leaving it non-NULL. */
static int
copy_webhook(struct arena *a, const PGresult *r, int row, void *item)
{
	struct db_webhook *w = item;
	bool want_secret = w->secret != NULL;
	*w = (struct db_webhook){db_str(a, r, row, 0), db_str(a, r, row, 1), db_str(a, r, row, 2),
				 db_str(a, r, row, 3), db_bool(r, row, 4), (int)db_int(r, row, 5),
				 db_str(a, r, row, 6), db_str(a, r, row, 7), NULL,
				 (int)db_int(r, row, 8), db_str(a, r, row, 9), db_str(a, r, row, 10)};
	if (want_secret)
		w->secret = db_str(a, r, row, 11);
	return row + 1;
}

/* The audit changes of a subscription: never its secret. */
static json_t *
webhook_changes(const struct db_webhook *w)
{
	return json_pack("{s:s, s:s, s:b}", "url", w->url, "events", w->events, "enabled",
			 w->enabled);
}

struct hook_args {
	struct arena *a;
	const struct audit_ctx *ctx;
	const struct db_webhook *in;
	const struct db_webhook_patch *patch;
	const char *id, *secret;
	int if_version;
	long keep_s;
	struct db_webhook *out;
	char **event_id;
};

static struct db_stmt hook_insert = {"webhook_insert",
	"INSERT INTO webhooks (org_id, url, events, description, secret)"
	" VALUES ($1, $2, string_to_array($3, ' '), $4, $5) RETURNING " WEBHOOK_COLUMNS};

/* The org locked, so that creations at once cannot pass DB_WEBHOOKS_MAX
 * together; then its subscriptions counted. */
static struct db_stmt org_lock = {"webhook_org_lock",
	"SELECT 1 FROM orgs WHERE id = $1 FOR NO KEY UPDATE"};
static struct db_stmt hook_count = {"webhook_count",
	"SELECT count(*) FROM webhooks WHERE org_id = $1"};

/* Transaction body of db_webhook_create. */
static enum db_status
create_tx(struct db *db, void *p)
{
	struct hook_args *h = p;
	const char *params[] = {h->ctx->org_id, h->in->url, h->in->events, h->in->description,
				h->in->secret};
	h->out->secret = "";
	enum db_status st = db_run_status(db, &org_lock, 1, params, NULL);
	if (st != DB_OK)
		return st;
	PGresult *r = db_run(db, &hook_count, 1, params);
	if (!r)
		return db->status;
	long n = atol(PQgetvalue(r, 0, 0));
	PQclear(r);
	if (n >= DB_WEBHOOKS_MAX)
		return DB_STATE;
	st = db_row_fetch(db, &hook_insert, 5, params, h->a, copy_webhook, h->out);
	if (st != DB_OK)
		return st;
	json_t *ch = webhook_changes(h->out);
	st = db_audit_append(db, h->ctx, "webhook.created", "webhook", h->out->id, ch);
	json_decref(ch);
	return st;
}

enum db_status
db_webhook_create(struct db *db, struct arena *a, const struct audit_ctx *ctx,
		  const struct db_webhook *in, struct db_webhook *out)
{
	struct hook_args h = {.a = a, .ctx = ctx, .in = in, .out = out};
	return db_tx(db, create_tx, &h);
}

static struct db_stmt hook_get = {"webhook_get",
	"SELECT " WEBHOOK_COLUMNS " FROM webhooks WHERE org_id = $1 AND id = $2"};

enum db_status
db_webhook_get(struct db *db, struct arena *a, const char *org_id, const char *id,
	       struct db_webhook *out)
{
	const char *p[] = {org_id, id};
	out->secret = NULL;
	return db_row_fetch(db, &hook_get, 2, p, a, copy_webhook, out);
}

#define HOOK_LIST(cmp, ord) \
	"SELECT " WEBHOOK_COLUMNS " FROM webhooks WHERE org_id = $1" \
	" AND (created_at, id) " cmp " ($2::timestamptz, $3::uuid)" \
	" ORDER BY created_at" ord ", id" ord " LIMIT $4"
static struct db_stmt hook_list[2] = {{"webhook_list", HOOK_LIST(">", "")},
				       {"webhook_list_desc", HOOK_LIST("<", " DESC")}};

enum db_status
db_webhook_list(struct db *db, struct arena *a, const char *org_id, const struct db_page *page,
		struct db_webhook **out, int *n)
{
	const char *p[] = {org_id, DB_PAGE_TIME(page), DB_PAGE_ID(page),
			   arena_printf(a, "%d", page->limit)};
	void *items;
	enum db_status st = db_rows_collect(db, &hook_list[page->desc], 4, p, a, sizeof **out,
					    copy_webhook, &items, n);
	*out = items;
	return st;
}

static struct db_stmt hook_lock = {"webhook_lock",
	"SELECT version FROM webhooks WHERE org_id = $1 AND id = $2 FOR UPDATE"};

/* Locks subscription id of org: DB_NONE, DB_STALE or DB_OK. */
static enum db_status
lock_webhook(struct db *db, const char *org_id, const char *id, int if_version)
{
	const char *p[] = {org_id, id};
	PGresult *r;
	enum db_status st = db_run_status(db, &hook_lock, 2, p, &r);
	if (st != DB_OK)
		return st;
	int version = (int)db_int(r, 0, 0);
	PQclear(r);
	return if_version && if_version != version ? DB_STALE : DB_OK;
}

/* Re-enabling clears the failure record (and loopd's reason to disable). */
static struct db_stmt hook_update = {"webhook_update",
	"UPDATE webhooks SET"
	" url = CASE WHEN $3 THEN $4 ELSE url END,"
	" events = CASE WHEN $5 THEN string_to_array($6, ' ') ELSE events END,"
	" description = CASE WHEN $7 THEN $8 ELSE description END,"
	" enabled = CASE WHEN $9 THEN $10::boolean ELSE enabled END,"
	" failures = CASE WHEN $9 AND $10::boolean THEN 0 ELSE failures END,"
	" failing_since = CASE WHEN $9 AND $10::boolean THEN NULL ELSE failing_since END,"
	" disabled_reason = CASE WHEN $9 THEN NULL ELSE disabled_reason END,"
	" version = version + 1, updated_at = now()"
	" WHERE org_id = $1 AND id = $2 RETURNING " WEBHOOK_COLUMNS};

#define TF(b) ((b) ? "true" : "false")

/* The names of the fields a patch sets, for the audit event. */
static json_t *
patch_changes(const struct db_webhook_patch *in, const struct db_webhook *out)
{
	json_t *ch = json_object();
	if (in->has_url)
		json_object_set_new(ch, "url", json_string(out->url));
	if (in->has_events)
		json_object_set_new(ch, "events", json_string(out->events));
	if (in->has_description)
		json_object_set_new(ch, "description", json_string(AUDIT_REDACTED));
	if (in->has_enabled)
		json_object_set_new(ch, "enabled", json_boolean(out->enabled));
	return ch;
}

/* Transaction body of db_webhook_update. */
static enum db_status
update_tx(struct db *db, void *p)
{
	struct hook_args *h = p;
	enum db_status st = lock_webhook(db, h->ctx->org_id, h->id, h->if_version);
	if (st != DB_OK)
		return st;
	const struct db_webhook_patch *in = h->patch;
	const char *params[] = {h->ctx->org_id, h->id, TF(in->has_url), in->url,
				TF(in->has_events), in->events, TF(in->has_description),
				in->description, TF(in->has_enabled), TF(in->enabled)};
	h->out->secret = NULL;
	if ((st = db_row_fetch(db, &hook_update, 10, params, h->a, copy_webhook, h->out)) != DB_OK)
		return st;
	json_t *ch = patch_changes(in, h->out);
	st = db_audit_append(db, h->ctx, "webhook.updated", "webhook", h->id, ch);
	json_decref(ch);
	return st;
}

enum db_status
db_webhook_update(struct db *db, struct arena *a, const struct audit_ctx *ctx, const char *id,
		  int if_version, const struct db_webhook_patch *in, struct db_webhook *out)
{
	struct hook_args h = {.a = a, .ctx = ctx, .patch = in, .id = id, .if_version = if_version,
			      .out = out};
	return db_tx(db, update_tx, &h);
}

/* The subscription's deliveries go with it; its events stay for others. */
static struct db_stmt hook_delete = {"webhook_delete",
	"DELETE FROM webhooks WHERE org_id = $1 AND id = $2"};

/* Transaction body of db_webhook_delete. */
static enum db_status
delete_tx(struct db *db, void *p)
{
	struct hook_args *h = p;
	const char *params[] = {h->ctx->org_id, h->id};
	enum db_status st = lock_webhook(db, h->ctx->org_id, h->id, 0);
	if (st == DB_OK)
		st = db_run_any(db, &hook_delete, 2, params);
	if (st != DB_OK)
		return st;
	return db_audit_append(db, h->ctx, "webhook.deleted", "webhook", h->id, NULL);
}

enum db_status
db_webhook_delete(struct db *db, const struct audit_ctx *ctx, const char *id)
{
	struct hook_args h = {.ctx = ctx, .id = id};
	return db_tx(db, delete_tx, &h);
}

static struct db_stmt hook_rotate = {"webhook_rotate",
	"UPDATE webhooks SET previous_secret = secret,"
	" previous_until = now() + make_interval(secs => $4::int), secret = $3,"
	" version = version + 1, updated_at = now()"
	" WHERE org_id = $1 AND id = $2 RETURNING " WEBHOOK_COLUMNS};

/* Transaction body of db_webhook_rotate. */
static enum db_status
rotate_tx(struct db *db, void *p)
{
	struct hook_args *h = p;
	enum db_status st = lock_webhook(db, h->ctx->org_id, h->id, 0);
	if (st != DB_OK)
		return st;
	const char *params[] = {h->ctx->org_id, h->id, h->secret,
				arena_printf(h->a, "%ld", h->keep_s)};
	h->out->secret = "";
	if ((st = db_row_fetch(db, &hook_rotate, 4, params, h->a, copy_webhook, h->out)) != DB_OK)
		return st;
	return db_audit_append(db, h->ctx, "webhook.secret_rotated", "webhook", h->id, NULL);
}

enum db_status
db_webhook_rotate(struct db *db, struct arena *a, const struct audit_ctx *ctx, const char *id,
		  const char *secret, long keep_s, struct db_webhook *out)
{
	struct hook_args h = {.a = a, .ctx = ctx, .id = id, .secret = secret, .keep_s = keep_s,
			      .out = out};
	return db_tx(db, rotate_tx, &h);
}

static struct db_stmt hook_ping = {"webhook_ping",
	"WITH e AS (INSERT INTO webhook_events (org_id, type, data)"
	" VALUES ($1, 'ping', jsonb_build_object('webhook_id', $2::uuid)) RETURNING id)"
	" INSERT INTO webhook_deliveries (org_id, webhook_id, event_id)"
	" SELECT $1, $2, e.id FROM e RETURNING event_id"};

/* Transaction body of db_webhook_ping. */
static enum db_status
ping_tx(struct db *db, void *p)
{
	struct hook_args *h = p;
	enum db_status st = lock_webhook(db, h->ctx->org_id, h->id, 0);
	if (st != DB_OK)
		return st;
	const char *params[] = {h->ctx->org_id, h->id};
	PGresult *r;
	if ((st = db_run_status(db, &hook_ping, 2, params, &r)) != DB_OK)
		return st;
	*h->event_id = db_str(h->a, r, 0, 0);
	PQclear(r);
	return db_audit_append(db, h->ctx, "webhook.tested", "webhook", h->id, NULL);
}

enum db_status
db_webhook_ping(struct db *db, struct arena *a, const struct audit_ctx *ctx, const char *id,
		char **event_id)
{
	struct hook_args h = {.a = a, .ctx = ctx, .id = id, .event_id = event_id};
	return db_tx(db, ping_tx, &h);
}

/* No subscriber: no event row. */
static struct db_stmt hook_emit = {"webhook_emit",
	"WITH w AS (SELECT id FROM webhooks WHERE org_id = $1 AND enabled"
	"  AND ($2 = ANY(events) OR '*' = ANY(events))),"
	" e AS (INSERT INTO webhook_events (org_id, type, data)"
	"  SELECT $1, $2, $3::jsonb WHERE EXISTS (SELECT 1 FROM w) RETURNING id)"
	" INSERT INTO webhook_deliveries (org_id, webhook_id, event_id)"
	" SELECT $1, w.id, e.id FROM w, e"};

struct db_batch
db_webhook_emit_stmt(struct arena *a, const char *org_id, const char *type, json_t *data)
{
	char *text = json_dumps(data, JSON_COMPACT | JSON_PRESERVE_ORDER);
	const char **p = arena_alloc(a, 3 * sizeof *p);
	p[0] = org_id;
	p[1] = type;
	p[2] = arena_strdup(a, text);
	free(text);
	json_decref(data);
	return (struct db_batch){&hook_emit, 3, p, NULL};
}

enum db_status
db_webhook_emit(struct db *db, const char *org_id, const char *type, json_t *data)
{
	struct arena *a = arena_create();
	struct db_batch b = db_webhook_emit_stmt(a, org_id, type, data);
	enum db_status st = db_run_any(db, b.st, b.n, b.params);
	arena_destroy(a);
	return st;
}

#define DELIVERY_LIST \
	"SELECT d.id, d.event_id, e.type, d.status, d.attempts, coalesce(d.last_status_code, 0)," \
	" coalesce(d.last_latency_ms, -1), d.last_error, " DB_TS("d.last_attempt_at") "," \
	" CASE WHEN d.status = 'pending' THEN " DB_TS("d.next_attempt_at") " END, " \
	DB_TS("d.created_at") \
	" FROM webhook_deliveries d JOIN webhook_events e ON e.org_id = d.org_id AND e.id = d.event_id" \
	" WHERE d.org_id = $1 AND d.webhook_id = $2"
#define DELIVERY_PAGE(cmp, ord) DELIVERY_LIST \
	" AND (d.created_at, d.id) " cmp " ($3::timestamptz, $4::uuid)" \
	" ORDER BY d.created_at" ord ", d.id" ord " LIMIT $5"
static struct db_stmt delivery_list[2] = {{"webhook_delivery_list", DELIVERY_PAGE(">", "")},
					   {"webhook_delivery_list_desc", DELIVERY_PAGE("<", " DESC")}};

/* Row of DELIVERY_LIST into item (a struct db_webhook_delivery). */
static int
copy_delivery(struct arena *a, const PGresult *r, int row, void *item)
{
	*(struct db_webhook_delivery *)item = (struct db_webhook_delivery){
		db_str(a, r, row, 0), db_str(a, r, row, 1), db_str(a, r, row, 2),
		db_str(a, r, row, 3), (int)db_int(r, row, 4), (int)db_int(r, row, 5),
		(int)db_int(r, row, 6), db_str(a, r, row, 7), db_str(a, r, row, 8),
		db_str(a, r, row, 9), db_str(a, r, row, 10)};
	return row + 1;
}

enum db_status
db_webhook_deliveries(struct db *db, struct arena *a, const char *org_id, const char *webhook_id,
		      const struct db_page *page, struct db_webhook_delivery **out, int *n)
{
	struct db_webhook w;
	enum db_status st = db_webhook_get(db, a, org_id, webhook_id, &w);
	if (st != DB_OK)
		return st;
	const char *p[] = {org_id, webhook_id, DB_PAGE_TIME(page), DB_PAGE_ID(page),
			   arena_printf(a, "%d", page->limit)};
	void *items;
	st = db_rows_collect(db, &delivery_list[page->desc], 5, p, a, sizeof **out, copy_delivery,
			     &items, n);
	*out = items;
	return st;
}

static struct db_stmt delivery_again = {"webhook_delivery_again",
	"UPDATE webhook_deliveries SET status = 'pending', attempts = 0, next_attempt_at = now(),"
	" updated_at = now() WHERE org_id = $1 AND webhook_id = $2 AND id = $3"};

/* Transaction body of db_webhook_redeliver. */
static enum db_status
redeliver_tx(struct db *db, void *p)
{
	struct hook_args *h = p;
	const char *params[] = {h->ctx->org_id, h->id, h->secret};
	enum db_status st = lock_webhook(db, h->ctx->org_id, h->id, 0);
	if (st == DB_OK)
		st = db_run_status(db, &delivery_again, 3, params, NULL);
	if (st != DB_OK)
		return st;
	json_t *ch = json_pack("{s:s}", "delivery_id", h->secret);
	st = db_audit_append(db, h->ctx, "webhook.delivery_retried", "webhook", h->id, ch);
	json_decref(ch);
	return st;
}

enum db_status
db_webhook_redeliver(struct db *db, const struct audit_ctx *ctx, const char *webhook_id,
		     const char *delivery_id)
{
	struct hook_args h = {.ctx = ctx, .id = webhook_id, .secret = delivery_id};
	return db_tx(db, redeliver_tx, &h);
}

static struct db_stmt job_claim = {"webhook_claim",
	"SELECT d.org_id, d.id, d.webhook_id, d.event_id, e.type, " DB_TS("e.created_at") ","
	" e.data::text, w.url, w.secret,"
	" CASE WHEN w.previous_until > now() THEN w.previous_secret END, d.attempts"
	" FROM webhook_deliveries d"
	" JOIN webhooks w ON w.org_id = d.org_id AND w.id = d.webhook_id"
	" JOIN webhook_events e ON e.org_id = d.org_id AND e.id = d.event_id"
	" WHERE d.status = 'pending' AND d.next_attempt_at <= now() AND w.enabled"
	" ORDER BY d.next_attempt_at LIMIT 1 FOR UPDATE OF d SKIP LOCKED"};

/* Row of job_claim into item (a struct db_webhook_job). */
static int
copy_job(struct arena *a, const PGresult *r, int row, void *item)
{
	*(struct db_webhook_job *)item = (struct db_webhook_job){
		db_str(a, r, row, 0), db_str(a, r, row, 1), db_str(a, r, row, 2),
		db_str(a, r, row, 3), db_str(a, r, row, 4), db_str(a, r, row, 5),
		db_str(a, r, row, 6), db_str(a, r, row, 7), db_str(a, r, row, 8),
		db_str(a, r, row, 9), (int)db_int(r, row, 10)};
	return row + 1;
}

enum db_status
db_webhook_claim(struct db *db, struct arena *a, struct db_webhook_job *job)
{
	enum db_status st = db_simple(db, "BEGIN");
	if (st != DB_OK)
		return st;
	db->in_tx = true;
	st = db_row_fetch(db, &job_claim, 0, NULL, a, copy_job, job);
	if (st != DB_OK)
		db_end(db, false);
	return st;
}

static struct db_stmt job_record = {"webhook_record",
	"UPDATE webhook_deliveries SET attempts = attempts + 1, last_attempt_at = now(),"
	" last_status_code = nullif($3::int, 0), last_latency_ms = $4, last_error = $5,"
	" status = CASE WHEN $6 THEN 'delivered' WHEN $7::int < 0 THEN 'dead' ELSE 'pending' END,"
	" next_attempt_at = now() + make_interval(secs => greatest($7::int, 0)), updated_at = now()"
	" WHERE org_id = $1 AND id = $2"};

/* Success clears the failure record; a failure counts, and disables the
 * subscription once it has failed for $4 seconds (returned as true). */
static struct db_stmt job_health = {"webhook_health",
	"UPDATE webhooks SET"
	" failures = CASE WHEN $3 THEN 0 ELSE failures + 1 END,"
	" failing_since = CASE WHEN $3 THEN NULL ELSE coalesce(failing_since, now()) END,"
	" enabled = enabled AND ($3 OR coalesce(failing_since, now())"
	"  > now() - make_interval(secs => $4::int)),"
	" updated_at = now()"
	" WHERE org_id = $1 AND id = $2 RETURNING NOT enabled"};
static struct db_stmt job_disable = {"webhook_disable",
	"UPDATE webhooks SET disabled_reason = 'failing', version = version + 1"
	" WHERE org_id = $1 AND id = $2"};

/* Records the attempt's effect on the subscription; audits a disabling. */
static enum db_status
record_health(struct db *db, const struct db_webhook_job *job, const struct db_webhook_outcome *o)
{
	char after[24];
	snprintf(after, sizeof after, "%ld", o->disable_after_s);
	const char *p[] = {job->org_id, job->webhook_id, TF(o->delivered), after};
	PGresult *r;
	enum db_status st = db_run_status(db, &job_health, 4, p, &r);
	if (st != DB_OK)
		return st == DB_NONE ? DB_OK : st;
	bool disabled = db_bool(r, 0, 0) && !o->delivered;
	PQclear(r);
	if (!disabled || (st = db_run_status(db, &job_disable, 2, p, NULL)) != DB_OK)
		return disabled ? st : DB_OK;
	struct audit_ctx ctx = {job->org_id, "system", NULL, NULL, NULL};
	json_t *ch = json_pack("{s:b, s:s}", "enabled", 0, "reason", "failing");
	st = db_audit_append(db, &ctx, "webhook.disabled", "webhook", job->webhook_id, ch);
	json_decref(ch);
	return st;
}

enum db_status
db_webhook_finish(struct db *db, const struct db_webhook_job *job,
		  const struct db_webhook_outcome *o)
{
	char code[16], latency[16], retry[24];
	snprintf(code, sizeof code, "%d", o->status_code);
	snprintf(latency, sizeof latency, "%d", o->latency_ms);
	snprintf(retry, sizeof retry, "%ld", o->retry_in_s);
	const char *p[] = {job->org_id, job->delivery_id, code, latency, o->error,
			   TF(o->delivered), retry};
	enum db_status st = db_run_any(db, &job_record, 7, p);
	if (st == DB_OK)
		st = record_health(db, job, o);
	enum db_status end = db_end(db, st == DB_OK);
	return st == DB_OK ? end : st;
}

static struct db_stmt queue_stats = {"webhook_queue",
	"SELECT count(*), coalesce(extract(epoch FROM now() - min(created_at)), 0)::float8"
	" FROM webhook_deliveries WHERE status = 'pending'"};

enum db_status
db_webhook_queue(struct db *db, long *pending, double *oldest_s)
{
	PGresult *r;
	enum db_status st = db_run_status(db, &queue_stats, 0, NULL, &r);
	if (st != DB_OK)
		return st;
	*pending = (long)db_int(r, 0, 0);
	*oldest_s = strtod(PQgetvalue(r, 0, 1), NULL);
	PQclear(r);
	return DB_OK;
}
