/* Loops: create (with planned rounds), read by reach, list, update, cancel. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "db/internal.h"
#include "db/webhooks.h"
#include "db/rubrics.h"
#include "db/scheduling.h"

/* Reports reason (about request list item index, and value); DB_INVALID. */
static enum db_status
refuse(struct db_refusal *why, enum db_refused reason, int index, const char *value)
{
	return db_refusal_add(why, reason, index, value);
}

static struct db_stmt user_roles = {"loop_user_roles",
	"SELECT array_to_string(roles, ' ') FROM users WHERE org_id = $1 AND id = $2"
	" AND NOT disabled"};

/* True when user exists, is enabled and holds one of the roles (space list). */
static enum db_status
user_has_role(struct db *db, const char *org_id, const char *user_id, const char *const *roles)
{
	const char *p[] = {org_id, user_id};
	PGresult *r;
	enum db_status st = db_run_status(db, &user_roles, 2, p, &r);
	if (st != DB_OK)
		return st;
	char have[128];
	snprintf(have, sizeof have, " %s ", PQgetvalue(r, 0, 0));
	PQclear(r);
	for (; *roles; roles++) {
		char want[40];
		snprintf(want, sizeof want, " %s ", *roles);
		if (strstr(have, want))
			return DB_OK;
	}
	return DB_NONE;
}

static struct db_stmt candidate_live = {"loop_candidate_live",
	"SELECT 1 FROM candidates WHERE org_id = $1 AND id = $2 AND erased_at IS NULL"};

/* Folds one lookup into the checks so far: DB_NONE refuses (adding reason
 * to why), an error wins, DB_OK keeps what was. */
static enum db_status
fold(enum db_status sofar, enum db_status lookup, struct db_refusal *why,
     enum db_refused reason, int index, const char *value)
{
	if (lookup == DB_NONE)
		return refuse(why, reason, index, value);
	return lookup == DB_OK ? sofar : lookup;
}

/* Still checking: nothing but refusals so far. */
#define CHECKING(st) ((st) == DB_OK || (st) == DB_INVALID)

/* Checks the people a loop names (set: LOOP_* bits); DB_INVALID with every
 * refusal in why when wrong. */
static enum db_status
check_people(struct db *db, const char *org_id, const struct db_loop_in *in, unsigned set,
	     struct db_refusal *why)
{
	static const char *const recruiters[] = {"recruiter", "admin", NULL};
	static const char *const managers[] = {"hiring_manager", NULL};
	enum db_status st = DB_OK;
	if ((set & LOOP_CHECK_CANDIDATE) && in->candidate_id) {
		const char *p[] = {org_id, in->candidate_id};
		st = fold(st, db_run_status(db, &candidate_live, 2, p, NULL), why,
			  DB_REFUSED_CANDIDATE_UNKNOWN, 0, NULL);
	}
	if ((set & LOOP_RECRUITER) && CHECKING(st))
		st = fold(st, user_has_role(db, org_id, in->recruiter_id, recruiters), why,
			  DB_REFUSED_RECRUITER_ROLE, 0, NULL);
	if ((set & LOOP_HIRING_MANAGER) && CHECKING(st))
		st = fold(st, user_has_role(db, org_id, in->hiring_manager_id, managers), why,
			  DB_REFUSED_HIRING_MANAGER_ROLE, 0, NULL);
	return st;
}

/* Checks that the template exists and a rubric grades each round kind of
 * the template and the plan; DB_INVALID with every refusal in why. */
static enum db_status
check_plan(struct db *db, struct arena *a, const char *org_id, const struct db_loop_in *in,
	   struct db_refusal *why)
{
	enum db_status st = DB_OK;
	struct db_rubric_ref ref;
	if (in->template) {
		struct db_template_round *rounds;
		int n;
		enum db_status got = db_template_get(db, a, in->template, &rounds, &n);
		st = fold(st, got, why, DB_REFUSED_TEMPLATE_UNKNOWN, 0, NULL);
		for (int i = 0; got == DB_OK && i < n && CHECKING(st); i++)
			st = fold(st, rounds[i].rubric_key
				  ? db_rubric_resolve(db, a, org_id, rounds[i].rubric_key, 0, &ref)
				  : db_rubric_for_kind(db, a, org_id, rounds[i].kind, &ref),
				  why, DB_REFUSED_TEMPLATE_KIND_UNKNOWN, -1, rounds[i].kind);
	}
	for (int i = 0; i < in->nplan && CHECKING(st); i++)
		st = fold(st, db_rubric_for_kind(db, a, org_id, in->plan[i], &ref), why,
			  DB_REFUSED_PLAN_KIND_UNKNOWN, i, in->plan[i]);
	return st;
}

