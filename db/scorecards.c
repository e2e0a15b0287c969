/* Writing scorecards: drafts (revision 0, no audit), submission (revision
 * 1, locks the card, may complete the round and move the loop), amendments
 * (revision n+1 with a reason, audited with the fields that changed). */
#include <string.h>
#include "db/internal.h"
#include "db/webhooks.h"
#include "db/scorecards.h"
#include "db/scorecards_internal.h"

struct card_args {
	struct arena *a;
	const struct audit_ctx *ctx;
	const char *round_id, *role;
	const struct db_scorecard_in *in;
	int if_version;
	struct db_scorecard *out;
	struct db_refusal *why;
};

static enum db_status
refuse(struct card_args *c, enum db_refused reason)
{
	c->why->reason = reason;
	return DB_STATE;
}

/* The round's candidate, locked against a concurrent erasure (which locks
 * it FOR UPDATE first), so no free text is written after the erasure. */
static struct db_stmt candidate_share = {"scorecard_candidate_share",
	"SELECT c.erased_at IS NOT NULL FROM rounds r"
	" JOIN loops l ON l.org_id = r.org_id AND l.id = r.loop_id"
	" JOIN candidates c ON c.org_id = l.org_id AND c.id = l.candidate_id"
	" WHERE r.org_id = $1 AND r.id = $2 FOR SHARE OF c"};

/* An erased candidate's scorecards take no more text: the erasure cleared
 * it, and a card saved afterwards would bring it back under "erased".
 * Reads (and clears) candidate_share's result. */
static enum db_status
candidate_checked(struct card_args *c, PGresult **r)
{
	enum db_status st = db_result_status(r);
	if (st == DB_NONE)
		return DB_OK;	/* no such round: the card's own lookup answers 404 */
	bool erased = db_bool(*r, 0, 0);
	PQclear(*r);
	*r = NULL;
	return erased ? refuse(c, DB_REFUSED_CANDIDATE_ERASED) : DB_OK;
}

static enum db_status
check_candidate(struct db *db, struct card_args *c)
{
	const char *p[] = {c->ctx->org_id, c->round_id};
	PGresult *r = db_run(db, &candidate_share, 2, p);
	return r ? candidate_checked(c, &r) : db->status;
}

static struct db_stmt seat = {"scorecard_seat",
	"SELECT r.id, r.kind, r.status, r.required, r.rubric_key, r.rubric_version, " DB_TS("r.starts_at") ","
	" " DB_TS("r.ends_at") ", r.loop_id, ri.role, coalesce(r.starts_at <= now(), false),"
	" coalesce(r.ends_at <= now(), false), coalesce(l.hiring_manager_id = $2, false), r.rubric_id"
	" FROM rounds r JOIN loops l ON l.org_id = r.org_id AND l.id = r.loop_id"
	" LEFT JOIN round_interviewers ri ON ri.org_id = r.org_id AND ri.round_id = r.id"
	"  AND ri.user_id = $2"
	" WHERE r.org_id = $1 AND r.id = $4"
	" AND " DB_LOOP_VISIBLE("$2", "$3")
	" AND ($3::int & 3 > 0 AND ($3::int & 1 = 1 OR l.hiring_manager_id = $2)"
	"  OR ri.user_id IS NOT NULL)"};

enum db_status
db_scorecard_seat(struct db *db, struct arena *a, const struct db_viewer *v, const char *round_id,
		  struct db_scorecard_seat *out)
{
	const char *p[] = {v->org_id, v->user_id, arena_printf(a, "%d", v->reach), round_id};
	PGresult *r;
	enum db_status st = db_run_status(db, &seat, 4, p, &r);
	if (st != DB_OK)
		return st;
	*out = (struct db_scorecard_seat){
		.round = {db_str(a, r, 0, 0), db_str(a, r, 0, 1), db_str(a, r, 0, 2), db_bool(r, 0, 3),
			  db_str(a, r, 0, 4), (int)db_int(r, 0, 5), db_str(a, r, 0, 6),
			  db_str(a, r, 0, 7)},
		.loop_id = db_str(a, r, 0, 8), .role = db_str(a, r, 0, 9),
		.started = db_bool(r, 0, 10), .ended = db_bool(r, 0, 11),
		.manages = db_bool(r, 0, 12), .rubric_id = db_str(a, r, 0, 13)};
	PQclear(r);
	return DB_OK;
}

