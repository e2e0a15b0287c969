/* Rounds and interviewer bookings: the exclusion constraint on
 * round_interviewers refuses double bookings across every instance. */
#include <stdio.h>
#include <string.h>
#include "db/internal.h"
#include "db/rubrics.h"
#include "db/scheduling.h"

struct round_args {
	struct arena *a;
	const struct audit_ctx *ctx;
	const char *loop_id, *id, *user_id, *role, *reason;
	int if_version;
	const struct db_round_in *in;
	json_t **out;
	struct db_refusal *why;
	char *booked_users;		/* "{uuid,uuid}" for the conflict lookup */
	char *starts, *ends;
};

static enum db_status
refuse(struct round_args *r, const char *field, const char *code, const char *detail)
{
	r->why->field = arena_strdup(r->a, field);
	r->why->code = code;
	r->why->detail = arena_strdup(r->a, detail);
	return DB_INVALID;
}

static struct db_stmt interviewer_ok = {"round_interviewer_ok",
	"SELECT 1 FROM users WHERE org_id = $1 AND id = $2 AND NOT disabled"
	" AND 'interviewer' = ANY(roles)"};

/* Books user into round (upsert), with the round's time when scheduled. */
static struct db_stmt book = {"round_book",
	"INSERT INTO round_interviewers (org_id, round_id, user_id, loop_id, role, during)"
	" SELECT r.org_id, r.id, $3, r.loop_id, $4,"
	"  CASE WHEN r.status = 'scheduled' THEN tstzrange(r.starts_at, r.ends_at) END"
	" FROM rounds r WHERE r.org_id = $1 AND r.id = $2"
	" ON CONFLICT (org_id, round_id, user_id) DO UPDATE SET role = EXCLUDED.role"};

static enum db_status
book_interviewer(struct db *db, struct round_args *r, const char *round_id, const char *user,
		 const char *role, const char *field)
{
	const char *p[] = {r->ctx->org_id, user};
	enum db_status st = db_run_status(db, &interviewer_ok, 2, p, NULL);
	if (st == DB_NONE)
		return refuse(r, field, "role", "must be an active user with the interviewer role");
	if (st != DB_OK)
		return st;
	const char *b[] = {r->ctx->org_id, round_id, user, role};
	st = db_run_status(db, &book, 4, b, NULL);
	if (st == DB_CONFLICT && !strcmp(db_error_sqlstate(db), "23505"))
		return refuse(r, field, "bar_raiser", "a loop has at most one bar raiser");
	return st;
}

static struct db_stmt sync_status = {"round_sync_loop",
	"SELECT loop_sync_status($1, $2)"};
static struct db_stmt round_render = {"round_render",
	"SELECT round_json(r), r.loop_id FROM rounds r WHERE org_id = $1 AND id = $2"};

/* Renders round id into *out and brings its loop's status up to date. */
static enum db_status
finish(struct db *db, struct round_args *r, const char *round_id)
{
	const char *p[] = {r->ctx->org_id, round_id};
	PGresult *res;
	enum db_status st = db_run_status(db, &round_render, 2, p, &res);
	if (st != DB_OK)
		return st;
	char *loop_id = db_str(r->a, res, 0, 1);
	PQclear(res);
	const char *s[] = {r->ctx->org_id, loop_id};
	if ((st = db_run_status(db, &sync_status, 2, s, NULL)) != DB_OK ||
	    (st = db_run_status(db, &round_render, 2, p, &res)) != DB_OK)
		return st;
	*r->out = db_json(res, 0, 0);
	PQclear(res);
	return DB_OK;
}

static struct db_stmt round_insert = {"round_insert",
	"INSERT INTO rounds (org_id, loop_id, kind, rubric_id, rubric_key, rubric_version, required,"
	" starts_at, ends_at, location, status)"
	" VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10,"
	"  CASE WHEN $8::timestamptz IS NULL THEN 'unscheduled' ELSE 'scheduled' END) RETURNING id"};

