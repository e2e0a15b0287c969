/* Packet reads (audited), hire decisions, and their erasure. */
#include <stdio.h>
#include <string.h>
#include "db/decision_internal.h"
#include "db/webhooks.h"

/* The loop as a packet reader or decider sees it, with the org's current
 * policy and the loop's elapsed days. full: reached as an admin, recruiter,
 * client or its hiring manager; seen: reached at all. */
#define LOOP_HEAD \
	"SELECT " DB_LOOP_STATUS ", l.hiring_manager_id," \
	" ($3::int & 1 = 1 OR ($3::int & 2 = 2 AND l.hiring_manager_id = $4))," \
	" " DB_LOOP_VISIBLE("$4", "$3") ", " DB_LOOP_ELAPSED_DAYS ", " DB_POLICY_COLUMNS \
	" FROM loops l" DB_POLICY_JOIN " WHERE l.org_id = $1 AND l.id = $2"
static struct db_stmt loop_head = {"decision_loop_head", LOOP_HEAD};
static struct db_stmt loop_head_lock = {"decision_loop_head_lock", LOOP_HEAD " FOR UPDATE OF l"};

/* Reads the loop's status, manager, elapsed days and policy into in:
 * DB_NONE when v does not reach it, DB_STATE (PACKET_NOT_ALLOWED) when v
 * reaches it only as an interviewer. */
static enum db_status
head(struct db *db, struct arena *a, const struct db_viewer *v, const char *loop_id, bool lock,
     struct db_packet_inputs *in, struct db_refusal *why)
{
	const char *p[] = {v->org_id, loop_id, arena_printf(a, "%d", v->reach), v->user_id};
	PGresult *r;
	enum db_status st = db_run_status(db, lock ? &loop_head_lock : &loop_head, 4, p, &r);
	if (st != DB_OK)
		return st;
	in->loop_id = arena_strdup(a, loop_id);
	in->status = db_str(a, r, 0, 0);
	in->hiring_manager_id = db_str(a, r, 0, 1);
	bool full = db_bool(r, 0, 2), seen = db_bool(r, 0, 3);
	in->hygiene.timed = !PQgetisnull(r, 0, 4);
	in->hygiene.elapsed_days = db_float(r, 0, 4);
	st = seen && full ? db_policy_row(db, a, v->org_id, r, 5, &in->policy) : DB_OK;
	PQclear(r);
	if (!seen)
		return DB_NONE;
	if (!full) {
		why->reason = DB_REFUSED_PACKET_NOT_ALLOWED;
		return DB_STATE;
	}
	return st;
}

struct packet_args {
	struct arena *a;
	const struct audit_ctx *ctx;
	const struct db_viewer *v;
	const char *loop_id;
	db_judge *judge;
	void *judge_ctx;
	const struct db_decision_in *in;
	struct db_decision *out;
	struct db_refusal *why;
};

/* The figures of a judgement as audit changes (a new reference). */
static json_t *
judgement_changes(const struct db_judgement *j)
{
	return json_pack("{s:s, s:o, s:i}", "recommendation", j->recommendation, "score",
			 j->scored ? json_real(j->score) : json_null(), "policy_version",
			 j->policy_version);
}

static enum db_status
packet_tx(struct db *db, void *p)
{
	struct packet_args *pa = p;
	struct db_packet_inputs in = {0};
	struct db_judgement j = {0};
	enum db_status st = head(db, pa->a, pa->v, pa->loop_id, false, &in, pa->why);
	if (st != DB_OK ||
	    (st = db_packet_load(db, pa->a, pa->v->org_id, pa->loop_id, &in)) != DB_OK ||
	    (st = pa->judge(pa->judge_ctx, pa->a, &in, &j)) != DB_OK)
		return st;
	json_t *ch = judgement_changes(&j);
	st = db_audit_append(db, pa->ctx, "decision_packet.read", "loop", pa->loop_id, ch);
	json_decref(ch);
	return st;
}

enum db_status
db_packet_read(struct db *db, struct arena *a, const struct audit_ctx *ctx,
	       const struct db_viewer *v, const char *loop_id, db_judge *judge, void *judge_ctx,
	       struct db_refusal *why)
{
	struct packet_args pa = {.a = a, .ctx = ctx, .v = v, .loop_id = loop_id, .judge = judge,
				 .judge_ctx = judge_ctx, .why = why};
	return db_tx(db, packet_tx, &pa);
}

/* The loop may be decided now by ctx's actor: DB_OK with *forced set when
 * only an override may decide it (in_progress), else the refusal. */
static enum db_status
may_decide(const struct packet_args *pa, const struct db_packet_inputs *in, bool *forced)
{
	const struct audit_ctx *ctx = pa->ctx;
	*forced = false;
	if (strcmp(ctx->actor_type, "user") != 0 || strcmp(in->hiring_manager_id, ctx->actor_id) != 0) {
		pa->why->reason = DB_REFUSED_NOT_HIRING_MANAGER;
		return DB_STATE;
	}
	pa->why->status = in->status;
	if (strcmp(in->status, "decided") == 0) {
		pa->why->reason = DB_REFUSED_ALREADY_DECIDED;
		return DB_STATE;
	}
	*forced = strcmp(in->status, "in_progress") == 0;
	if (*forced || strcmp(in->status, "awaiting_decision") == 0)
		return DB_OK;
	pa->why->reason = DB_REFUSED_LOOP_NOT_READY;
	return DB_STATE;
}