static struct db_stmt card_create = {"scorecard_create",
	"WITH s AS (INSERT INTO scorecards (org_id, round_id, loop_id, author_id, version)"
	"  SELECT org_id, id, loop_id, $3, 0 FROM rounds WHERE org_id = $1 AND id = $2"
	"  ON CONFLICT (org_id, round_id, author_id) DO NOTHING RETURNING org_id, id)"
	" INSERT INTO scorecard_revisions (org_id, scorecard_id, revision, role)"
	" SELECT org_id, id, 0, $4 FROM s"};
static struct db_stmt card_lock = {"scorecard_lock",
	"SELECT id, status, version, revision, loop_id FROM scorecards"
	" WHERE org_id = $1 AND round_id = $2 AND author_id = $3 FOR UPDATE"};

struct card_row {
	char *id, *status, *loop_id;
	int version, revision;
};

/* Reads (and clears) card_lock's result: DB_NONE when there is no card. */
static enum db_status
card_read(struct card_args *c, PGresult **r, struct card_row *row)
{
	enum db_status st = db_result_status(r);
	if (st != DB_OK)
		return st;
	*row = (struct card_row){db_str(c->a, *r, 0, 0), db_str(c->a, *r, 0, 1),
				 db_str(c->a, *r, 0, 4), (int)db_int(*r, 0, 2), (int)db_int(*r, 0, 3)};
	PQclear(*r);
	*r = NULL;
	return DB_OK;
}

/* Locks the loop; a decided or cancelled one takes no more scorecards. */
static enum db_status
lock_loop(struct db *db, struct card_args *c, const char *loop_id)
{
	enum db_status st = db_loop_lock_open(db, c->a, c->ctx->org_id, loop_id, 0, c->why);
	if (st == DB_STATE)
		c->why->reason = DB_REFUSED_SCORECARD_LOOP_CLOSED;
	return st;
}

/* Locks the author's scorecard of the round (DB_NONE when there is none). */
static enum db_status
lock_card(struct db *db, struct card_args *c, struct card_row *row)
{
	const char *p[] = {c->ctx->org_id, c->round_id, c->ctx->actor_id};
	PGresult *r = db_run(db, &card_lock, 3, p);
	return r ? card_read(c, &r, row) : db->status;
}

static struct db_stmt rating_insert = {"scorecard_rating_insert",
	"INSERT INTO scorecard_ratings (org_id, scorecard_id, revision, position, criterion, rating,"
	" evidence) VALUES ($1, $2, $3, $4, $5, $6, $7)"};
static struct db_stmt flag_insert = {"scorecard_flag_insert",
	"INSERT INTO scorecard_red_flags (org_id, scorecard_id, revision, position, key, evidence)"
	" VALUES ($1, $2, $3, $4, $5, $6)"};
static struct db_stmt note_insert = {"scorecard_note_insert",
	"INSERT INTO scorecard_notes (org_id, scorecard_id, revision, position, key, answer)"
	" VALUES ($1, $2, $3, $4, $5, $6)"};

