/* Rounds and interviewer bookings: the exclusion constraint on
 * round_interviewers refuses double bookings across every instance. */
#include <stdio.h>
#include <string.h>
#include "db/internal.h"
#include "db/webhooks.h"
#include "db/rubrics.h"
#include "db/scheduling.h"

struct round_args {
	struct arena *a;
	const struct audit_ctx *ctx;
	const char *loop_id, *id, *user_id, *role, *reason;
	int if_version;
	const struct db_round_in *in;
	struct db_round *out;
	struct db_refusal *why;
	char *booked_users;		/* "{uuid,uuid}" for the conflict lookup */
	char *starts, *ends;
};

/* Reports a refused field: reason, about request list item index. */
static enum db_status
refuse(struct round_args *r, enum db_refused reason, int index)
{
	return db_refusal_add(r->why, reason, index, NULL);
}

/* Reports a refused state change: reason, about the round's status. */
static enum db_status
refuse_state(struct round_args *r, enum db_refused reason, const char *status)
{
	r->why->reason = reason;
	r->why->value = status;
	return DB_STATE;
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

/* A user booked again no longer sees the round as cancelled. */
static struct db_stmt unforget = {"round_removal_forget",
	"DELETE FROM round_removals WHERE org_id = $1 AND user_id = $3 AND round_id = $2"};

/* Books user as interviewers[index] of the request, or (index < 0) as
 * the user of a PUT of one booking. */
static enum db_status
book_interviewer(struct db *db, struct round_args *r, const char *round_id, const char *user,
		 const char *role, int index)
{
	const char *p[] = {r->ctx->org_id, user};
	enum db_status st = db_run_status(db, &interviewer_ok, 2, p, NULL);
	if (st == DB_NONE)
		return refuse(r, index < 0 ? DB_REFUSED_BOOKING_ROLE : DB_REFUSED_INTERVIEWER_ROLE,
			      index);
	if (st != DB_OK)
		return st;
	const char *b[] = {r->ctx->org_id, round_id, user, role};
	if ((st = db_run_any(db, &unforget, 3, b)) != DB_OK)
		return st;
	st = db_run_status(db, &book, 4, b, NULL);
	if (st == DB_CONFLICT && !strcmp(db_error_sqlstate(db), "23505"))
		return refuse(r, index < 0 ? DB_REFUSED_BOOKING_BAR_RAISER
					   : DB_REFUSED_INTERVIEWER_BAR_RAISER, index);
	return st;
}

/* Brings the status of loop_id up to date after a change to its round
 * round_id, then reads the round into *r->out. */
static enum db_status
finish(struct db *db, struct round_args *r, const char *round_id, const char *loop_id)
{
	enum db_status st = db_loop_sync(db, r->ctx->org_id, loop_id);
	if (st != DB_OK)
		return st;
	return db_round_read(db, r->a, r->ctx->org_id, round_id, r->out);
}

/* A stored time for an audit event's changes: its text, or null. */
static json_t *
time_json(const char *t)
{
	return t ? json_string(t) : json_null();
}

static struct db_stmt round_insert = {"round_insert",
	"INSERT INTO rounds (org_id, loop_id, kind, rubric_id, rubric_key, rubric_version, required,"
	" starts_at, ends_at, location, status, due_at, expected_effort_hours)"
	" VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10,"
	"  CASE WHEN $8::timestamptz IS NULL THEN 'unscheduled' ELSE 'scheduled' END, $11, $12)"
	" RETURNING id"};

/* The rubric the round is pinned to: the named one, or the newest for kind. */
static enum db_status
pin_rubric(struct db *db, struct round_args *r, struct db_rubric_ref *ref)
{
	const struct db_round_in *in = r->in;
	enum db_status st = in->rubric_key
		? db_rubric_resolve(db, r->a, r->ctx->org_id, in->rubric_key, in->rubric_version, ref)
		: db_rubric_for_kind(db, r->a, r->ctx->org_id, in->kind, ref);
	if (st == DB_NONE)
		return refuse(r, in->rubric_key ? DB_REFUSED_RUBRIC_UNKNOWN : DB_REFUSED_KIND_UNGRADED,
			      0);
	if (st == DB_OK && in->kind && strcmp(ref->kind, in->kind) != 0)
		return refuse(r, DB_REFUSED_RUBRIC_KIND_MISMATCH, 0);
	return st;
}

/* Checks every interviewer of the request holds the role; DB_INVALID with
 * each one that does not in why. */
static enum db_status
check_interviewers(struct db *db, struct round_args *r)
{
	enum db_status st = DB_OK;
	for (int i = 0; i < r->in->ninterviewers; i++) {
		const char *p[] = {r->ctx->org_id, r->in->interviewers[i].user_id};
		enum db_status got = db_run_status(db, &interviewer_ok, 2, p, NULL);
		if (got == DB_NONE)
			st = refuse(r, DB_REFUSED_INTERVIEWER_ROLE, i);
		else if (got != DB_OK)
			return got;
	}
	return st;
}

/* The field checks of a create, all of them: DB_INVALID with every
 * refusal in why, or an error. */
static enum db_status
check_fields(struct db *db, struct round_args *r, struct db_rubric_ref *ref)
{
	enum db_status st = DB_OK;
	if (r->in->kind || r->in->rubric_key)
		st = pin_rubric(db, r, ref);
	if (st != DB_OK && st != DB_INVALID)
		return st;
	enum db_status ivs = check_interviewers(db, r);
	return ivs == DB_OK ? st : ivs;
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
	return full ? refuse_state(r, DB_REFUSED_LOOP_FULL, NULL) : DB_OK;
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
	return st == DB_OK ? refuse_state(r, DB_REFUSED_CANDIDATE_ERASED, NULL) : st;
}

/* The bookings of round as the audit event records them. */
static json_t *
booked_json(const struct db_round *round)
{
	json_t *list = json_array();
	for (int i = 0; i < round->ninterviewers; i++) {
		const struct db_interviewer *iv = &round->interviewers[i];
		json_array_append_new(list, json_pack("{s:s, s:s?, s:s}", "user_id", iv->user_id,
						      "name", iv->name, "role", iv->role));
	}
	return list;
}

static enum db_status
create_tx(struct db *db, void *p)
{
	struct round_args *r = p;
	const struct db_round_in *in = r->in;
	enum db_status st = db_loop_lock_open(db, r->a, r->ctx->org_id, r->loop_id, 0, r->why);
	struct db_rubric_ref ref;
	if (st != DB_OK || (st = check_candidate(db, r)) != DB_OK ||
	    (st = check_room(db, r)) != DB_OK || (st = check_fields(db, r, &ref)) != DB_OK)
		return st;
	const char *params[] = {r->ctx->org_id, r->loop_id, in->kind, ref.id, ref.key,
				arena_printf(r->a, "%d", ref.version), in->required ? "true" : "false",
				in->starts_at, in->ends_at, in->location, in->due_at,
				in->expected_effort_hours
					? arena_printf(r->a, "%d", in->expected_effort_hours) : NULL};
	PGresult *res;
	if ((st = db_run_status(db, &round_insert, 12, params, &res)) != DB_OK)
		return st;
	char *id = db_str(r->a, res, 0, 0);
	PQclear(res);
	for (int i = 0; i < in->ninterviewers && st == DB_OK; i++)
		st = book_interviewer(db, r, id, in->interviewers[i].user_id, in->interviewers[i].role,
				      i);
	if (st != DB_OK || (st = finish(db, r, id, r->loop_id)) != DB_OK)
		return st;
	/* times as stored and served (six fraction digits), not as sent */
	json_t *ch = json_pack("{s:s, s:s, s:s?, s:s?, s:o}", "loop_id", r->loop_id, "kind", in->kind,
			       "starts_at", r->out->starts_at, "ends_at", r->out->ends_at,
			       "interviewers", booked_json(r->out));
	if (r->out->due_at)
		json_object_set_new(ch, "due_at", json_string(r->out->due_at));
	if (in->expected_effort_hours)
		json_object_set_new(ch, "expected_effort_hours", json_integer(in->expected_effort_hours));
	if (in->starts_at)
		st = db_webhook_emit(db, r->ctx->org_id, "round.scheduled",
				     json_pack("{s:s, s:s, s:s, s:s}", "round_id", id, "loop_id",
					       r->loop_id, "starts_at", r->out->starts_at, "ends_at",
					       r->out->ends_at));
	if (st == DB_OK)
		st = db_audit_append(db, r->ctx, "round.created", "round", id, ch);
	json_decref(ch);
	return st;
}

static struct db_stmt find_conflict = {"round_find_conflict",
	"SELECT ri.round_id, ri.user_id, " DB_TS("lower(ri.during)") ", " DB_TS("upper(ri.during)")
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

/* Runs fn in a transaction; explains a double booking (the exclusion
 * constraint is the only conflict left unreported by fn). */
static enum db_status
run(struct db *db, enum db_status (*fn)(struct db *, void *), struct round_args *r)
{
	enum db_status st = db_tx(db, fn, r);
	if (st == DB_CONFLICT && r->why->reason == DB_REFUSED_NONE)
		r->why->reason = DB_REFUSED_DOUBLE_BOOKED;
	if (st == DB_CONFLICT && r->booked_users && r->starts)
		explain_conflict(db, r, r->booked_users, r->starts, r->ends, r->id);
	return st;
}

enum db_status
db_round_create(struct db *db, struct arena *a, const struct audit_ctx *ctx, const char *loop_id,
		const struct db_round_in *in, struct db_round *out, struct db_refusal *why)
{
	struct round_args r = {.a = a, .ctx = ctx, .loop_id = loop_id, .in = in, .out = out,
			       .why = why, .starts = (char *)in->starts_at, .ends = (char *)in->ends_at,
			       .booked_users = users_array(a, in->interviewers, in->ninterviewers)};
	return run(db, create_tx, &r);
}

/* The lookups of db_round_check; always rolled back. */
static enum db_status
check_tx(struct db *db, void *p)
{
	struct db_rubric_ref ref;
	enum db_status st = check_fields(db, p, &ref);
	return st == DB_OK ? DB_INVALID : st;
}

enum db_status
db_round_check(struct db *db, struct arena *a, const struct audit_ctx *ctx,
	       const struct db_round_in *in, struct db_refusal *why)
{
	struct round_args r = {.a = a, .ctx = ctx, .in = in, .why = why};
	enum db_status st = db_tx(db, check_tx, &r);
	return st == DB_INVALID && why->reason == DB_REFUSED_NONE ? DB_OK : st;
}

static struct db_stmt round_lock = {"round_lock",
	"SELECT r.version, r.status, r.loop_id, r.starts_at <= now(), " DB_TS("r.starts_at") ","
	" " DB_TS("r.ends_at") ","
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

/* Locks a round that may still change: DB_STATE (refused: the reason
 * naming what cannot happen) when it is completed, cancelled or a no-show. */
static enum db_status
lock_open_round(struct db *db, struct round_args *r, struct round_state *s,
		enum db_refused refused)
{
	enum db_status st = lock_round(db, r, s);
	if (st == DB_OK && !is_open(s))
		return refuse_state(r, refused, s->status);
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
	" due_at = CASE WHEN $6::boolean THEN $7::timestamptz ELSE due_at END,"
	" expected_effort_hours = CASE WHEN $8::boolean THEN $9::integer"
	"  ELSE expected_effort_hours END,"
	" sequence = sequence + CASE WHEN $3::boolean THEN 1 ELSE 0 END,"
	" version = version + 1, updated_at = now() WHERE org_id = $1 AND id = $2"};

static struct db_stmt round_graded = {"round_graded",
	"SELECT 1 FROM scorecards WHERE org_id = $1 AND round_id = $2 AND status = 'submitted'"
	" LIMIT 1"};

/* Applies the time change of a PATCH, re-checking every booking. A round
 * with a submitted scorecard keeps its time: the scorecards graded that
 * interview, and their due times follow from its end. */
static enum db_status
reschedule(struct db *db, struct round_args *r, const struct round_state *s)
{
	if (!is_open(s))
		return refuse_state(r, DB_REFUSED_ROUND_CLOSED_RESCHEDULE, s->status);
	const char *id[] = {r->ctx->org_id, r->id};
	enum db_status graded = db_run_status(db, &round_graded, 2, id, NULL);
	if (graded == DB_OK)
		return refuse_state(r, DB_REFUSED_ROUND_GRADED, NULL);
	if (graded != DB_NONE)
		return graded;
	r->booked_users = s->users;
	const char *p[] = {r->ctx->org_id, r->id, r->in->starts_at, r->in->ends_at};
	return db_run_any(db, &round_reschedule, 4, p);	/* none booked is fine */
}

/* Checks a status change to completed or no_show. */
static enum db_status
check_outcome(struct round_args *r, const struct round_state *s)
{
	if (strcmp(s->status, "scheduled") != 0)
		return refuse_state(r, DB_REFUSED_ROUND_NOT_SCHEDULED, r->in->status);
	if (!s->started || (r->in->set & ROUND_TIMES))
		return refuse_state(r, DB_REFUSED_ROUND_NOT_STARTED, NULL);
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
	if ((in->set & (ROUND_LOCATION | ROUND_DUE | ROUND_EFFORT)) && !is_open(&s))
		return refuse_state(r, DB_REFUSED_ROUND_CLOSED_CHANGE, s.status);
	if ((in->set & ROUND_TIMES) && (st = reschedule(db, r, &s)) != DB_OK)
		return st;
	const char *params[] = {r->ctx->org_id, r->id, in->set & ROUND_LOCATION ? "true" : "false",
				in->location, in->set & ROUND_STATUS ? in->status : NULL,
				in->set & ROUND_DUE ? "true" : "false", in->due_at,
				in->set & ROUND_EFFORT ? "true" : "false",
				in->expected_effort_hours
					? arena_printf(r->a, "%d", in->expected_effort_hours) : NULL};
	if ((st = db_run_status(db, &round_touch, 9, params, NULL)) != DB_OK ||
	    (st = finish(db, r, r->id, s.loop_id)) != DB_OK)
		return st;
	json_t *ch = json_object();
	if (in->set & ROUND_TIMES) {	/* as stored and served, not as sent */
		json_object_set_new(ch, "starts_at", time_json(r->out->starts_at));
		json_object_set_new(ch, "ends_at", time_json(r->out->ends_at));
	}
	if (in->set & ROUND_LOCATION)
		json_object_set_new(ch, "location", in->location ? json_string(AUDIT_REDACTED)
								 : json_null());	/* free text */
	if (in->set & ROUND_STATUS)
		json_object_set_new(ch, "status", json_string(in->status));
	if (in->set & ROUND_DUE)
		json_object_set_new(ch, "due_at", time_json(r->out->due_at));
	if (in->set & ROUND_EFFORT)
		json_object_set_new(ch, "expected_effort_hours", in->expected_effort_hours
			? json_integer(in->expected_effort_hours) : json_null());
	if (in->set & ROUND_TIMES)
		st = db_webhook_emit(db, r->ctx->org_id, s.starts ? "round.rescheduled"
								    : "round.scheduled",
				     json_pack("{s:s, s:s, s:s, s:s, s:[ss]}", "round_id", r->id,
					       "loop_id", s.loop_id, "starts_at", r->out->starts_at,
					       "ends_at", r->out->ends_at, "changed", "starts_at",
					       "ends_at"));
	if (st == DB_OK)
		st = db_audit_append(db, r->ctx, "round.updated", "round", r->id, ch);
	json_decref(ch);
	return st;
}

enum db_status
db_round_update(struct db *db, struct arena *a, const struct audit_ctx *ctx, const char *id,
		int if_version, const struct db_round_in *in, struct db_round *out,
		struct db_refusal *why)
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
	enum db_status st = lock_open_round(db, r, &s, DB_REFUSED_ROUND_CLOSED_CANCEL);
	if (st != DB_OK)
		return st;
	const char *params[] = {r->ctx->org_id, r->id};
	if ((st = db_run_any(db, &round_cancel, 2, params)) != DB_OK ||
	    (st = finish(db, r, r->id, s.loop_id)) != DB_OK)
		return st;
	json_t *ch = json_pack("{s:s, s:s?}", "status", "cancelled", "reason",
			       r->reason ? AUDIT_REDACTED : NULL);	/* free text may name the candidate */
	st = db_webhook_emit(db, r->ctx->org_id, "round.cancelled",
			     json_pack("{s:s, s:s, s:s}", "round_id", r->id, "loop_id", s.loop_id,
				       "status", "cancelled"));
	if (st == DB_OK)
		st = db_audit_append(db, r->ctx, "round.cancelled", "round", r->id, ch);
	json_decref(ch);
	return st;
}

enum db_status
db_round_cancel(struct db *db, struct arena *a, const struct audit_ctx *ctx, const char *id,
		const char *reason, struct db_round *out, struct db_refusal *why)
{
	struct round_args r = {.a = a, .ctx = ctx, .id = id, .reason = reason, .out = out,
			       .why = why};
	return run(db, cancel_tx, &r);
}

/* Calendars list the attendees with their roles: a new booking or another
 * role is a change they show (SEQUENCE). Run before the booking. */
static struct db_stmt attendees_change = {"round_attendees_change",
	"UPDATE rounds SET sequence = sequence + 1 WHERE org_id = $1 AND id = $2 AND NOT EXISTS"
	" (SELECT 1 FROM round_interviewers WHERE org_id = $1 AND round_id = $2 AND user_id = $3"
	"  AND role = $4)"};

static enum db_status
put_interviewer_tx(struct db *db, void *p)
{
	struct round_args *r = p;
	struct round_state s;
	enum db_status st = lock_open_round(db, r, &s, DB_REFUSED_ROUND_CLOSED_BOOKING);
	if (st != DB_OK)
		return st;
	if (!strcmp(s.status, "scheduled")) {
		r->starts = s.starts;
		r->ends = s.ends;
	}
	const char *p2[] = {r->ctx->org_id, r->id, r->user_id, r->role};
	if ((st = db_run_any(db, &attendees_change, 4, p2)) != DB_OK ||
	    (st = book_interviewer(db, r, r->id, r->user_id, r->role, -1)) != DB_OK ||
	    (st = finish(db, r, r->id, s.loop_id)) != DB_OK)
		return st;
	json_t *ch = json_pack("{s:s, s:s}", "user_id", r->user_id, "role", r->role);
	st = db_audit_append(db, r->ctx, "round.interviewer_set", "round", r->id, ch);
	json_decref(ch);
	return st;
}

enum db_status
db_round_put_interviewer(struct db *db, struct arena *a, const struct audit_ctx *ctx,
			 const char *round_id, const char *user_id, const char *role,
			 struct db_round *out, struct db_refusal *why)
{
	struct round_args r = {.a = a, .ctx = ctx, .id = round_id, .user_id = user_id, .role = role,
			       .out = out, .why = why,
			       .booked_users = arena_printf(a, "{%s}", user_id)};
	return run(db, put_interviewer_tx, &r);
}

/* Removes the booking, remembers it (the user's calendar shows the round
 * cancelled for 30 days) and grows the round's SEQUENCE; no row when the
 * user was not booked. */
static struct db_stmt unbook = {"round_unbook",
	"WITH gone AS (DELETE FROM round_interviewers"
	"  WHERE org_id = $1 AND round_id = $2 AND user_id = $3 RETURNING org_id, round_id, user_id,"
	"  role),"
	" kept AS (INSERT INTO round_removals (org_id, round_id, user_id, role)"
	"  SELECT org_id, round_id, user_id, role FROM gone ON CONFLICT (org_id, user_id, round_id)"
	"  DO UPDATE SET role = EXCLUDED.role, removed_at = now())"
	" UPDATE rounds r SET sequence = r.sequence + 1 FROM gone"
	" WHERE r.org_id = gone.org_id AND r.id = gone.round_id RETURNING r.id"};

static enum db_status
remove_interviewer_tx(struct db *db, void *p)
{
	struct round_args *r = p;
	struct round_state s;
	enum db_status st = lock_open_round(db, r, &s, DB_REFUSED_ROUND_CLOSED_BOOKING);
	if (st != DB_OK)
		return st;
	const char *params[] = {r->ctx->org_id, r->id, r->user_id};
	if ((st = db_run_status(db, &unbook, 3, params, NULL)) != DB_OK ||
	    (st = finish(db, r, r->id, s.loop_id)) != DB_OK)
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
	struct db_round out;
	struct round_args r = {.a = a, .ctx = ctx, .id = round_id, .user_id = user_id, .out = &out,
			       .why = why};
	return run(db, remove_interviewer_tx, &r);
}