/* The rubric the round is pinned to: the named one, or the newest for kind. */
static enum db_status
pin_rubric(struct db *db, struct round_args *r, struct db_rubric_ref *ref)
{
	const struct db_round_in *in = r->in;
	enum db_status st = in->rubric_key
		? db_rubric_resolve(db, r->a, r->ctx->org_id, in->rubric_key, in->rubric_version, ref)
		: db_rubric_for_kind(db, r->a, r->ctx->org_id, in->kind, ref);
	if (st == DB_NONE)
		return refuse(r, in->rubric_key ? "rubric_key" : "kind", "unknown",
			      in->rubric_key ? "no such rubric (or version)"
					     : "no rubric grades rounds of this kind");
	if (st == DB_OK && strcmp(ref->kind, in->kind) != 0)
		return refuse(r, "rubric_key", "kind", "this rubric grades another kind of round");
	return st;
}

static char *
users_array(struct arena *a, const struct db_interviewer_in *list, int n)
{
	struct abuf b;
	abuf_init(&b, a);
	abuf_puts(&b, "{");
	for (int i = 0; i < n; i++)
		abuf_printf(&b, "%s%s", i ? "," : "", list[i].user_id);
	abuf_puts(&b, "}");
	return b.data;
}

static struct db_stmt round_count = {"round_count",
	"SELECT count(*) FROM rounds WHERE org_id = $1 AND loop_id = $2"};

/* A loop holds at most DB_MAX_ROUNDS rounds, so its lists need no pages. */
static enum db_status
check_room(struct db *db, struct round_args *r)
{
	const char *p[] = {r->ctx->org_id, r->loop_id};
	PGresult *res;
	enum db_status st = db_run_status(db, &round_count, 2, p, &res);
	if (st != DB_OK)
		return st;
	bool full = db_int(res, 0, 0) >= DB_MAX_ROUNDS;
	PQclear(res);
	if (!full)
		return DB_OK;
	r->why->detail = arena_printf(r->a, "a loop has at most %d rounds", DB_MAX_ROUNDS);
	return DB_STATE;
}

static struct db_stmt candidate_erased = {"round_candidate_erased",
	"SELECT 1 FROM loops l JOIN candidates c ON c.org_id = l.org_id AND c.id = l.candidate_id"
	" WHERE l.org_id = $1 AND l.id = $2 AND c.erased_at IS NOT NULL"};

/* No new interviews with a candidate whose data was erased. */
static enum db_status
check_candidate(struct db *db, struct round_args *r)
{
	const char *p[] = {r->ctx->org_id, r->loop_id};
	enum db_status st = db_run_status(db, &candidate_erased, 2, p, NULL);
	if (st == DB_NONE)
		return DB_OK;
	if (st == DB_OK) {
		r->why->detail = arena_strdup(r->a, "the candidate of this loop was erased");
		return DB_STATE;
	}
	return st;
}

static enum db_status
create_tx(struct db *db, void *p)
{
	struct round_args *r = p;
	const struct db_round_in *in = r->in;
	enum db_status st = db_loop_lock_open(db, r->a, r->ctx->org_id, r->loop_id, 0, r->why);
	struct db_rubric_ref ref;
	if (st != DB_OK || (st = check_candidate(db, r)) != DB_OK ||
	    (st = check_room(db, r)) != DB_OK || (st = pin_rubric(db, r, &ref)) != DB_OK)
		return st;
	const char *params[] = {r->ctx->org_id, r->loop_id, in->kind, ref.id, ref.key,
				arena_printf(r->a, "%d", ref.version), in->required ? "true" : "false",
				in->starts_at, in->ends_at, in->location};
	PGresult *res;
	if ((st = db_run_status(db, &round_insert, 10, params, &res)) != DB_OK)
		return st;
	char *id = db_str(r->a, res, 0, 0);
	PQclear(res);
	for (int i = 0; i < in->ninterviewers && st == DB_OK; i++)
		st = book_interviewer(db, r, id, in->interviewers[i].user_id, in->interviewers[i].role,
				      arena_printf(r->a, "interviewers[%d].user_id", i));
	if (st != DB_OK || (st = finish(db, r, id)) != DB_OK)
		return st;
	json_t *ch = json_pack("{s:s, s:s, s:s?, s:s?, s:O}", "loop_id", r->loop_id, "kind", in->kind,
			       "starts_at", in->starts_at, "ends_at", in->ends_at, "interviewers",
			       json_object_get(*r->out, "interviewers"));
	st = db_audit_append(db, r->ctx, "round.created", "round", id, ch);
	json_decref(ch);
	return st;
}