struct loop_args {
	struct arena *a;
	const struct audit_ctx *ctx;
	const struct db_loop_in *in;
	const char *id;
	int if_version;
	const char *reason;
	struct db_loop *out;
	struct db_refusal *why;
};

static struct db_stmt loop_insert = {"loop_insert",
	"INSERT INTO loops (org_id, candidate_id, position, recruiter_id, hiring_manager_id, template)"
	" VALUES ($1, $2, $3, $4, $5, $6) RETURNING id"};
static struct db_stmt round_plan_insert = {"loop_round_plan_insert",
	"INSERT INTO rounds (org_id, loop_id, kind, rubric_id, rubric_key, rubric_version, required,"
	" status) VALUES ($1, $2, $3, $4, $5, $6, $7, 'unscheduled')"};
/* Loop id in full, as its writers see it, into *out. */
static enum db_status
render(struct db *db, struct loop_args *l, const char *id)
{
	struct db_viewer all = {l->ctx->org_id, NULL, DB_REACH_ALL};
	return db_loop_get(db, l->a, &all, id, l->out);
}

/* Adds one unscheduled round of kind (and rubric key) to the new loop. */
static enum db_status
plan_round(struct db *db, struct loop_args *l, const char *loop_id, const char *kind,
	   const char *rubric_key, bool required, int plan_index)
{
	struct db_rubric_ref ref;
	enum db_status st = rubric_key
		? db_rubric_resolve(db, l->a, l->ctx->org_id, rubric_key, 0, &ref)
		: db_rubric_for_kind(db, l->a, l->ctx->org_id, kind, &ref);
	if (st == DB_NONE)
		return refuse(l->why, plan_index < 0 ? DB_REFUSED_TEMPLATE_KIND_UNKNOWN
						     : DB_REFUSED_PLAN_KIND_UNKNOWN, plan_index, kind);
	if (st != DB_OK)
		return st;
	const char *p[] = {l->ctx->org_id, loop_id, kind, ref.id, ref.key,
			   arena_printf(l->a, "%d", ref.version), required ? "true" : "false"};
	return db_run_status(db, &round_plan_insert, 7, p, NULL);
}

/* Creates the rounds of the template or the plan, unscheduled. */
static enum db_status
plan_rounds(struct db *db, struct loop_args *l, const char *loop_id, int *count)
{
	enum db_status st = DB_OK;
	*count = 0;
	if (l->in->template) {
		struct db_template_round *rounds;
		int n;
		st = db_template_get(db, l->a, l->in->template, &rounds, &n);
		if (st != DB_OK)
			return st == DB_NONE ? refuse(l->why, DB_REFUSED_TEMPLATE_UNKNOWN, 0, NULL) : st;
		for (int i = 0; i < n && st == DB_OK; i++, ++*count)
			st = plan_round(db, l, loop_id, rounds[i].kind, rounds[i].rubric_key,
					rounds[i].required, -1);
	}
	for (int i = 0; i < l->in->nplan && st == DB_OK; i++, ++*count)
		st = plan_round(db, l, loop_id, l->in->plan[i], NULL, true, i);
	return st;
}

static enum db_status
create_tx(struct db *db, void *p)
{
	struct loop_args *l = p;
	const struct db_loop_in *in = l->in;
	enum db_status st = check_people(db, l->ctx->org_id, in,
					 LOOP_CHECK_CANDIDATE | LOOP_RECRUITER | LOOP_HIRING_MANAGER, l->why);
	if (CHECKING(st))
		st = fold(st, check_plan(db, l->a, l->ctx->org_id, in, l->why), l->why,
			  DB_REFUSED_NONE, 0, NULL);
	if (st != DB_OK)
		return st;
	const char *params[] = {l->ctx->org_id, in->candidate_id, in->position, in->recruiter_id,
				in->hiring_manager_id, in->template};
	PGresult *r;
	if ((st = db_run_status(db, &loop_insert, 6, params, &r)) != DB_OK)
		return st;
	char *id = db_str(l->a, r, 0, 0);
	PQclear(r);
	int rounds;
	if ((st = plan_rounds(db, l, id, &rounds)) != DB_OK)
		return st;
	if ((st = render(db, l, id)) != DB_OK)
		return st;
	json_t *ch = json_pack("{s:s, s:s, s:s, s:s, s:s?, s:i}", "candidate_id", in->candidate_id,
			       "position", in->position, "recruiter_id", in->recruiter_id,
			       "hiring_manager_id", in->hiring_manager_id, "template", in->template,
			       "rounds_planned", rounds);
	st = db_webhook_emit(db, l->ctx->org_id, "loop.created",
			     json_pack("{s:s, s:s, s:s}", "loop_id", id, "candidate_id",
				       in->candidate_id, "status", "draft"));
	if (st == DB_OK)
		st = db_audit_append(db, l->ctx, "loop.created", "loop", id, ch);
	json_decref(ch);
	return st;
}

