/* Reading scorecards: one flat query for the headers (scorecard, revision,
 * round, author) and one for their items (ratings, red flags and notes,
 * told apart by a kind column), filtered by the same condition and matched
 * up by (scorecard, revision). */
#include <string.h>
#include "db/internal.h"
#include "db/scorecards.h"
#include "db/scorecards_internal.h"

#define CARD_FROM \
	" FROM scorecards s JOIN scorecard_revisions v ON v.org_id = s.org_id" \
	" AND v.scorecard_id = s.id"

#define CARD_HEAD \
	"SELECT s.id, s.loop_id, r.id, r.kind, r.status, r.required, r.rubric_key," \
	" r.rubric_version, " DB_TS("r.starts_at") ", " DB_TS("r.ends_at") ", s.author_id, u.name, v.role," \
	" s.status, v.revision, s.revision, v.recommendation, v.summary, v.reason," \
	" " DB_TS("v.submitted_at") ", " DB_TS("s.first_submitted_at") ", s.erased_at IS NOT NULL, s.version," \
	" " DB_TS("s.created_at") ", " DB_TS("s.updated_at") CARD_FROM \
	" JOIN rounds r ON r.org_id = s.org_id AND r.id = s.round_id" \
	" JOIN users u ON u.org_id = s.org_id AND u.id = s.author_id WHERE "
#define CARD_ORDER \
	" ORDER BY r.starts_at NULLS LAST, r.ordinal, s.first_submitted_at NULLS LAST," \
	" s.created_at, s.id, v.revision"

/* The items of one kind (0 ratings, 1 red flags, 2 notes) of the matching
 * cards: kind, scorecard, revision, key, rating, text, position. */
#define CARD_ITEMS(kind, table, cols, cond) \
	"SELECT " kind ", x.scorecard_id, x.revision, " cols ", x.position" CARD_FROM \
	" JOIN " table " x ON x.org_id = v.org_id AND x.scorecard_id = v.scorecard_id" \
	" AND x.revision = v.revision WHERE " cond
#define ITEM_RATINGS(cond) CARD_ITEMS("0", "scorecard_ratings", "x.criterion, x.rating, x.evidence", cond)
#define ITEM_FLAGS(cond) CARD_ITEMS("1", "scorecard_red_flags", "x.key, NULL, x.evidence", cond)
#define ITEM_NOTES(cond) CARD_ITEMS("2", "scorecard_notes", "x.key, NULL, x.answer", cond)
#define ITEM_ORDER " ORDER BY 1, 2, 3, 7"

/* Every kind of item in one statement: one round trip instead of three. */
#define CARD_QUERIES(name, cond) { \
	{name "_head", CARD_HEAD cond CARD_ORDER, 0}, \
	{name "_items", ITEM_RATINGS(cond) " UNION ALL " ITEM_FLAGS(cond) ITEM_ORDER, 0}, \
	{name "_items_notes", ITEM_RATINGS(cond) " UNION ALL " ITEM_FLAGS(cond) \
		" UNION ALL " ITEM_NOTES(cond) ITEM_ORDER, 0}}

/* The latest submitted revision of every scorecard of loop $2. */
static struct card_queries loop_submitted = CARD_QUERIES("scorecards_loop_submitted",
	"s.org_id = $1 AND s.loop_id = $2 AND s.status = 'submitted' AND v.revision = s.revision");

/* The author's ($3) scorecard of round $2: the draft or the latest revision. */
static struct card_queries own = CARD_QUERIES("scorecards_own",
	"s.org_id = $1 AND s.round_id = $2 AND s.author_id = $3 AND v.revision = s.revision");

/* Every submitted revision of round $2's scorecards (of author $3, or all). */
static struct card_queries versions = CARD_QUERIES("scorecards_versions",
	"s.org_id = $1 AND s.round_id = $2 AND ($3::uuid IS NULL OR s.author_id = $3)"
	" AND v.revision > 0");

/* Loop $2 as user $3 reads it: their own, and the others' submitted ones
 * when $4. */
static struct card_queries loop_view = CARD_QUERIES("scorecards_loop_view",
	"s.org_id = $1 AND s.loop_id = $2 AND v.revision = s.revision"
	" AND (s.author_id = $3 OR (s.status = 'submitted' AND $4::boolean))");