/* Writes the items of in as revision rev of card id (the revision row exists). */
static enum db_status
write_items(struct db *db, struct card_args *c, const char *id, int rev)
{
	const struct db_scorecard_in *in = c->in;
	const char *revs = arena_printf(c->a, "%d", rev);
	enum db_status st = DB_OK;
	for (int i = 0; i < in->n_ratings && st == DB_OK; i++) {
		const struct db_scorecard_rating *x = &in->ratings[i];
		const char *p[] = {c->ctx->org_id, id, revs, arena_printf(c->a, "%d", i), x->criterion,
				   x->rating ? arena_printf(c->a, "%d", x->rating) : NULL, x->evidence};
		st = db_run_any(db, &rating_insert, 7, p);
	}
	for (int i = 0; i < in->n_red_flags && st == DB_OK; i++) {
		const char *p[] = {c->ctx->org_id, id, revs, arena_printf(c->a, "%d", i),
				   in->red_flags[i].key, in->red_flags[i].evidence};
		st = db_run_any(db, &flag_insert, 6, p);
	}
	for (int i = 0; i < in->n_notes && st == DB_OK; i++) {
		const char *p[] = {c->ctx->org_id, id, revs, arena_printf(c->a, "%d", i),
				   in->notes[i].key, in->notes[i].answer};
		st = db_run_any(db, &note_insert, 6, p);
	}
	return st;
}

static struct db_stmt draft_clear = {"scorecard_draft_clear",
	"WITH a AS (DELETE FROM scorecard_ratings WHERE org_id = $1 AND scorecard_id = $2"
	"  AND revision = 0), b AS (DELETE FROM scorecard_red_flags WHERE org_id = $1"
	"  AND scorecard_id = $2 AND revision = 0)"
	" DELETE FROM scorecard_notes WHERE org_id = $1 AND scorecard_id = $2 AND revision = 0"};
static struct db_stmt draft_head = {"scorecard_draft_head",
	"WITH v AS (UPDATE scorecard_revisions SET role = $3, recommendation = $4, summary = $5"
	"  WHERE org_id = $1 AND scorecard_id = $2 AND revision = 0)"
	" UPDATE scorecards SET version = version + 1, updated_at = now()"
	" WHERE org_id = $1 AND id = $2"};

/* Reads the author's scorecard back into c->out. */
static enum db_status
render(struct db *db, struct card_args *c)
{
	return db_scorecard_own(db, c->a, c->ctx->org_id, c->round_id, c->ctx->actor_id, c->out);
}

static enum db_status
save_tx(struct db *db, void *p)
{
	struct card_args *c = p;
	const char *cp[] = {c->ctx->org_id, c->round_id, c->ctx->actor_id, c->role};
	struct card_row row;
	enum db_status st = check_candidate(db, c);
	if (st == DB_OK)
		st = db_run_any(db, &card_create, 4, cp);
	if (st != DB_OK || (st = lock_card(db, c, &row)) != DB_OK)
		return st;
	if (strcmp(row.status, "draft") != 0)
		return refuse(c, DB_REFUSED_SCORECARD_SUBMITTED);
	if (c->if_version && c->if_version != row.version)
		return DB_STALE;
	const char *dp[] = {c->ctx->org_id, row.id};
	const char *hp[] = {c->ctx->org_id, row.id, c->role, c->in->recommendation, c->in->summary};
	if ((st = db_run_any(db, &draft_clear, 2, dp)) != DB_OK ||
	    (st = write_items(db, c, row.id, 0)) != DB_OK ||
	    (st = db_run_any(db, &draft_head, 5, hp)) != DB_OK)
		return st;
	return render(db, c);
}

enum db_status
db_scorecard_save(struct db *db, struct arena *a, const struct audit_ctx *ctx,
		  const char *round_id, const char *role, const struct db_scorecard_in *in,
		  int if_version, struct db_scorecard *out, struct db_refusal *why)
{
	struct card_args c = {.a = a, .ctx = ctx, .round_id = round_id, .role = role, .in = in,
			      .if_version = if_version, .out = out, .why = why};
	return db_tx(db, save_tx, &c);
}

static struct db_stmt round_lock = {"scorecard_round_lock",
	"SELECT r.status, coalesce(r.starts_at <= now(), false), coalesce(r.ends_at <= now(), false),"
	" ri.role, r.id, r.kind, r.required, r.rubric_key, r.rubric_version, " DB_TS("r.starts_at") ","
	" " DB_TS("r.ends_at") ", u.name FROM rounds r LEFT JOIN round_interviewers ri"
	"  ON ri.org_id = r.org_id AND ri.round_id = r.id AND ri.user_id = $3"
	" LEFT JOIN users u ON u.org_id = r.org_id AND u.id = $3"
	" WHERE r.org_id = $1 AND r.id = $2 FOR UPDATE OF r"};

