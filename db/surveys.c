/* Candidate experience surveys: links, answers, aggregates (db/surveys.h). */
#include <stdlib.h>
#include <string.h>
#include "db/internal.h"
#include "db/surveys.h"

/* A link's columns; the last is its enum db_survey_state (answered wins
 * over expired). */
#define LINK_COLUMNS "l.id, l.loop_id, " DB_TS("l.created_at") ", " DB_TS("l.expires_at") \
	", l.questions_version, CASE WHEN l.answered_at IS NOT NULL THEN 3" \
	" WHEN l.expires_at <= now() THEN 2 ELSE 1 END"

static int
copy_link(struct arena *a, const PGresult *r, int row, void *item)
{
	*(struct db_survey_link *)item = (struct db_survey_link){
		.id = db_str(a, r, row, 0), .loop_id = db_str(a, r, row, 1),
		.created_at = db_str(a, r, row, 2), .expires_at = db_str(a, r, row, 3),
		.questions_version = (int)db_int(r, row, 4),
		.state = (enum db_survey_state)db_int(r, row, 5)};
	return row + 1;
}

/* Live links: neither revoked nor answered (expired ones too, harmlessly). */
static struct db_stmt links_revoke = {"survey_links_revoke",
	"UPDATE survey_links SET revoked_at = now() WHERE org_id = $1 AND loop_id = $2"
	" AND revoked_at IS NULL AND answered_at IS NULL RETURNING id"};

static struct db_stmt link_insert = {"survey_link_insert",
	"INSERT INTO survey_links AS l (org_id, loop_id, token_hash, questions_version, issued_by,"
	" expires_at)"
	" SELECT lp.org_id, lp.id, $3, $4, $5, now() + make_interval(secs => $6::float8)"
	" FROM loops lp JOIN candidates c ON c.org_id = lp.org_id AND c.id = lp.candidate_id"
	" WHERE lp.org_id = $1 AND lp.id = $2 AND c.erased_at IS NULL"
	" RETURNING " LINK_COLUMNS};

/* The loop, locked against other issues and revocations of its links, so
 * that two at once (a double click) leave one live link, not two. */
static struct db_stmt loop_exists = {"survey_loop_exists",
	"SELECT 1 FROM loops WHERE org_id = $1 AND id = $2 FOR NO KEY UPDATE"};

struct issue_args {
	const struct audit_ctx *ctx;
	struct arena *a;
	const char *loop_id, *token_hash, *version, *lifetime;
	struct db_survey_link *out;
};

static enum db_status
issue_tx(struct db *db, void *p)
{
	struct issue_args *s = p;
	const char *rp[] = {s->ctx->org_id, s->loop_id};
	const char *ip[] = {s->ctx->org_id, s->loop_id, s->token_hash, s->version,
			    strcmp(s->ctx->actor_type, "user") ? NULL : s->ctx->actor_id, s->lifetime};
	enum db_status st = db_run_status(db, &loop_exists, 2, rp, NULL);
	if (st == DB_OK)
		st = db_run_any(db, &links_revoke, 2, rp);
	if (st == DB_OK)
		st = db_row_fetch(db, &link_insert, 6, ip, s->a, copy_link, s->out);
	if (st != DB_OK)
		return st;
	json_t *ch = json_pack("{s:s, s:s, s:i}", "loop_id", s->loop_id, "expires_at",
			       s->out->expires_at, "questions_version", s->out->questions_version);
	st = db_audit_append(db, s->ctx, "candidate_survey.issued", "survey_link", s->out->id, ch);
	json_decref(ch);
	return st;
}

enum db_status
db_survey_issue(struct db *db, const struct audit_ctx *ctx, struct arena *a, const char *loop_id,
		const char *token_hash, int questions_version, long lifetime_seconds,
		struct db_survey_link *out)
{
	struct issue_args s = {ctx, a, loop_id, token_hash,
			       arena_printf(a, "%d", questions_version),
			       arena_printf(a, "%ld", lifetime_seconds), out};
	return db_tx(db, issue_tx, &s);
}

struct revoke_args {
	const struct audit_ctx *ctx;
	const char *loop_id;
};

static enum db_status
revoke_tx(struct db *db, void *p)
{
	struct revoke_args *s = p;
	const char *rp[] = {s->ctx->org_id, s->loop_id};
	enum db_status st = db_run_status(db, &loop_exists, 2, rp, NULL);
	if (st != DB_OK)
		return st;
	PGresult *r = db_run(db, &links_revoke, 2, rp);
	if (!r)
		return db->status;
	for (int i = 0; i < PQntuples(r) && st == DB_OK; i++) {
		json_t *ch = json_pack("{s:s}", "loop_id", s->loop_id);
		st = db_audit_append(db, s->ctx, "candidate_survey.revoked", "survey_link",
				     PQgetvalue(r, i, 0), ch);
		json_decref(ch);
	}
	if (st == DB_OK && PQntuples(r) == 0)
		st = DB_STATE;
	PQclear(r);
	return st;
}