/* The loop's candidate, locked against a concurrent erasure (which locks it
 * FOR UPDATE first): true when erased. */
static struct db_stmt candidate_share = {"decision_candidate_share",
	"SELECT c.erased_at IS NOT NULL FROM loops l"
	" JOIN candidates c ON c.org_id = l.org_id AND c.id = l.candidate_id"
	" WHERE l.org_id = $1 AND l.id = $2 FOR SHARE OF c"};

static enum db_status
candidate_erased(struct db *db, struct packet_args *pa, bool *erased)
{
	const char *p[] = {pa->ctx->org_id, pa->loop_id};
	PGresult *r;
	enum db_status st = db_run_status(db, &candidate_share, 2, p, &r);
	if (st != DB_OK)
		return st;
	*erased = db_bool(r, 0, 0);
	PQclear(r);
	return DB_OK;
}

/* $12: the candidate is erased already, so the free text is not kept (as the
 * erasure would have cleared it). */
static struct db_stmt decision_insert = {"decision_insert",
	"INSERT INTO decisions (org_id, loop_id, outcome, rationale, override, override_justification,"
	" packet_recommendation, packet_score, policy_version, loop_status, decided_by, erased_at)"
	" VALUES ($1, $2, $3, CASE WHEN NOT $12::boolean THEN $4 END, $5,"
	" CASE WHEN NOT $12::boolean THEN $6 END, $7, $8, $9, $10, $11,"
	" CASE WHEN $12::boolean THEN now() END) RETURNING id"};
static struct db_stmt loop_decided = {"decision_loop_decided",
	"UPDATE loops SET status = 'decided', version = version + 1, updated_at = now()"
	" WHERE org_id = $1 AND id = $2"};
/* Each interviewer's contribution, added to their stats once per loop. */
static struct db_stmt stats_add = {"decision_stats_add",
	"WITH c AS (INSERT INTO interviewer_contributions (org_id, loop_id, user_id, n, deviation)"
	"  VALUES ($1, $2, $3, $4, $5) ON CONFLICT DO NOTHING RETURNING n, deviation)"
	" INSERT INTO interviewer_stats (org_id, user_id, n, sum_deviation)"
	" SELECT $1, $3, n, deviation FROM c"
	" ON CONFLICT (org_id, user_id) DO UPDATE SET n = interviewer_stats.n + EXCLUDED.n,"
	" sum_deviation = interviewer_stats.sum_deviation + EXCLUDED.sum_deviation,"
	" updated_at = now()"};

static enum db_status
add_contributions(struct db *db, struct packet_args *pa, const struct db_judgement *j)
{
	enum db_status st = DB_OK;
	for (int i = 0; i < j->n_contributions && st == DB_OK; i++) {
		const struct db_interviewer_stat *c = &j->contributions[i];
		const char *p[] = {pa->ctx->org_id, pa->loop_id, c->user_id,
				   arena_printf(pa->a, "%lld", c->n),
				   arena_printf(pa->a, "%.17g", c->sum_deviation)};
		st = db_run_any(db, &stats_add, 5, p);
	}
	return st;
}

/* Inserts the decision row and moves the loop to decided. */
static enum db_status
insert_decision(struct db *db, struct packet_args *pa, const struct db_packet_inputs *in,
		const struct db_judgement *j, bool override, bool erased)
{
	const struct db_decision_in *d = pa->in;
	const char *p[] = {pa->ctx->org_id, pa->loop_id, d->outcome, d->rationale,
			   override ? "true" : "false", d->override_justification,
			   j->recommendation, j->scored ? arena_printf(pa->a, "%.2f", j->score) : NULL,
			   arena_printf(pa->a, "%d", j->policy_version), in->status,
			   pa->ctx->actor_id, erased ? "true" : "false"};
	enum db_status st = db_run_status(db, &decision_insert, 12, p, NULL);
	if (st == DB_CONFLICT) {
		pa->why->reason = DB_REFUSED_ALREADY_DECIDED;
		return DB_STATE;
	}
	if (st != DB_OK)
		return st;
	const char *pl[] = {pa->ctx->org_id, pa->loop_id};
	return db_run_status(db, &loop_decided, 2, pl, NULL);
}