struct round_row {
	char *status, *role, *author_name;
	bool started, ended;
	struct db_scorecard_round round;	/* as locked, for the reply */
};

/* Reads (and clears) round_lock's result and checks a scorecard may be
 * submitted for the round. */
static enum db_status
round_checked(struct card_args *c, PGresult **r, struct round_row *rr)
{
	enum db_status st = db_result_status(r);
	if (st != DB_OK)
		return st;
	struct arena *a = c->a;
	PGresult *x = *r;
	*rr = (struct round_row){db_str(a, x, 0, 0), db_str(a, x, 0, 3), db_str(a, x, 0, 11),
				 db_bool(x, 0, 1), db_bool(x, 0, 2),
				 {db_str(a, x, 0, 4), db_str(a, x, 0, 5), db_str(a, x, 0, 0),
				  db_bool(x, 0, 6), db_str(a, x, 0, 7), (int)db_int(x, 0, 8),
				  db_str(a, x, 0, 9), db_str(a, x, 0, 10)}};
	PQclear(x);
	*r = NULL;
	if (!rr->role)
		return DB_NONE;
	if (!strcmp(rr->status, "cancelled"))
		return refuse(c, DB_REFUSED_ROUND_CANCELLED);
	if (!strcmp(rr->status, "no_show"))
		return refuse(c, DB_REFUSED_ROUND_NO_SHOW);
	if (!rr->started)
		return refuse(c, DB_REFUSED_SCORECARD_ROUND_NOT_STARTED);
	return DB_OK;
}

/* The draft the caller read (at if_version) may still be submitted. */
static enum db_status
card_submittable(struct card_args *c, const struct card_row *row)
{
	if (strcmp(row->status, "draft") != 0)
		return refuse(c, DB_REFUSED_SCORECARD_SUBMITTED);
	if (row->version != c->if_version)
		return refuse(c, DB_REFUSED_SCORECARD_CHANGED);
	return DB_OK;
}

/* A decided or cancelled loop takes no more scorecards (reads and clears
 * loop_lock's result). */
static enum db_status
loop_checked(struct card_args *c, PGresult **r)
{
	enum db_status st = db_loop_lock_checked(c->a, r, 0, c->why);
	if (st == DB_STATE)
		c->why->reason = DB_REFUSED_SCORECARD_LOOP_CLOSED;
	return st;
}

/* Locks the candidate, the card, the round and the loop (erasure's order:
 * it locks the candidate first) in one round trip, then checks each in
 * that order. The loop is the card's: the one the caller read it in. */
static enum db_status
lock_for_submit(struct db *db, struct card_args *c, struct card_row *row, struct round_row *rr)
{
	const char *p[] = {c->ctx->org_id, c->round_id, c->ctx->actor_id};
	const char *lp[] = {c->ctx->org_id, c->out->loop_id};
	struct db_batch b[] = {{&candidate_share, 2, p, NULL}, {&card_lock, 3, p, NULL},
			       {&round_lock, 3, p, NULL}, db_loop_lock_stmt(lp)};
	enum db_status st = db_run_batch(db, b, 4);
	if (st == DB_OK && (st = candidate_checked(c, &b[0].r)) == DB_OK &&
	    (st = card_read(c, &b[1].r, row)) == DB_OK && (st = card_submittable(c, row)) == DB_OK &&
	    (st = round_checked(c, &b[2].r, rr)) == DB_OK)
		st = loop_checked(c, &b[3].r);
	for (int i = 0; i < 4; i++)
		PQclear(b[i].r);
	return st;
}