static struct db_stmt find_conflict = {"round_find_conflict",
	"SELECT ri.round_id, ri.user_id, ts(lower(ri.during)), ts(upper(ri.during))"
	" FROM round_interviewers ri WHERE ri.org_id = $1 AND ri.user_id = ANY($2::uuid[])"
	" AND ri.during && tstzrange($3::timestamptz, $4::timestamptz)"
	" AND ri.round_id IS DISTINCT FROM $5::uuid ORDER BY lower(ri.during) LIMIT 1"};

/* After an exclusion violation (the transaction is gone): which booking
 * was in the way. */
static void
explain_conflict(struct db *db, struct round_args *r, const char *users, const char *starts,
		 const char *ends, const char *round_id)
{
	const char *p[] = {r->ctx->org_id, users, starts, ends, round_id};
	PGresult *res;
	if (db_run_status(db, &find_conflict, 5, p, &res) != DB_OK)
		return;
	r->why->conflict_round = db_str(r->a, res, 0, 0);
	r->why->conflict_user = db_str(r->a, res, 0, 1);
	r->why->conflict_starts = db_str(r->a, res, 0, 2);
	r->why->conflict_ends = db_str(r->a, res, 0, 3);
	PQclear(res);
}

/* Runs fn in a transaction; explains a double booking; drops *out on failure. */
static enum db_status
run(struct db *db, enum db_status (*fn)(struct db *, void *), struct round_args *r)
{
	*r->out = NULL;
	enum db_status st = db_tx(db, fn, r);
	if (st != DB_OK) {
		json_decref(*r->out);
		*r->out = NULL;
	}
	if (st == DB_CONFLICT && r->booked_users && r->starts)
		explain_conflict(db, r, r->booked_users, r->starts, r->ends, r->id);
	return st;
}

enum db_status
db_round_create(struct db *db, struct arena *a, const struct audit_ctx *ctx, const char *loop_id,
		const struct db_round_in *in, json_t **out, struct db_refusal *why)
{
	struct round_args r = {.a = a, .ctx = ctx, .loop_id = loop_id, .in = in, .out = out,
			       .why = why, .starts = (char *)in->starts_at, .ends = (char *)in->ends_at,
			       .booked_users = users_array(a, in->interviewers, in->ninterviewers)};
	return run(db, create_tx, &r);
}

/* Rounds the viewer reaches ($2 user, $3 reach), as r joined to its loop l. */
#define ROUND_REACH \
	"loop_visible(l.org_id, l.id, l.hiring_manager_id, $2, $3)" \
	" AND ($3::int & 3 > 0 AND ($3::int & 1 = 1 OR l.hiring_manager_id = $2)" \
	"  OR EXISTS (SELECT 1 FROM round_interviewers ri WHERE ri.org_id = r.org_id" \
	"  AND ri.round_id = r.id AND ri.user_id = $2))"

static struct db_stmt round_list = {"round_list",
	"SELECT coalesce(json_agg(round_json(r) ORDER BY r.starts_at NULLS LAST, r.ordinal),"
	" '[]'::json), EXISTS (SELECT 1 FROM loops l2"
	"  WHERE l2.org_id = $1 AND l2.id = $4"
	"  AND loop_visible(l2.org_id, l2.id, l2.hiring_manager_id, $2, $3))"
	" FROM rounds r JOIN loops l ON l.org_id = r.org_id AND l.id = r.loop_id"
	" WHERE r.org_id = $1 AND r.loop_id = $4 AND " ROUND_REACH};

