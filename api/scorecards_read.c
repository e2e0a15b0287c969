/* Reading scorecards: their representation, a loop's scorecards (the
 * independence rule), a round's submitted versions, and overdue ones. */
#include <string.h>
#include "api/common.h"
#include "api/config.h"
#include "api/handlers.h"
#include "api/scorecards.h"
#include "auth/principal.h"
#include "auth/scope.h"
#include "base/text.h"
#include "db/scheduling.h"

static void
set_str(json_t *o, const char *name, const char *value)
{
	if (value)
		json_object_set_new(o, name, json_string(value));
}

static json_t *
round_json(const struct db_scorecard_round *r)
{
	json_t *o = json_pack("{s:s, s:s, s:s, s:b, s:{s:s, s:i}}", "id", r->id, "kind", r->kind,
			      "status", r->status, "required", r->required, "rubric", "key",
			      r->rubric_key, "version", r->rubric_version);
	set_str(o, "starts_at", r->starts_at);
	set_str(o, "ends_at", r->ends_at);
	return o;
}

/* Ratings and red flags as written: absent pieces stay absent. */
static json_t *
items_json(const struct db_scorecard *c)
{
	json_t *ratings = json_array(), *flags = json_array();
	for (int i = 0; i < c->n_ratings; i++) {
		json_t *x = json_pack("{s:s}", "criterion", c->ratings[i].criterion);
		if (c->ratings[i].rating)
			json_object_set_new(x, "rating", json_integer(c->ratings[i].rating));
		set_str(x, "evidence", c->ratings[i].evidence);
		json_array_append_new(ratings, x);
	}
	for (int i = 0; i < c->n_red_flags; i++) {
		json_t *x = json_pack("{s:s}", "key", c->red_flags[i].key);
		set_str(x, "evidence", c->red_flags[i].evidence);
		json_array_append_new(flags, x);
	}
	return json_pack("{s:o, s:o}", "ratings", ratings, "red_flags", flags);
}

json_t *
api_scorecard_json(const struct db_scorecard *c, bool with_notes)
{
	json_t *author = json_pack("{s:s}", "id", c->author_id);
	set_str(author, "name", c->author_name);
	json_t *o = json_pack("{s:s?, s:s, s:s, s:o, s:o, s:s, s:b, s:s, s:i, s:i, s:b, s:b, s:i}",
			      "id", c->id, "round_id", c->round.id, "loop_id", c->loop_id, "round",
			      round_json(&c->round), "author", author, "role", c->role, "shadow",
			      !strcmp(c->role, "shadow"), "status", c->status, "revision", c->revision,
			      "latest_revision", c->latest_revision, "amended", c->revision > 1,
			      "erased", c->erased, "version", c->version);
	set_str(o, "submitted_at", c->submitted_at);
	set_str(o, "first_submitted_at", c->first_submitted_at);
	set_str(o, "created_at", c->created_at);
	set_str(o, "updated_at", c->updated_at);
	json_t *items = items_json(c);
	json_object_update(o, items);
	json_decref(items);
	set_str(o, "recommendation", c->recommendation);
	set_str(o, "summary", c->summary);
	set_str(o, "reason", c->reason);
	if (with_notes) {
		json_t *notes = json_object();
		for (int i = 0; i < c->n_notes; i++)
			json_object_set_new(notes, c->notes[i].key, c->notes[i].answer
				? json_string(c->notes[i].answer) : json_null());
		json_object_set_new(o, "notes", notes);
	}
	return o;
}

/* The one page of cards passing sync's filters, in its order. */
static json_t *
sync_list_json(const struct db_scorecard *cards, int n, bool with_notes,
	       const struct api_page *sync)
{
	json_t *data = json_array();
	for (int k = 0; k < n; k++) {
		const struct db_scorecard *c = &cards[sync->desc ? n - 1 - k : k];
		if (api_page_keeps(sync, c->created_at, c->updated_at))
			json_array_append_new(data, api_scorecard_json(c, with_notes || c->n_notes));
	}
	return json_pack("{s:o, s:n}", "data", data, "next_cursor");
}

json_t *
api_scorecards_list_json(const struct db_scorecard *cards, int n, bool with_notes)
{
	struct api_page all = {0};
	return sync_list_json(cards, n, with_notes, &all);
}

/* Admins and recruiters read the logistics notes of every scorecard. */
static bool
reads_org_notes(struct api_request *rq)
{
	return rq->who->kind == AUTH_USER &&
	       (rq->who->roles & (AUTH_ROLE_ADMIN | AUTH_ROLE_RECRUITER));
}

/* A list that is always one whole page (a loop holds a bounded number of
 * scorecards): ?limit and ?cursor are refused rather than ignored. */
static bool
one_page_or_reply(struct api_request *rq, struct api_page *sync)
{
	memset(sync, 0, sizeof *sync);
	const char *which = api_query(rq, "limit") ? "limit" : api_query(rq, "cursor") ? "cursor" : NULL;
	if (!which)
		return api_sync_filters_or_reply(rq, sync);
	api_reply_error(rq, E_INVALID_QUERY, "this list is one whole page: drop %s", which);
	return false;
}