static struct db_stmt card_publish = {"scorecard_publish",
	"WITH v AS (INSERT INTO scorecard_revisions (org_id, scorecard_id, revision, role,"
	"  recommendation, summary, submitted_by, submitted_at)"
	"  SELECT org_id, scorecard_id, 1, $3, recommendation, summary, $4, now()"
	"  FROM scorecard_revisions WHERE org_id = $1 AND scorecard_id = $2 AND revision = 0),"
	" a AS (INSERT INTO scorecard_ratings SELECT org_id, scorecard_id, 1, position, criterion,"
	"  rating, evidence FROM scorecard_ratings WHERE org_id = $1 AND scorecard_id = $2"
	"  AND revision = 0),"
	" b AS (INSERT INTO scorecard_red_flags SELECT org_id, scorecard_id, 1, position, key,"
	"  evidence FROM scorecard_red_flags WHERE org_id = $1 AND scorecard_id = $2"
	"  AND revision = 0),"
	" n AS (INSERT INTO scorecard_notes SELECT org_id, scorecard_id, 1, position, key, answer"
	"  FROM scorecard_notes WHERE org_id = $1 AND scorecard_id = $2 AND revision = 0),"
	/* Every part reads the statement's snapshot, so the copies above still
	 * see the draft; its items go with it by ON DELETE CASCADE, which runs
	 * at the end of the statement. */
	" d AS (DELETE FROM scorecard_revisions WHERE org_id = $1 AND scorecard_id = $2"
	"  AND revision = 0)"
	" UPDATE scorecards SET status = 'submitted', revision = 1, version = version + 1,"
	" first_submitted_at = now(), submitted_at = now(), updated_at = now()"
	" WHERE org_id = $1 AND id = $2 RETURNING version, " DB_TS("submitted_at") ","
	" " DB_TS("updated_at")};
static struct db_stmt round_complete = {"scorecard_round_complete",
	"UPDATE rounds SET status = 'completed', version = version + 1, updated_at = now()"
	" WHERE org_id = $1 AND id = $2 AND status = 'scheduled'"};

/* A lead's submission of an ended round completes it (audited as the PATCH is). */
static bool
completes_round(const struct round_row *rr)
{
	return !strcmp(rr->role, "lead") && !strcmp(rr->status, "scheduled") && rr->ended;
}

/* Turns c->out (the draft, read at the version just locked, so its content
 * is what was copied) into the submitted card, as reading it back would
 * render it; reads (and clears) card_publish's result. */
static enum db_status
published(struct card_args *c, PGresult **r, const struct round_row *rr)
{
	enum db_status st = db_result_status(r);
	if (st != DB_OK)
		return st == DB_NONE ? DB_HARD : st;
	struct db_scorecard *out = c->out;
	out->version = (int)db_int(*r, 0, 0);
	out->submitted_at = out->first_submitted_at = db_str(c->a, *r, 0, 1);
	out->updated_at = db_str(c->a, *r, 0, 2);
	PQclear(*r);
	*r = NULL;
	out->status = "submitted";
	out->revision = out->latest_revision = 1;
	out->role = rr->role;
	out->reason = NULL;
	out->round = rr->round;
	out->author_name = rr->author_name;
	if (completes_round(rr))
		out->round.status = "completed";
	return DB_OK;
}

/* The events of a submission: the webhook's, the round's completion and
 * the scorecard's audit events (queued for COMMIT). */
static struct db_batch
submitted_hook(struct card_args *c, const struct card_row *row)
{
	return db_webhook_emit_stmt(c->a, c->ctx->org_id, "scorecard.submitted",
				    json_pack("{s:s, s:s, s:s, s:s, s:s}", "scorecard_id", row->id,
					      "round_id", c->round_id, "loop_id", row->loop_id,
					      "interviewer_id", c->ctx->actor_id, "status",
					      "submitted"));
}