enum db_status
db_survey_revoke(struct db *db, const struct audit_ctx *ctx, const char *loop_id)
{
	struct revoke_args s = {ctx, loop_id};
	return db_tx(db, revoke_tx, &s);
}

/* By the token's hash (the unique index): a wrong token costs one index
 * probe, as a right one does. */
static struct db_stmt link_by_hash = {"survey_link_by_hash",
	"SELECT " LINK_COLUMNS ", l.org_id FROM survey_links l"
	" WHERE l.token_hash = $1 AND l.revoked_at IS NULL"};
static struct db_stmt link_lock = {"survey_link_lock",
	"SELECT " LINK_COLUMNS ", l.org_id FROM survey_links l"
	" WHERE l.token_hash = $1 AND l.revoked_at IS NULL FOR UPDATE"};

enum db_status
db_survey_open(struct db *db, struct arena *a, const char *token_hash, struct db_survey_link *out)
{
	const char *p[] = {token_hash};
	return db_row_fetch(db, &link_by_hash, 1, p, a, copy_link, out);
}

static struct db_stmt answer_insert = {"survey_answer_insert",
	"WITH l AS (UPDATE survey_links SET answered_at = now() WHERE org_id = $1 AND id = $2"
	"  RETURNING org_id, id, loop_id, questions_version)"
	" INSERT INTO survey_answers (org_id, link_id, loop_id, questions_version, overall_rating,"
	" comment) SELECT org_id, id, loop_id, questions_version, $3, $4 FROM l"};
static struct db_stmt item_insert = {"survey_item_insert",
	"INSERT INTO survey_answer_items (org_id, link_id, question, answer, saw_flag)"
	" VALUES ($1, $2, $3, $4, $5)"};

struct submit_args {
	struct arena *a;
	const char *request_id, *source, *token_hash;
	const struct db_survey_answer *in;
	struct db_survey_link *out;
};

static enum db_status
insert_items(struct db *db, const char *org_id, const struct submit_args *s)
{
	enum db_status st = DB_OK;
	for (int i = 0; i < s->in->n_items && st == DB_OK; i++) {
		const struct db_survey_item *it = &s->in->items[i];
		const char *p[] = {org_id, s->out->id, it->question, it->answer,
				   it->has_flag ? (it->saw_flag ? "true" : "false") : NULL};
		st = db_run_status(db, &item_insert, 5, p, NULL);
	}
	return st;
}

static enum db_status
submit_tx(struct db *db, void *p)
{
	struct submit_args *s = p;
	const char *lp[] = {s->token_hash};
	PGresult *r;
	enum db_status st = db_run_status(db, &link_lock, 1, lp, &r);
	if (st != DB_OK)
		return st;
	copy_link(s->a, r, 0, s->out);
	char *org_id = db_str(s->a, r, 0, 6);
	PQclear(r);
	if (s->out->state != DB_SURVEY_OPEN)
		return DB_STATE;
	const char *ap[] = {org_id, s->out->id, arena_printf(s->a, "%d", s->in->overall_rating),
			    s->in->comment};
	if ((st = db_run_status(db, &answer_insert, 4, ap, NULL)) != DB_OK ||
	    (st = insert_items(db, org_id, s)) != DB_OK)
		return st;
	/* who answered is the link; what they answered is not audited content */
	struct audit_ctx ctx = {org_id, "system", NULL, s->request_id, s->source};
	return db_audit_append(db, &ctx, "candidate_survey.answered", "survey_link", s->out->id,
			       NULL);
}

enum db_status
db_survey_submit(struct db *db, struct arena *a, const char *request_id, const char *source,
		 const char *token_hash, const struct db_survey_answer *in,
		 struct db_survey_link *out)
{
	struct submit_args s = {a, request_id, source, token_hash, in, out};
	return db_tx(db, submit_tx, &s);
}

/* --- the report: every group as (a, b, n, flagged, mean rating) ---
 *
 * Only answers of closed months count: those submitted before the start of
 * the current calendar month (UTC). A closed month's answers never change
 * (a link takes one answer, erasure clears only the comment), so two reads
 * of the report within a month are the same, and a recruiter cannot learn
 * one candidate's answer by reading before and after it arrives. now() is
 * the transaction's start: every statement of a report sees one cut. */