struct check_args {
	struct arena *a;
	const struct audit_ctx *ctx;
	const struct db_loop_in *in;
	unsigned set;
	struct db_refusal *why;
};

/* The lookups of db_loop_check; always rolled back. */
static enum db_status
check_tx(struct db *db, void *p)
{
	struct check_args *c = p;
	enum db_status st = check_people(db, c->ctx->org_id, c->in, c->set, c->why);
	if (CHECKING(st) && (c->set & LOOP_CHECK_PLAN))
		st = fold(st, check_plan(db, c->a, c->ctx->org_id, c->in, c->why), c->why,
			  DB_REFUSED_NONE, 0, NULL);
	return CHECKING(st) ? DB_INVALID : st;
}

enum db_status
db_loop_check(struct db *db, struct arena *a, const struct audit_ctx *ctx,
	      const struct db_loop_in *in, unsigned set, struct db_refusal *why)
{
	struct check_args c = {a, ctx, in, set, why};
	enum db_status st = db_tx(db, check_tx, &c);
	return st == DB_INVALID && why->reason == DB_REFUSED_NONE ? DB_OK : st;
}

enum db_status
db_loop_create(struct db *db, struct arena *a, const struct audit_ctx *ctx,
	       const struct db_loop_in *in, struct db_loop *out, struct db_refusal *why)
{
	struct loop_args l = {.a = a, .ctx = ctx, .in = in, .out = out, .why = why};
	return db_tx(db, create_tx, &l);
}

/* The columns of loop l joined with its candidate c (copy_loop reads them). */
#define LOOP_COLUMNS \
	"l.id, l.candidate_id, c.name, l.position, l.recruiter_id, l.hiring_manager_id, " \
	DB_LOOP_STATUS ", l.cancel_reason, l.template, l.version, l.created_at, l.updated_at, " \
	DB_LOOP_ELAPSED_DAYS
#define LOOP_NCOLUMNS 13
#define LOOP_CANDIDATE " JOIN candidates c ON c.org_id = l.org_id AND c.id = l.candidate_id"

/* One loop row (without rounds) into item; returns the next row. */
static int
copy_loop(struct arena *a, const PGresult *r, int row, void *item)
{
	struct db_loop *l = item;
	*l = (struct db_loop){
		.id = db_str(a, r, row, 0), .candidate_id = db_str(a, r, row, 1),
		.candidate_name = db_str(a, r, row, 2), .position = db_str(a, r, row, 3),
		.recruiter_id = db_str(a, r, row, 4), .hiring_manager_id = db_str(a, r, row, 5),
		.status = db_str(a, r, row, 6), .cancel_reason = db_str(a, r, row, 7),
		.template = db_str(a, r, row, 8), .version = (int)db_int(r, row, 9),
		.created_at = db_ts(a, r, row, 10), .updated_at = db_ts(a, r, row, 11),
		.timed = !PQgetisnull(r, row, 12),
		.elapsed_days = PQgetisnull(r, row, 12) ? 0 : strtod(PQgetvalue(r, row, 12), NULL)};
	return row + 1;
}

/* A loop with its rounds: one row per (round, interviewer) after the loop
 * columns, a single row with NULL round columns when it has none. */
static int
copy_loop_rounds(struct arena *a, const PGresult *r, int row, void *item)
{
	struct db_loop *l = item;
	copy_loop(a, r, row, l);
	int rows = PQntuples(r);
	l->with_rounds = true;
	l->rounds = arena_alloc(a, sizeof *l->rounds * (size_t)(rows + 1));
	while (row < rows && !PQgetisnull(r, row, LOOP_NCOLUMNS))
		row = db_round_copy(a, r, row, LOOP_NCOLUMNS, &l->rounds[l->nrounds++]);
	return rows;
}