static enum db_status
audit_submitted(struct db *db, struct card_args *c, const struct card_row *row,
		const struct round_row *rr)
{
	enum db_status st = DB_OK;
	if (completes_round(rr)) {
		json_t *ch = json_pack("{s:s, s:s}", "status", "completed", "by", "lead_scorecard");
		st = db_audit_append(db, c->ctx, "round.updated", "round", c->round_id, ch);
		json_decref(ch);
	}
	json_t *ch = json_pack("{s:s, s:s, s:s, s:i, s:s?}", "round_id", c->round_id, "loop_id",
			       row->loop_id, "role", rr->role, "revision", 1, "recommendation",
			       c->out->recommendation);
	if (st == DB_OK)
		st = db_audit_append(db, c->ctx, "scorecard.submitted", "scorecard", row->id, ch);
	json_decref(ch);
	return st;
}

/* After the locks, one round trip: publish, the round's completion (when
 * it completes), the loop's status, the webhook. A loop whose status
 * moved emits its own webhook after. */
static enum db_status
submit_tx(struct db *db, void *p)
{
	struct card_args *c = p;
	struct card_row row = {0};
	struct round_row rr = {0};	/* set on DB_OK (-O2 cannot tell) */
	enum db_status st = lock_for_submit(db, c, &row, &rr);
	if (st != DB_OK)
		return st;
	const char *pp[] = {c->ctx->org_id, row.id, rr.role, c->ctx->actor_id};
	const char *rp[] = {c->ctx->org_id, c->round_id};
	const char *lp[] = {c->ctx->org_id, row.loop_id};
	struct db_batch b[4] = {{&card_publish, 4, pp, NULL}};
	int n = 1;
	if (completes_round(&rr))	/* before the loop's status, which follows its rounds */
		b[n++] = (struct db_batch){&round_complete, 2, rp, NULL};
	int sync = n;
	b[n++] = db_loop_sync_stmt(lp);
	b[n++] = submitted_hook(c, &row);
	if ((st = db_run_batch(db, b, n)) == DB_OK && (st = published(c, &b[0].r, &rr)) == DB_OK)
		st = db_loop_synced(db, lp[0], lp[1], &b[sync].r);
	for (int i = 0; i < n; i++)
		PQclear(b[i].r);
	return st == DB_OK ? audit_submitted(db, c, &row, &rr) : st;
}

enum db_status
db_scorecard_submit(struct db *db, struct arena *a, const struct audit_ctx *ctx,
		    const char *round_id, int draft_version, struct db_scorecard *out,
		    struct db_refusal *why)
{
	struct card_args c = {.a = a, .ctx = ctx, .round_id = round_id, .if_version = draft_version,
			      .out = out, .why = why};
	return db_tx(db, submit_tx, &c);
}

static bool
same_text(const char *x, const char *y)
{
	return (!x && !y) || (x && y && !strcmp(x, y));
}

/* Names of what in changes against the previous revision, as a JSON array. */
static json_t *
changed_fields(const struct db_scorecard *old, const struct db_scorecard_in *in)
{
	json_t *ch = json_array();
	for (int i = 0; i < in->n_ratings; i++) {
		const struct db_scorecard_rating *x = &in->ratings[i], *o = NULL;
		for (int j = 0; j < old->n_ratings && !o; j++)
			if (!strcmp(old->ratings[j].criterion, x->criterion))
				o = &old->ratings[j];
		if (!o || o->rating != x->rating || !same_text(o->evidence, x->evidence))
			json_array_append_new(ch, json_sprintf("ratings.%s", x->criterion));
	}
	for (int j = 0; j < old->n_ratings; j++) {
		bool kept = false;
		for (int i = 0; i < in->n_ratings && !kept; i++)
			kept = !strcmp(old->ratings[j].criterion, in->ratings[i].criterion);
		if (!kept)
			json_array_append_new(ch, json_sprintf("ratings.%s", old->ratings[j].criterion));
	}
	bool flags = old->n_red_flags != in->n_red_flags;
	for (int i = 0; i < in->n_red_flags && !flags; i++)
		flags = strcmp(old->red_flags[i].key, in->red_flags[i].key) != 0 ||
			!same_text(old->red_flags[i].evidence, in->red_flags[i].evidence);
	if (flags)
		json_array_append_new(ch, json_string("red_flags"));
	bool notes = old->n_notes != in->n_notes;
	for (int i = 0; i < in->n_notes && !notes; i++)
		notes = strcmp(old->notes[i].key, in->notes[i].key) != 0 ||
			!same_text(old->notes[i].answer, in->notes[i].answer);
	if (notes)
		json_array_append_new(ch, json_string("notes"));
	if (!same_text(old->recommendation, in->recommendation))
		json_array_append_new(ch, json_string("recommendation"));
	if (!same_text(old->summary, in->summary))
		json_array_append_new(ch, json_string("summary"));
	return ch;
}