enum db_status
db_round_list(struct db *db, struct arena *a, const struct db_viewer *v, const char *loop_id,
	      json_t **out)
{
	const char *p[] = {v->org_id, v->user_id, arena_printf(a, "%d", v->reach), loop_id};
	PGresult *r;
	enum db_status st = db_run_status(db, &round_list, 4, p, &r);
	if (st != DB_OK)
		return st;
	bool visible = db_bool(r, 0, 1);
	*out = visible ? db_json(r, 0, 0) : NULL;
	PQclear(r);
	return visible ? DB_OK : DB_NONE;
}

static struct db_stmt round_get = {"round_get",
	"SELECT round_json(r) FROM rounds r JOIN loops l ON l.org_id = r.org_id AND l.id = r.loop_id"
	" WHERE r.org_id = $1 AND r.id = $4 AND " ROUND_REACH};

enum db_status
db_round_get(struct db *db, struct arena *a, const struct db_viewer *v, const char *id,
	     json_t **out)
{
	const char *p[] = {v->org_id, v->user_id, arena_printf(a, "%d", v->reach), id};
	PGresult *r;
	enum db_status st = db_run_status(db, &round_get, 4, p, &r);
	if (st == DB_OK) {
		*out = db_json(r, 0, 0);
		PQclear(r);
	}
	return st;
}

static struct db_stmt round_lock = {"round_lock",
	"SELECT r.version, r.status, r.loop_id, r.starts_at <= now(), ts(r.starts_at), ts(r.ends_at),"
	" (SELECT coalesce('{' || string_agg(user_id::text, ',') || '}', '{}')"
	"  FROM round_interviewers WHERE org_id = r.org_id AND round_id = r.id)"
	" FROM rounds r WHERE r.org_id = $1 AND r.id = $2 FOR UPDATE"};

struct round_state {
	char *status, *loop_id, *starts, *ends, *users;
	bool started;
};

/* Locks the round (and checks its loop may change): DB_NONE, DB_STALE,
 * DB_STATE or DB_OK. */
static enum db_status
lock_round(struct db *db, struct round_args *r, struct round_state *s)
{
	const char *p[] = {r->ctx->org_id, r->id};
	PGresult *res;
	enum db_status st = db_run_status(db, &round_lock, 2, p, &res);
	if (st != DB_OK)
		return st;
	int version = (int)db_int(res, 0, 0);
	s->status = db_str(r->a, res, 0, 1);
	s->loop_id = db_str(r->a, res, 0, 2);
	s->started = db_bool(res, 0, 3);
	s->starts = db_str(r->a, res, 0, 4);
	s->ends = db_str(r->a, res, 0, 5);
	s->users = db_str(r->a, res, 0, 6);
	PQclear(res);
	if (r->if_version && r->if_version != version)
		return DB_STALE;
	if ((st = db_loop_lock_open(db, r->a, r->ctx->org_id, s->loop_id, 0, r->why)) != DB_OK)
		return st;
	r->why->status = s->status;
	return DB_OK;
}

static bool
is_open(const struct round_state *s)
{
	return !strcmp(s->status, "unscheduled") || !strcmp(s->status, "scheduled");
}

/* Locks a round that may still change: DB_STATE (with a reason naming
 * what cannot happen) when it is completed, cancelled or a no-show. */
static enum db_status
lock_open_round(struct db *db, struct round_args *r, struct round_state *s, const char *refused)
{
	enum db_status st = lock_round(db, r, s);
	if (st == DB_OK && !is_open(s)) {
		r->why->detail = arena_printf(r->a, "a %s round %s", s->status, refused);
		return DB_STATE;
	}
	return st;
}

static struct db_stmt round_reschedule = {"round_reschedule",
	"WITH r AS (UPDATE rounds SET starts_at = $3, ends_at = $4, status = 'scheduled',"
	"  sequence = sequence + 1, version = version + 1, updated_at = now()"
	"  WHERE org_id = $1 AND id = $2 RETURNING org_id, id, starts_at, ends_at)"
	" UPDATE round_interviewers ri SET during = tstzrange(r.starts_at, r.ends_at)"
	" FROM r WHERE ri.org_id = r.org_id AND ri.round_id = r.id"};