/* The loop and its candidate, computed once (OFFSET 0 keeps the subquery
 * from being flattened: flat, the candidate join, the status and elapsed
 * sub-selects ran again for every round row: 70 buffers for 8 rounds against 38), then
 * its rounds (found by the parameter $3, the loop id, so that the plan reads
 * the loop's rounds, not every round of the org: 312 buffers against 16)
 * that the viewer ($2 user) sees (only their own when they reach the loop
 * only as an interviewer) and each round's interviewers. The viewer's reach
 * is written into the text (one statement per value), not a parameter: with
 * a parameter, the custom plans (which fold the reach bits) looked cheaper
 * than the generic one and the statement was planned again at every
 * execution, 1.1 ms of a backend's CPU against 0.22. */
#define LOOP_GET(reach) \
	"SELECT l.*, " DB_ROUND_COLUMNS " FROM (SELECT " LOOP_COLUMNS " FROM loops l" LOOP_CANDIDATE \
	"  WHERE l.org_id = $1 AND l.id = $3 AND " DB_LOOP_VISIBLE("$2", reach) " OFFSET 0) l" \
	" LEFT JOIN rounds r ON r.org_id = $1 AND r.loop_id = $3" \
	"  AND (" reach "::int & 1 = 1 OR (" reach "::int & 2 = 2 AND l.hiring_manager_id = $2::uuid)" \
	"   OR EXISTS (SELECT 1 FROM round_interviewers mine WHERE mine.org_id = r.org_id" \
	"   AND mine.round_id = r.id AND mine.user_id = $2::uuid))" \
	DB_ROUND_INTERVIEWERS " ORDER BY " DB_ROUND_ORDER
#define LOOP_GET_AS(reach) {"loop_get_" #reach, LOOP_GET(#reach)}

/* By the viewer's reach (DB_REACH_* bits). */
static struct db_stmt loop_get[8] = {LOOP_GET_AS(0), LOOP_GET_AS(1), LOOP_GET_AS(2),
	LOOP_GET_AS(3), LOOP_GET_AS(4), LOOP_GET_AS(5), LOOP_GET_AS(6), LOOP_GET_AS(7)};

enum db_status
db_loop_get(struct db *db, struct arena *a, const struct db_viewer *v, const char *id,
	    struct db_loop *out)
{
	const char *p[] = {v->org_id, v->user_id, id};
	return db_row_fetch(db, &loop_get[v->reach & 7], 3, p, a, copy_loop_rounds, out);
}

/* $4 status as the effective one, so "scheduled" loops whose first round
 * has begun are listed as in_progress; the stored status alone when it is
 * neither of those two; or none (folded away). */
#define LOOP_STATUS_EFFECTIVE \
	" AND ($4::text IS NULL OR (l.status = $4 AND $4 <> 'scheduled')" \
	"  OR (l.status = 'scheduled' AND " DB_LOOP_STATUS " = $4))"
#define LOOP_STATUS_STORED " AND l.status = $4::text"
#define LOOP_STATUS_NONE " AND ($4::text IS NULL OR true)"

/* The person filters $5 candidate, $6 hiring manager, $7 recruiter. A
 * generic plan takes each "$n IS NULL OR" for a filter that keeps one row
 * in 200, so with all three it expected a row or two and bitmap-scanned the
 * org's loops of the status and sorted them all (1 667 at the large size);
 * without them (LOOP_NO_PEOPLE, folded away) it walks loops_status or
 * loops_page in keyset order and stops at the page. */
#define LOOP_PEOPLE \
	" AND ($5::uuid IS NULL OR l.candidate_id = $5)" \
	" AND ($6::uuid IS NULL OR l.hiring_manager_id = $6)" \
	" AND ($7::uuid IS NULL OR l.recruiter_id = $7)"
#define LOOP_NO_PEOPLE \
	" AND ($5::uuid IS NULL OR true) AND ($6::uuid IS NULL OR true)" \
	" AND ($7::uuid IS NULL OR true)"
#define LOOP_FILTERS LOOP_STATUS_EFFECTIVE LOOP_PEOPLE

/* The keyset, from the sentinels DB_PAGE_* on the first page: always an
 * index condition, never behind "$8 IS NULL OR"; cmp ">" oldest first,
 * "<" newest first (ord " DESC"). The sync filters $11 updated_after and
 * $12 created_after are bounds too ("-infinity" when absent). */