static void
read_head(struct arena *a, const PGresult *r, int i, struct db_scorecard *c)
{
	c->id = db_str(a, r, i, 0);
	c->loop_id = db_str(a, r, i, 1);
	c->round.id = db_str(a, r, i, 2);
	c->round.kind = db_str(a, r, i, 3);
	c->round.status = db_str(a, r, i, 4);
	c->round.required = db_bool(r, i, 5);
	c->round.rubric_key = db_str(a, r, i, 6);
	c->round.rubric_version = (int)db_int(r, i, 7);
	c->round.starts_at = db_str(a, r, i, 8);
	c->round.ends_at = db_str(a, r, i, 9);
	c->author_id = db_str(a, r, i, 10);
	c->author_name = db_str(a, r, i, 11);
	c->role = db_str(a, r, i, 12);
	c->status = db_str(a, r, i, 13);
	c->revision = (int)db_int(r, i, 14);
	c->latest_revision = (int)db_int(r, i, 15);
	c->recommendation = db_str(a, r, i, 16);
	c->summary = db_str(a, r, i, 17);
	c->reason = db_str(a, r, i, 18);
	c->submitted_at = db_str(a, r, i, 19);
	c->first_submitted_at = db_str(a, r, i, 20);
	c->erased = db_bool(r, i, 21);
	c->version = (int)db_int(r, i, 22);
	c->created_at = db_str(a, r, i, 23);
	c->updated_at = db_str(a, r, i, 24);
}

/* The scorecard of cards with this id and revision, or NULL. */
static struct db_scorecard *
find_card(struct db_scorecard *cards, int n, const char *id, int revision)
{
	for (int i = 0; i < n; i++)
		if (cards[i].revision == revision && !strcmp(cards[i].id, id))
			return &cards[i];
	return NULL;
}

enum item_kind { ITEM_RATING, ITEM_FLAG, ITEM_NOTE };

/* Counts the item rows of kind of each card, allocates the arrays, then
 * fills them. */
static void
attach_items(struct arena *a, const PGresult *r, enum item_kind kind, struct db_scorecard *cards,
	     int n)
{
	int rows = PQntuples(r);
	for (int pass = 0; pass < 2; pass++) {
		for (int i = 0; i < n; i++) {
			int *count = kind == ITEM_RATING ? &cards[i].n_ratings
				   : kind == ITEM_FLAG ? &cards[i].n_red_flags : &cards[i].n_notes;
			if (pass == 1 && *count) {
				if (kind == ITEM_RATING)
					cards[i].ratings = arena_alloc(a, (size_t)*count * sizeof *cards[i].ratings);
				else if (kind == ITEM_FLAG)
					cards[i].red_flags = arena_alloc(a, (size_t)*count * sizeof *cards[i].red_flags);
				else
					cards[i].notes = arena_alloc(a, (size_t)*count * sizeof *cards[i].notes);
			}
			*count = 0;
		}
		for (int j = 0; j < rows; j++) {
			if (db_int(r, j, 0) != kind)
				continue;
			struct db_scorecard *c = find_card(cards, n, PQgetvalue(r, j, 1),
							   (int)db_int(r, j, 2));
			if (!c)
				continue;
			if (pass == 1 && kind == ITEM_RATING)
				c->ratings[c->n_ratings] = (struct db_scorecard_rating){
					db_str(a, r, j, 3), PQgetisnull(r, j, 4) ? 0 : (int)db_int(r, j, 4),
					db_str(a, r, j, 5)};
			else if (pass == 1 && kind == ITEM_FLAG)
				c->red_flags[c->n_red_flags] = (struct db_scorecard_red_flag){
					db_str(a, r, j, 3), db_str(a, r, j, 5)};
			else if (pass == 1)
				c->notes[c->n_notes] = (struct db_scorecard_note){db_str(a, r, j, 3),
										  db_str(a, r, j, 5)};
			if (kind == ITEM_RATING)
				c->n_ratings++;
			else if (kind == ITEM_FLAG)
				c->n_red_flags++;
			else
				c->n_notes++;
		}
	}
}

/* Runs the items statement and attaches its rows to cards. */
static enum db_status
read_items(struct db *db, struct arena *a, struct card_queries *q, int np, const char *const *p,
	   bool with_notes, struct db_scorecard *cards, int n)
{
	PGresult *r = db_run(db, with_notes ? &q->items_notes : &q->items, np, p);
	if (!r)
		return db->status;
	attach_items(a, r, ITEM_RATING, cards, n);
	attach_items(a, r, ITEM_FLAG, cards, n);
	if (with_notes)
		attach_items(a, r, ITEM_NOTE, cards, n);
	PQclear(r);
	return DB_OK;
}

static enum db_status
cards_read(struct db *db, struct arena *a, struct card_queries *q, int np,
	   const char *const *p, bool with_notes, struct db_scorecard **out, int *n)
{
	*out = NULL;
	*n = 0;
	PGresult *r = db_run(db, &q->head, np, p);
	if (!r)
		return db->status;
	int rows = PQntuples(r);
	struct db_scorecard *cards = rows ? arena_alloc(a, (size_t)rows * sizeof *cards) : NULL;
	for (int i = 0; i < rows; i++)
		read_head(a, r, i, &cards[i]);
	PQclear(r);
	enum db_status st = rows ? read_items(db, a, q, np, p, with_notes, cards, rows) : DB_OK;
	if (st != DB_OK)
		return st;
	*out = cards;
	*n = rows;
	return DB_OK;
}