#define CUT "(date_trunc('month', now() AT TIME ZONE 'UTC') AT TIME ZONE 'UTC')"
#define CLOSED(col) col " < " CUT

/* The cut (the end of the last closed month), when the next month closes,
 * and the last closed month as YYYY-MM. */
static struct db_stmt rep_period = {"survey_rep_period",
	"SELECT " DB_TS(CUT) ", " DB_TS("(" CUT " + interval '1 month')") ","
	" to_char(" CUT " AT TIME ZONE 'UTC' - interval '1 month', 'YYYY-MM')"};
/* Links issued before the cut, and those of them answered before it. */
static struct db_stmt rep_links = {"survey_rep_links",
	"SELECT NULL, NULL, count(*), count(*) FILTER (WHERE " CLOSED("answered_at") "),"
	" NULL::float8 FROM survey_links WHERE org_id = $1 AND " CLOSED("created_at")};
/* flagged, for answers as a whole: those that saw at least one red flag. */
#define ANY_FLAG "count(*) FILTER (WHERE EXISTS (SELECT 1 FROM survey_answer_items i" \
	" WHERE i.org_id = a.org_id AND i.link_id = a.link_id AND i.saw_flag))"
static struct db_stmt rep_overall = {"survey_rep_overall",
	"SELECT NULL, NULL, count(*), " ANY_FLAG ", avg(a.overall_rating)::float8"
	" FROM survey_answers a WHERE a.org_id = $1 AND " CLOSED("a.submitted_at")};
/* n: the answers that said yes or no (not_applicable does not count). */
static struct db_stmt rep_questions = {"survey_rep_questions",
	"SELECT i.question, NULL, count(i.saw_flag), count(*) FILTER (WHERE i.saw_flag),"
	" NULL::float8 FROM survey_answer_items i"
	" JOIN survey_answers a ON a.org_id = i.org_id AND a.link_id = i.link_id"
	" WHERE i.org_id = $1 AND a.org_id = $1 AND " CLOSED("a.submitted_at")
	" GROUP BY i.question ORDER BY i.question"};
static struct db_stmt rep_months = {"survey_rep_months",
	"SELECT to_char(date_trunc('month', a.submitted_at AT TIME ZONE 'UTC'), 'YYYY-MM'), NULL,"
	" count(*), " ANY_FLAG ", avg(a.overall_rating)::float8"
	" FROM survey_answers a WHERE a.org_id = $1 AND " CLOSED("a.submitted_at")
	" GROUP BY 1 ORDER BY 1"};
/* An interviewer's answers: those of the loops they held a seat in. */
#define PANEL "(SELECT DISTINCT ri.org_id, ri.loop_id, ri.user_id FROM round_interviewers ri" \
	" WHERE ri.org_id = $1)"
static struct db_stmt rep_people = {"survey_rep_people",
	"SELECT p.user_id, u.name, count(*), " ANY_FLAG ", avg(a.overall_rating)::float8"
	" FROM survey_answers a JOIN " PANEL " p ON p.org_id = a.org_id AND p.loop_id = a.loop_id"
	" JOIN users u ON u.org_id = p.org_id AND u.id = p.user_id"
	" WHERE a.org_id = $1 AND u.org_id = $1 AND " CLOSED("a.submitted_at")
	" GROUP BY p.user_id, u.name ORDER BY u.name, p.user_id"};
static struct db_stmt rep_people_questions = {"survey_rep_people_questions",
	"SELECT p.user_id, i.question, count(i.saw_flag), count(*) FILTER (WHERE i.saw_flag),"
	" NULL::float8 FROM survey_answers a"
	" JOIN " PANEL " p ON p.org_id = a.org_id AND p.loop_id = a.loop_id"
	" JOIN survey_answer_items i ON i.org_id = a.org_id AND i.link_id = a.link_id"
	" WHERE a.org_id = $1 AND i.org_id = $1 AND " CLOSED("a.submitted_at")
	" GROUP BY p.user_id, i.question ORDER BY p.user_id, i.question"};

static struct db_stmt rep_take_homes = {"survey_rep_take_homes",
	"SELECT count(*), count(*) FILTER (WHERE w LIKE '%take_home_deadline_short%'),"
	" count(*) FILTER (WHERE w LIKE '%take_home_effort_missing%')"
	" FROM (SELECT " DB_TAKE_HOME_WARNINGS("r") " AS w FROM rounds r WHERE r.org_id = $1"
	" AND r.kind = 'take_home' AND r.status <> 'cancelled') x"};