#define LOOP_AFTER(cmp) " AND (l.created_at, l.id) " cmp " ($8::timestamptz, $9::uuid)" \
	" AND l.updated_at > $11::timestamptz AND l.created_at > $12::timestamptz"
#define LOOP_ORDER(ord) " ORDER BY l.created_at" ord ", l.id" ord " LIMIT $10"

/* The page of loops (where: its conditions, keyset order and limit) picked
 * from loops alone, then joined with its candidates: the join used to run
 * for every loop that matched before the sort and the limit (a generic
 * plan bitmap-scans the matches), so a page cost grew with the org. A
 * subquery with a LIMIT is never flattened into the join. */
#define LOOP_PAGE_FIRST(where, ord) \
	"SELECT " LOOP_COLUMNS " FROM (SELECT l.* FROM loops l" where ") l" LOOP_CANDIDATE \
	" ORDER BY l.created_at" ord ", l.id" ord

/* Viewers reaching every loop: the org's loops with the filters given
 * (status, people: the macros above). The viewer ($2) does not matter
 * here; "$2 IS NULL OR true" (folded away) only gives the parameter list
 * it shares with loop_list_reach its types. */
#define LOOP_LIST(status, people, cmp, ord) \
	LOOP_PAGE_FIRST(" WHERE l.org_id = $1 AND $3::int & 1 = 1 AND ($2::uuid IS NULL OR true)" \
			status people LOOP_AFTER(cmp) LOOP_ORDER(ord), ord)
#define LOOP_LIST_BOTH(name, status, people) \
	{{name, LOOP_LIST(status, people, ">", "")}, \
	 {name "_desc", LOOP_LIST(status, people, "<", " DESC")}}
enum loop_shape { LIST_FILTERED, LIST_STORED, LIST_STATUS, LIST_ALL };
static struct db_stmt loop_list[][2] = {
	[LIST_FILTERED] = LOOP_LIST_BOTH("loop_list", LOOP_STATUS_EFFECTIVE, LOOP_PEOPLE),
	[LIST_STORED] = LOOP_LIST_BOTH("loop_list_stored", LOOP_STATUS_STORED, LOOP_PEOPLE),
	[LIST_STATUS] = LOOP_LIST_BOTH("loop_list_status", LOOP_STATUS_STORED, LOOP_NO_PEOPLE),
	[LIST_ALL] = LOOP_LIST_BOTH("loop_list_all", LOOP_STATUS_NONE, LOOP_NO_PEOPLE)};

/* The statement for f: a person filter or an effective status (scheduled,
 * in_progress) needs the general one. */
static enum loop_shape
loop_shape(const struct db_loop_filter *f)
{
	bool people = f->candidate_id || f->hiring_manager_id || f->recruiter_id;
	if (f->status && (!strcmp(f->status, "scheduled") || !strcmp(f->status, "in_progress")))
		return LIST_FILTERED;
	if (!f->status)
		return people ? LIST_FILTERED : LIST_ALL;
	return people ? LIST_STORED : LIST_STATUS;
}

/* Everyone else, driven by their own rows, never by the org's: the loops
 * they manage come in keyset order off loops_hiring_manager (the keyset an
 * index condition); the loops they interview in are found from their
 * bookings (round_interviewers_user, then loops_pkey), and only those are
 * sorted. "= ANY (ARRAY(...))" keeps each step an index condition whatever
 * a generic plan guesses of the sizes. Each branch stops at a page; the
 * page is the first rows of the two. */
#define LOOP_LIST_REACH(cmp, ord) \
	"WITH page AS (" \
	"  (SELECT l.id FROM loops l" \
	"   WHERE l.org_id = $1 AND l.hiring_manager_id = $2 AND $3::int & 2 = 2" \
	    LOOP_FILTERS LOOP_AFTER(cmp) LOOP_ORDER(ord) ")" \
	"  UNION ALL" \
	"  (SELECT l.id FROM loops l WHERE l.org_id = $1 AND $3::int & 4 = 4" \
	"   AND l.id = ANY (ARRAY(SELECT ri.loop_id FROM round_interviewers ri" \
	"    WHERE ri.org_id = $1 AND ri.user_id = $2))" \
	    LOOP_FILTERS LOOP_AFTER(cmp) LOOP_ORDER(ord) "))" \
	" SELECT " LOOP_COLUMNS " FROM loops l" LOOP_CANDIDATE \
	" WHERE l.org_id = $1 AND l.id = ANY (ARRAY(SELECT id FROM page))" LOOP_ORDER(ord)