static struct db_stmt amend_insert = {"scorecard_amend_insert",
	"INSERT INTO scorecard_revisions (org_id, scorecard_id, revision, role, recommendation,"
	" summary, reason, submitted_by, submitted_at) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, now())"};
static struct db_stmt amend_head = {"scorecard_amend_head",
	"UPDATE scorecards SET revision = $3, version = version + 1, submitted_at = now(),"
	" updated_at = now() WHERE org_id = $1 AND id = $2"};

static enum db_status
amend_tx(struct db *db, void *p)
{
	struct card_args *c = p;
	const struct db_scorecard_in *in = c->in;
	struct card_row row;
	struct db_scorecard old;
	enum db_status st = check_candidate(db, c);
	if (st != DB_OK)
		return st;
	st = lock_card(db, c, &row);
	if (st == DB_NONE || (st == DB_OK && strcmp(row.status, "submitted") != 0))
		return refuse(c, DB_REFUSED_SCORECARD_NOT_SUBMITTED);
	if (st != DB_OK)
		return st;
	if (c->if_version && c->if_version != row.version)
		return DB_STALE;
	if (row.revision >= DB_SCORECARD_MAX_REVISIONS)
		return refuse(c, DB_REFUSED_SCORECARD_REVISIONS);
	if ((st = lock_loop(db, c, row.loop_id)) != DB_OK || (st = render(db, c)) != DB_OK)
		return st;
	old = *c->out;
	const char *rev = arena_printf(c->a, "%d", row.revision + 1);
	const char *ip[] = {c->ctx->org_id, row.id, rev, old.role, in->recommendation, in->summary,
			    in->reason, c->ctx->actor_id};
	if ((st = db_run_any(db, &amend_insert, 8, ip)) != DB_OK ||
	    (st = write_items(db, c, row.id, row.revision + 1)) != DB_OK ||
	    (st = db_run_any(db, &amend_head, 3, ip)) != DB_OK || (st = render(db, c)) != DB_OK)
		return st;
	json_t *ch = json_pack("{s:s, s:i, s:o, s:s, s:s?}", "round_id", c->round_id, "revision",
			       row.revision + 1, "changed", changed_fields(&old, in), "reason",
			       AUDIT_REDACTED, "recommendation", in->recommendation);
	st = db_webhook_emit(db, c->ctx->org_id, "scorecard.amended",
			     json_pack("{s:s, s:s, s:s, s:i, s:O}", "scorecard_id", row.id,
				       "round_id", c->round_id, "loop_id", row.loop_id, "revision",
				       row.revision + 1, "changed", json_object_get(ch, "changed")));
	if (st == DB_OK)
		st = db_audit_append(db, c->ctx, "scorecard.amended", "scorecard", row.id, ch);
	json_decref(ch);
	return st;
}

enum db_status
db_scorecard_amend(struct db *db, struct arena *a, const struct audit_ctx *ctx,
		   const char *round_id, const struct db_scorecard_in *in, int if_version,
		   struct db_scorecard *out, struct db_refusal *why)
{
	struct card_args c = {.a = a, .ctx = ctx, .round_id = round_id, .in = in,
			      .if_version = if_version, .out = out, .why = why};
	return db_tx(db, amend_tx, &c);
}