/* GET /v1/loops/{id}/scorecards */
enum api_result
api_loop_scorecards(struct api_request *rq)
{
	struct api_page sync;
	if (!one_page_or_reply(rq, &sync))
		return API_REPLIED;
	struct db_viewer v;
	api_viewer(rq, &v);
	struct db_scorecard *cards;
	int n;
	bool notes = reads_org_notes(rq);
	enum db_status st = db_loop_scorecards(rq->db, rq->arena, &v, api_param(rq, 0), notes, &cards,
					       &n);
	if (st != DB_OK)
		return api_reply_db(rq, st, "loop");
	return api_reply_json(rq, 200, sync_list_json(cards, n, notes, &sync));
}

/* GET /v1/rounds/{id}/scorecard/versions: the author's own; every author's
 * for recruiters, admins, API clients and the loop's hiring manager. */
enum api_result
api_scorecard_versions(struct api_request *rq)
{
	struct api_page sync;
	if (!one_page_or_reply(rq, &sync))
		return API_REPLIED;
	struct db_viewer v;
	api_viewer(rq, &v);
	struct db_scorecard_seat seat;
	enum db_status st = db_scorecard_seat(rq->db, rq->arena, &v, api_param(rq, 0), &seat);
	if (st != DB_OK)
		return api_reply_db(rq, st, "round");
	bool all = (v.reach & DB_REACH_ALL) || seat.manages;
	if (!all && !seat.role)
		return api_reply_error(rq, E_FORBIDDEN, "only the author, recruiters, admins and the "
					"loop's hiring manager read a scorecard's versions");
	bool notes = all ? reads_org_notes(rq) : true;
	struct db_scorecard *cards;
	int n;
	st = db_scorecard_versions(rq->db, rq->arena, rq->who->org_id, seat.round.id,
				   all ? NULL : v.user_id, notes, &cards, &n);
	if (st != DB_OK)
		return api_reply_db(rq, st, "scorecard");
	return api_reply_json(rq, 200, sync_list_json(cards, n, notes, &sync));
}

/* The position after which an overdue page starts, from ?cursor. */
static bool
overdue_cursor_or_reply(struct api_request *rq, char **due, char **round, char **user)
{
	*due = *round = *user = NULL;
	const char *cursor = api_query(rq, "cursor");
	if (!cursor)
		return true;
	char *text = api_cursor_read(rq, cursor);
	char *a = text ? strchr(text, '|') : NULL, *b = a ? strchr(a + 1, '|') : NULL;
	int64_t us;
	if (b) {
		*a = *b = '\0';
		if (text_parse_rfc3339(text, &us) && text_is_uuid(a + 1) && text_is_uuid(b + 1)) {
			*due = text;
			*round = a + 1;
			*user = b + 1;
			return true;
		}
	}
	api_reply_error(rq, E_INVALID_CURSOR, "use next_cursor from a previous page as it is");
	return false;
}

static json_t *
overdue_json(const struct db_overdue *o)
{
	json_t *j = json_pack("{s:s, s:s, s:s, s:{s:s, s:s}, s:s, s:s, s:s, s:s, s:f}", "round_id",
			      o->round_id, "loop_id", o->loop_id, "kind", o->kind, "interviewer", "id",
			      o->user_id, "name", o->user_name, "role", o->role, "ends_at", o->ends_at,
			      "due_at", o->due_at, "state", o->submitted_at ? "late" : "missing",
			      "hours_late", o->hours_late);
	set_str(j, "submitted_at", o->submitted_at);
	return j;
}

/* GET /v1/scorecards/overdue: the org's (recruiters, admins, API clients)
 * or the caller's own. */
enum api_result
api_scorecards_overdue(struct api_request *rq)
{
	int limit;
	bool desc;
	char *due, *round, *user;
	if (!api_limit_or_reply(rq, &limit) || !api_order_or_reply(rq, &desc) ||
	    !overdue_cursor_or_reply(rq, &due, &round, &user))
		return API_REPLIED;
	struct db_viewer v;
	api_viewer(rq, &v);
	struct db_overdue *rows;
	int n;
	enum db_status st = db_scorecards_overdue(rq->db, rq->arena, v.org_id,
						  (v.reach & DB_REACH_ALL) ? NULL : v.user_id,
						  (int)config.scorecard_due_hours, due, round, user,
						  limit + 1, desc, &rows, &n);
	if (st != DB_OK)
		return api_reply_db(rq, st, "scorecard");
	json_t *data = json_array();
	for (int i = 0; i < n && i < limit; i++)
		json_array_append_new(data, overdue_json(&rows[i]));
	json_t *next = json_null();
	if (n > limit) {
		const struct db_overdue *last = &rows[limit - 1];
		next = json_string(api_cursor_make(rq, arena_printf(rq->arena, "%s|%s|%s", last->due_at,
								      last->round_id, last->user_id)));
	}
	return api_reply_json(rq, 200, json_pack("{s:o, s:o}", "data", data, "next_cursor", next));
}