static struct db_stmt loop_list_reach[2] = {{"loop_list_reach", LOOP_LIST_REACH(">", "")},
					     {"loop_list_reach_desc", LOOP_LIST_REACH("<", " DESC")}};

enum db_status
db_loop_list(struct db *db, struct arena *a, const struct db_viewer *v,
	     const struct db_loop_filter *f, const struct db_page *page, struct db_loop **out,
	     int *n)
{
	const char *p[] = {v->org_id, v->user_id, arena_printf(a, "%d", v->reach), f->status,
			   f->candidate_id, f->hiring_manager_id, f->recruiter_id,
			   DB_PAGE_TIME(page), DB_PAGE_ID(page), arena_printf(a, "%d", page->limit),
			   DB_SINCE(page->updated_after), DB_SINCE(page->created_after)};
	void *items;
	struct db_stmt *st_list = v->reach & DB_REACH_ALL ? &loop_list[loop_shape(f)][page->desc]
				  : &loop_list_reach[page->desc];
	enum db_status st = db_rows_collect(db, st_list, 12, p, a,
					    sizeof **out, copy_loop, &items, n);
	*out = items;
	return st;
}

static struct db_stmt loop_lock = {"loop_lock",
	"SELECT version, status FROM loops WHERE org_id = $1 AND id = $2 FOR UPDATE"};

enum db_status
db_loop_lock_checked(struct arena *a, PGresult **r, int if_version, struct db_refusal *why)
{
	enum db_status st = db_result_status(r);
	if (st != DB_OK)
		return st;
	int version = (int)db_int(*r, 0, 0);
	why->status = db_str(a, *r, 0, 1);
	PQclear(*r);
	*r = NULL;
	if (if_version && version != if_version)
		return DB_STALE;
	if (strcmp(why->status, "decided") != 0 && strcmp(why->status, "cancelled") != 0)
		return DB_OK;
	why->reason = DB_REFUSED_LOOP_CLOSED;
	why->value = why->status;
	return DB_STATE;
}

struct db_batch
db_loop_lock_stmt(const char *const *p)
{
	return (struct db_batch){&loop_lock, 2, p, NULL};
}

enum db_status
db_loop_lock_open(struct db *db, struct arena *a, const char *org_id, const char *id,
		  int if_version, struct db_refusal *why)
{
	const char *p[] = {org_id, id};
	PGresult *r = db_run(db, &loop_lock, 2, p);
	return r ? db_loop_lock_checked(a, &r, if_version, why) : db->status;
}

static struct db_stmt loop_update = {"loop_update",
	"UPDATE loops SET position = coalesce($3, position),"
	" recruiter_id = coalesce($4::uuid, recruiter_id),"
	" hiring_manager_id = coalesce($5::uuid, hiring_manager_id),"
	" version = version + 1, updated_at = now() WHERE org_id = $1 AND id = $2"};

/* A new position changes the calendar events of the loop's rounds (their
 * DESCRIPTION): their SEQUENCE grows. Run before loop_update. */
static struct db_stmt position_seen = {"loop_position_seen",
	"UPDATE rounds r SET sequence = r.sequence + 1 FROM loops l"
	" WHERE l.org_id = $1 AND l.id = $2 AND l.position <> $3"
	" AND r.org_id = l.org_id AND r.loop_id = l.id"};

static enum db_status
update_tx(struct db *db, void *p)
{
	struct loop_args *l = p;
	enum db_status st = db_loop_lock_open(db, l->a, l->ctx->org_id, l->id, l->if_version, l->why);
	if (st == DB_OK)
		st = check_people(db, l->ctx->org_id, l->in, l->in->set, l->why);
	if (st != DB_OK)
		return st;
	const char *params[] = {l->ctx->org_id, l->id, l->in->position, l->in->recruiter_id,
				l->in->hiring_manager_id};
	if ((l->in->position && (st = db_run_any(db, &position_seen, 3, params)) != DB_OK) ||
	    (st = db_run_status(db, &loop_update, 5, params, NULL)) != DB_OK ||
	    (st = render(db, l, l->id)) != DB_OK)
		return st;
	json_t *ch = json_pack("{s:s?, s:s?, s:s?}", "position", l->in->position, "recruiter_id",
			       l->in->recruiter_id, "hiring_manager_id", l->in->hiring_manager_id);
	st = db_audit_append(db, l->ctx, "loop.updated", "loop", l->id, ch);
	json_decref(ch);
	return st;
}