static struct db_stmt rep_elapsed = {"survey_rep_elapsed",
	"SELECT count(e), percentile_cont(0.5) WITHIN GROUP (ORDER BY e)"
	" FROM (SELECT " DB_LOOP_ELAPSED_DAYS " AS e FROM loops l WHERE l.org_id = $1) x"};

/* The org's take-home warnings and median elapsed days into o. */
static enum db_status
hygiene(struct db *db, const char *org_id, struct db_survey_report *o)
{
	const char *p[] = {org_id};
	PGresult *r = db_run(db, &rep_take_homes, 1, p);
	if (!r)
		return db->status;
	o->take_homes = db_int(r, 0, 0);
	o->deadline_short = db_int(r, 0, 1);
	o->effort_missing = db_int(r, 0, 2);
	PQclear(r);
	if (!(r = db_run(db, &rep_elapsed, 1, p)))
		return db->status;
	o->decided = db_int(r, 0, 0);
	o->median_known = !PQgetisnull(r, 0, 1);
	o->median_elapsed_days = o->median_known ? strtod(PQgetvalue(r, 0, 1), NULL) : 0;
	PQclear(r);
	return DB_OK;
}

static int
copy_group(struct arena *a, const PGresult *r, int row, void *item)
{
	*(struct db_survey_group *)item = (struct db_survey_group){
		.a = db_str(a, r, row, 0), .b = db_str(a, r, row, 1), .n = db_int(r, row, 2),
		.flagged = db_int(r, row, 3), .rated = !PQgetisnull(r, row, 4),
		.mean_rating = PQgetisnull(r, row, 4) ? 0 : strtod(PQgetvalue(r, row, 4), NULL)};
	return row + 1;
}

static enum db_status
groups(struct db *db, struct db_stmt *st, const char *org_id, struct arena *a,
       struct db_survey_group **out, int *n)
{
	const char *p[] = {org_id};
	void *items;
	enum db_status s = db_rows_collect(db, st, 1, p, a, sizeof **out, copy_group, &items, n);
	*out = items;
	return s;
}

struct report_args {
	struct arena *a;
	const char *org_id;
	struct db_survey_report *out;
};

static enum db_status
report_tx(struct db *db, void *p)
{
	struct report_args *s = p;
	struct db_survey_report *o = s->out;
	const char *op[] = {s->org_id};
	struct db_survey_group links;
	PGresult *r;
	enum db_status st = db_run_status(db, &rep_period, 0, NULL, &r);
	if (st != DB_OK)
		return st;
	o->through = db_str(s->a, r, 0, 0);
	o->updates_at = db_str(s->a, r, 0, 1);
	o->last_month = db_str(s->a, r, 0, 2);
	PQclear(r);
	st = db_row_fetch(db, &rep_links, 1, op, s->a, copy_group, &links);
	if (st == DB_OK)
		st = db_row_fetch(db, &rep_overall, 1, op, s->a, copy_group, &o->overall);
	if (st == DB_OK)
		st = groups(db, &rep_questions, s->org_id, s->a, &o->questions, &o->n_questions);
	if (st == DB_OK)
		st = groups(db, &rep_months, s->org_id, s->a, &o->months, &o->n_months);
	if (st == DB_OK)
		st = groups(db, &rep_people, s->org_id, s->a, &o->people, &o->n_people);
	if (st == DB_OK)
		st = groups(db, &rep_people_questions, s->org_id, s->a, &o->people_questions,
			    &o->n_people_questions);
	if (st == DB_OK)
		st = hygiene(db, s->org_id, o);
	o->issued = links.n;
	o->answered = links.flagged;
	return st;
}

enum db_status
db_survey_report(struct db *db, struct arena *a, const char *org_id, struct db_survey_report *out)
{
	struct report_args s = {a, org_id, out};
	memset(out, 0, sizeof *out);
	return db_tx(db, report_tx, &s);
}

static struct db_stmt erase_text = {"survey_erase_text",
	"WITH r AS (UPDATE survey_links SET revoked_at = now() WHERE org_id = $1"
	"  AND revoked_at IS NULL AND answered_at IS NULL AND loop_id IN"
	"  (SELECT id FROM loops WHERE org_id = $1 AND candidate_id = $2))"
	" UPDATE survey_answers SET comment = NULL WHERE org_id = $1 AND comment IS NOT NULL"
	" AND loop_id IN (SELECT id FROM loops WHERE org_id = $1 AND candidate_id = $2)"};

enum db_status
db_surveys_erase_candidate(struct db *db, const char *org_id, const char *candidate_id)
{
	const char *p[] = {org_id, candidate_id};
	return db_run_any(db, &erase_text, 2, p);
}