/* The two queries must see one snapshot (a submission in between would
 * pair a draft's header with a submitted revision's missing items): outside
 * a transaction they run in a repeatable-read one of their own. */
enum db_status
db_cards_read(struct db *db, struct arena *a, struct card_queries *q, int np,
	      const char *const *p, bool with_notes, struct db_scorecard **out, int *n)
{
	if (db->in_tx)
		return cards_read(db, a, q, np, p, with_notes, out, n);
	enum db_status st = db_simple(db, "BEGIN ISOLATION LEVEL REPEATABLE READ, READ ONLY");
	if (st != DB_OK)
		return st;
	db->in_tx = true;
	st = cards_read(db, a, q, np, p, with_notes, out, n);
	enum db_status end = db->conn ? db_simple(db, st == DB_OK ? "COMMIT" : "ROLLBACK") : DB_OK;
	db->in_tx = false;
	return st == DB_OK ? end : st;
}

enum db_status
db_loop_scorecards_submitted(struct db *db, struct arena *a, const char *org_id,
			     const char *loop_id, struct db_scorecard **out, int *n)
{
	const char *p[] = {org_id, loop_id};
	return db_cards_read(db, a, &loop_submitted, 2, p, false, out, n);
}

enum db_status
db_scorecard_own(struct db *db, struct arena *a, const char *org_id, const char *round_id,
		 const char *author_id, struct db_scorecard *out)
{
	const char *p[] = {org_id, round_id, author_id};
	struct db_scorecard *cards;
	int n;
	enum db_status st = db_cards_read(db, a, &own, 3, p, true, &cards, &n);
	if (st != DB_OK)
		return st;
	if (n == 0)
		return DB_NONE;
	*out = cards[0];
	return DB_OK;
}

enum db_status
db_scorecard_versions(struct db *db, struct arena *a, const char *org_id, const char *round_id,
		      const char *author_id, bool with_notes, struct db_scorecard **out, int *n)
{
	const char *p[] = {org_id, round_id, author_id};
	return db_cards_read(db, a, &versions, 3, p, with_notes, out, n);
}

static struct db_stmt loop_reach = {"scorecards_loop_reach",
	"SELECT l.hiring_manager_id = $3,"
	" NOT EXISTS (SELECT 1 FROM round_interviewers ri JOIN rounds r ON r.org_id = ri.org_id"
	"  AND r.id = ri.round_id WHERE ri.org_id = l.org_id AND ri.loop_id = l.id"
	"  AND ri.user_id = $3 AND r.status NOT IN ('cancelled', 'no_show')"
	"  AND NOT EXISTS (SELECT 1 FROM scorecards s WHERE s.org_id = ri.org_id"
	"   AND s.round_id = ri.round_id AND s.author_id = ri.user_id AND s.status = 'submitted'))"
	/* and at least one of their own submitted: a seat only on cancelled or
	 * no-show rounds has submitted nothing and must not see the others' */
	" AND EXISTS (SELECT 1 FROM scorecards s WHERE s.org_id = l.org_id AND s.loop_id = l.id"
	"  AND s.author_id = $3 AND s.status = 'submitted')"
	" FROM loops l WHERE l.org_id = $1 AND l.id = $2"
	" AND " DB_LOOP_VISIBLE("$3", "$4")};

enum db_status
db_loop_scorecards(struct db *db, struct arena *a, const struct db_viewer *v, const char *loop_id,
		   bool with_org_notes, struct db_scorecard **out, int *n)
{
	const char *p[] = {v->org_id, loop_id, v->user_id, arena_printf(a, "%d", v->reach)};
	PGresult *r;
	enum db_status st = db_run_status(db, &loop_reach, 4, p, &r);
	if (st != DB_OK)
		return st;
	bool manages = db_bool(r, 0, 0), all_submitted = db_bool(r, 0, 1);
	PQclear(r);
	if ((v->reach & DB_REACH_ALL) || ((v->reach & DB_REACH_MANAGED) && manages)) {
		const char *q[] = {v->org_id, loop_id};
		return db_cards_read(db, a, &loop_submitted, 2, q, with_org_notes, out, n);
	}
	const char *q[] = {v->org_id, loop_id, v->user_id, all_submitted ? "true" : "false"};
	if ((st = db_cards_read(db, a, &loop_view, 4, q, true, out, n)) != DB_OK)
		return st;
	for (int i = 0; i < *n; i++)
		if (strcmp((*out)[i].author_id, v->user_id) != 0) {
			(*out)[i].notes = NULL;	/* notes: the author, recruiters, admins */
			(*out)[i].n_notes = 0;
		}
	return DB_OK;
}