static enum db_status
decide_tx(struct db *db, void *p)
{
	struct packet_args *pa = p;
	struct db_packet_inputs in = {0};
	struct db_judgement j = {0};
	bool forced, erased = false;
	/* the candidate first, in the order an erasure locks (candidate, then loops) */
	enum db_status st = candidate_erased(db, pa, &erased);
	if (st == DB_NONE)
		st = DB_OK;	/* no such loop: head() answers 404 */
	if (st == DB_OK)
		st = head(db, pa->a, pa->v, pa->loop_id, true, &in, pa->why);
	if (st != DB_OK || (st = may_decide(pa, &in, &forced)) != DB_OK ||
	    (st = db_packet_load(db, pa->a, pa->v->org_id, pa->loop_id, &in)) != DB_OK ||
	    (st = pa->judge(pa->judge_ctx, pa->a, &in, &j)) != DB_OK)
		return st;
	bool override = forced || strcmp(pa->in->outcome, j.recommendation) != 0;
	if (override && !pa->in->override_justification) {
		pa->why->reason = DB_REFUSED_OVERRIDE_JUSTIFICATION_REQUIRED;
		return DB_INVALID;
	}
	if ((st = insert_decision(db, pa, &in, &j, override, erased)) != DB_OK ||
	    (st = add_contributions(db, pa, &j)) != DB_OK ||
	    (st = db_decision_get(db, pa->a, pa->v, pa->loop_id, pa->out)) != DB_OK)
		return st;
	/* Free text may name the candidate: the log records only that it was given. */
	json_t *ch = json_pack("{s:s, s:s, s:b, s:s, s:o, s:i, s:s, s:s, s:s?}",
		"decision_id", pa->out->id, "outcome", pa->in->outcome, "override", override,
		"packet_recommendation", j.recommendation, "packet_score",
		j.scored ? json_real(j.score) : json_null(), "policy_version", j.policy_version,
		"status", "decided", "rationale", AUDIT_REDACTED, "override_justification",
		pa->in->override_justification ? AUDIT_REDACTED : NULL);
	st = db_webhook_emit(db, pa->ctx->org_id, "loop.decided",
			     json_pack("{s:s, s:s, s:s, s:b, s:s}", "loop_id", pa->loop_id,
				       "decision_id", pa->out->id, "outcome", pa->in->outcome,
				       "override", override, "status", "decided"));
	if (st == DB_OK)
		st = db_audit_append(db, pa->ctx, "decision.recorded", "loop", pa->loop_id, ch);
	json_decref(ch);
	return st;
}

enum db_status
db_decision_record(struct db *db, struct arena *a, const struct audit_ctx *ctx,
		   const struct db_viewer *v, const char *loop_id, const struct db_decision_in *in,
		   db_judge *judge, void *judge_ctx, struct db_decision *out, struct db_refusal *why)
{
	struct packet_args pa = {.a = a, .ctx = ctx, .v = v, .loop_id = loop_id, .judge = judge,
				 .judge_ctx = judge_ctx, .in = in, .out = out, .why = why};
	return db_tx(db, decide_tx, &pa);
}

static struct db_stmt decision_get = {"decision_get",
	"SELECT d.id, d.loop_id, d.outcome, d.rationale, d.override_justification, d.override,"
	" d.erased_at IS NOT NULL, d.packet_recommendation, d.packet_score::float8,"
	" d.packet_score IS NOT NULL, d.policy_version, d.loop_status, d.decided_by, "
	DB_TS("d.created_at")
	" FROM decisions d JOIN loops l ON l.org_id = d.org_id AND l.id = d.loop_id"
	" WHERE d.org_id = $1 AND d.loop_id = $2"
	" AND ($3::int & 1 = 1 OR ($3::int & 2 = 2 AND l.hiring_manager_id = $4))"};

enum db_status
db_decision_get(struct db *db, struct arena *a, const struct db_viewer *v, const char *loop_id,
		struct db_decision *out)
{
	const char *p[] = {v->org_id, loop_id, arena_printf(a, "%d", v->reach), v->user_id};
	PGresult *r;
	enum db_status st = db_run_status(db, &decision_get, 4, p, &r);
	if (st != DB_OK)
		return st;
	out->id = db_str(a, r, 0, 0);
	out->loop_id = db_str(a, r, 0, 1);
	out->outcome = db_str(a, r, 0, 2);
	out->rationale = db_str(a, r, 0, 3);
	out->override_justification = db_str(a, r, 0, 4);
	out->override = db_bool(r, 0, 5);
	out->erased = db_bool(r, 0, 6);
	out->packet_recommendation = db_str(a, r, 0, 7);
	out->packet_score = db_float(r, 0, 8);
	out->scored = db_bool(r, 0, 9);
	out->policy_version = (int)db_int(r, 0, 10);
	out->loop_status = db_str(a, r, 0, 11);
	out->decided_by = db_str(a, r, 0, 12);
	out->created_at = db_str(a, r, 0, 13);
	PQclear(r);
	return DB_OK;
}

static struct db_stmt decision_erase = {"decision_erase",
	"UPDATE decisions SET rationale = NULL, override_justification = NULL, erased_at = now()"
	" WHERE org_id = $1 AND loop_id = ANY (ARRAY(SELECT id FROM loops"
	"  WHERE org_id = $1 AND candidate_id = $2)) AND erased_at IS NULL"};

enum db_status
db_decision_erase_text(struct db *db, const char *org_id, const char *candidate_id)
{
	const char *p[] = {org_id, candidate_id};
	return db_run_any(db, &decision_erase, 2, p);
}