static struct db_stmt round_touch = {"round_touch",
	"UPDATE rounds SET location = CASE WHEN $3::boolean THEN $4 ELSE location END,"
	" status = coalesce($5, status),"
	" sequence = sequence + CASE WHEN $3::boolean THEN 1 ELSE 0 END,"
	" version = version + 1, updated_at = now() WHERE org_id = $1 AND id = $2"};

/* Applies the time change of a PATCH, re-checking every booking. */
static enum db_status
reschedule(struct db *db, struct round_args *r, const struct round_state *s)
{
	if (!is_open(s)) {
		r->why->detail = arena_printf(r->a, "a %s round cannot be rescheduled", s->status);
		return DB_STATE;
	}
	r->booked_users = s->users;
	const char *p[] = {r->ctx->org_id, r->id, r->in->starts_at, r->in->ends_at};
	return db_run_any(db, &round_reschedule, 4, p);	/* none booked is fine */
}

/* Checks a status change to completed or no_show. */
static enum db_status
check_outcome(struct round_args *r, const struct round_state *s)
{
	if (strcmp(s->status, "scheduled") != 0) {
		r->why->detail = arena_printf(r->a, "only a scheduled round can become %s",
					      r->in->status);
		return DB_STATE;
	}
	if (!s->started || (r->in->set & ROUND_TIMES)) {
		r->why->detail = arena_strdup(r->a, "the round has not started yet");
		return DB_STATE;
	}
	return DB_OK;
}

static enum db_status
update_tx(struct db *db, void *p)
{
	struct round_args *r = p;
	const struct db_round_in *in = r->in;
	struct round_state s;
	enum db_status st = lock_round(db, r, &s);
	if (st != DB_OK)
		return st;
	if ((in->set & ROUND_STATUS) && (st = check_outcome(r, &s)) != DB_OK)
		return st;
	if ((in->set & ROUND_LOCATION) && !is_open(&s)) {
		r->why->detail = arena_printf(r->a, "a %s round cannot be changed", s.status);
		return DB_STATE;
	}
	if ((in->set & ROUND_TIMES) && (st = reschedule(db, r, &s)) != DB_OK)
		return st;
	const char *params[] = {r->ctx->org_id, r->id, in->set & ROUND_LOCATION ? "true" : "false",
				in->location, in->set & ROUND_STATUS ? in->status : NULL};
	if ((st = db_run_status(db, &round_touch, 5, params, NULL)) != DB_OK ||
	    (st = finish(db, r, r->id)) != DB_OK)
		return st;
	json_t *ch = json_object();
	if (in->set & ROUND_TIMES) {
		json_object_set_new(ch, "starts_at", json_string(in->starts_at));
		json_object_set_new(ch, "ends_at", json_string(in->ends_at));
	}
	if (in->set & ROUND_LOCATION)
		json_object_set_new(ch, "location", in->location ? json_string(AUDIT_REDACTED)
								 : json_null());	/* free text */
	if (in->set & ROUND_STATUS)
		json_object_set_new(ch, "status", json_string(in->status));
	st = db_audit_append(db, r->ctx, "round.updated", "round", r->id, ch);
	json_decref(ch);
	return st;
}

enum db_status
db_round_update(struct db *db, struct arena *a, const struct audit_ctx *ctx, const char *id,
		int if_version, const struct db_round_in *in, json_t **out, struct db_refusal *why)
{
	struct round_args r = {.a = a, .ctx = ctx, .id = id, .if_version = if_version, .in = in,
			       .out = out, .why = why, .starts = (char *)in->starts_at,
			       .ends = (char *)in->ends_at};
	return run(db, update_tx, &r);
}

static struct db_stmt round_cancel = {"round_cancel",
	"WITH r AS (UPDATE rounds SET status = 'cancelled', sequence = sequence + 1,"
	"  version = version + 1, updated_at = now() WHERE org_id = $1 AND id = $2 RETURNING id)"
	" UPDATE round_interviewers SET during = NULL, released = true"
	" WHERE org_id = $1 AND round_id IN (SELECT id FROM r)"};