enum db_status
db_loop_update(struct db *db, struct arena *a, const struct audit_ctx *ctx, const char *id,
	       int if_version, const struct db_loop_in *in, struct db_loop *out,
	       struct db_refusal *why)
{
	struct loop_args l = {.a = a, .ctx = ctx, .in = in, .id = id, .if_version = if_version,
			      .out = out, .why = why};
	return db_tx(db, update_tx, &l);
}

static struct db_stmt loop_cancel = {"loop_cancel",
	"UPDATE loops SET status = 'cancelled', cancel_reason = $3, version = version + 1,"
	" updated_at = now() WHERE org_id = $1 AND id = $2"};
/* A cancelled loop frees its interviewers' calendars. */
static struct db_stmt loop_cancel_rounds = {"loop_cancel_rounds",
	"WITH r AS (UPDATE rounds SET status = 'cancelled', sequence = sequence + 1,"
	"  version = version + 1, updated_at = now()"
	"  WHERE org_id = $1 AND loop_id = $2 AND status IN ('unscheduled', 'scheduled')"
	"  RETURNING id)"
	" UPDATE round_interviewers SET during = NULL, released = true"
	" WHERE org_id = $1 AND round_id IN (SELECT id FROM r)"};

static enum db_status
cancel_tx(struct db *db, void *p)
{
	struct loop_args *l = p;
	enum db_status st = db_loop_lock_open(db, l->a, l->ctx->org_id, l->id, 0, l->why);
	if (st != DB_OK)
		return st;
	const char *params[] = {l->ctx->org_id, l->id, l->reason};
	if ((st = db_run_status(db, &loop_cancel, 3, params, NULL)) != DB_OK ||
	    (st = db_run_any(db, &loop_cancel_rounds, 2, params)) != DB_OK ||
	    (st = render(db, l, l->id)) != DB_OK)
		return st;
	/* Free text may name the candidate: the log records only that it was given. */
	json_t *ch = json_pack("{s:s, s:s}", "status", "cancelled", "cancel_reason", AUDIT_REDACTED);
	st = db_webhook_emit(db, l->ctx->org_id, "loop.cancelled",
			     json_pack("{s:s, s:s}", "loop_id", l->id, "status", "cancelled"));
	if (st == DB_OK)
		st = db_audit_append(db, l->ctx, "loop.cancelled", "loop", l->id, ch);
	json_decref(ch);
	return st;
}

enum db_status
db_loop_cancel(struct db *db, struct arena *a, const struct audit_ctx *ctx, const char *id,
	       const char *reason, struct db_loop *out, struct db_refusal *why)
{
	struct loop_args l = {.a = a, .ctx = ctx, .id = id, .reason = reason, .out = out,
			      .why = why};
	return db_tx(db, cancel_tx, &l);
}

/* The stored status before and after the sync (the row is read before the
 * function changes it). */
static struct db_stmt loop_sync = {"loop_sync",
	"SELECT l.status, loop_sync_status($1, $2) FROM loops l WHERE l.org_id = $1 AND l.id = $2"};

struct db_batch
db_loop_sync_stmt(const char *const *p)
{
	return (struct db_batch){&loop_sync, 2, p, NULL};
}

enum db_status
db_loop_synced(struct db *db, const char *org_id, const char *loop_id, PGresult **r)
{
	enum db_status st = db_result_status(r);
	if (st != DB_OK)
		return st;
	const char *from = PQgetvalue(*r, 0, 0), *to = PQgetvalue(*r, 0, 1);
	if (strcmp(from, to) != 0)
		st = db_webhook_emit(db, org_id, "loop.status_changed",
				     json_pack("{s:s, s:s, s:s, s:[s]}", "loop_id", loop_id, "from",
					       from, "status", to, "changed", "status"));
	PQclear(*r);
	*r = NULL;
	return st;
}

enum db_status
db_loop_sync(struct db *db, const char *org_id, const char *loop_id)
{
	const char *p[] = {org_id, loop_id};
	PGresult *r = db_run(db, &loop_sync, 2, p);
	return r ? db_loop_synced(db, org_id, loop_id, &r) : db->status;
}