static enum db_status
cancel_tx(struct db *db, void *p)
{
	struct round_args *r = p;
	struct round_state s;
	enum db_status st = lock_open_round(db, r, &s, "cannot be cancelled");
	if (st != DB_OK)
		return st;
	const char *params[] = {r->ctx->org_id, r->id};
	if ((st = db_run_any(db, &round_cancel, 2, params)) != DB_OK ||
	    (st = finish(db, r, r->id)) != DB_OK)
		return st;
	json_t *ch = json_pack("{s:s, s:s?}", "status", "cancelled", "reason",
			       r->reason ? AUDIT_REDACTED : NULL);	/* free text may name the candidate */
	st = db_audit_append(db, r->ctx, "round.cancelled", "round", r->id, ch);
	json_decref(ch);
	return st;
}

enum db_status
db_round_cancel(struct db *db, struct arena *a, const struct audit_ctx *ctx, const char *id,
		const char *reason, json_t **out, struct db_refusal *why)
{
	struct round_args r = {.a = a, .ctx = ctx, .id = id, .reason = reason, .out = out,
			       .why = why};
	return run(db, cancel_tx, &r);
}

static enum db_status
put_interviewer_tx(struct db *db, void *p)
{
	struct round_args *r = p;
	struct round_state s;
	enum db_status st = lock_open_round(db, r, &s, "keeps its interviewers");
	if (st != DB_OK)
		return st;
	if (!strcmp(s.status, "scheduled")) {
		r->starts = s.starts;
		r->ends = s.ends;
	}
	if ((st = book_interviewer(db, r, r->id, r->user_id, r->role, "user_id")) != DB_OK ||
	    (st = finish(db, r, r->id)) != DB_OK)
		return st;
	json_t *ch = json_pack("{s:s, s:s}", "user_id", r->user_id, "role", r->role);
	st = db_audit_append(db, r->ctx, "round.interviewer_set", "round", r->id, ch);
	json_decref(ch);
	return st;
}

enum db_status
db_round_put_interviewer(struct db *db, struct arena *a, const struct audit_ctx *ctx,
			 const char *round_id, const char *user_id, const char *role, json_t **out,
			 struct db_refusal *why)
{
	struct round_args r = {.a = a, .ctx = ctx, .id = round_id, .user_id = user_id, .role = role,
			       .out = out, .why = why,
			       .booked_users = arena_printf(a, "{%s}", user_id)};
	return run(db, put_interviewer_tx, &r);
}

static struct db_stmt unbook = {"round_unbook",
	"DELETE FROM round_interviewers WHERE org_id = $1 AND round_id = $2 AND user_id = $3"};

static enum db_status
remove_interviewer_tx(struct db *db, void *p)
{
	struct round_args *r = p;
	struct round_state s;
	enum db_status st = lock_open_round(db, r, &s, "keeps its interviewers");
	if (st != DB_OK)
		return st;
	const char *params[] = {r->ctx->org_id, r->id, r->user_id};
	if ((st = db_run_status(db, &unbook, 3, params, NULL)) != DB_OK ||
	    (st = finish(db, r, r->id)) != DB_OK)
		return st;
	json_t *ch = json_pack("{s:s}", "user_id", r->user_id);
	st = db_audit_append(db, r->ctx, "round.interviewer_removed", "round", r->id, ch);
	json_decref(ch);
	return st;
}

enum db_status
db_round_remove_interviewer(struct db *db, struct arena *a, const struct audit_ctx *ctx,
			    const char *round_id, const char *user_id, struct db_refusal *why)
{
	json_t *out = NULL;
	struct round_args r = {.a = a, .ctx = ctx, .id = round_id, .user_id = user_id, .out = &out,
			       .why = why};
	enum db_status st = run(db, remove_interviewer_tx, &r);
	json_decref(out);
	return st;
}
