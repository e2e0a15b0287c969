/* Candidate experience surveys, the JSON face: links (recruiters issue and
 * revoke them), the survey for ATS integrations, and the org's report. */
#include <string.h>
#include "api/authn.h"
#include "api/common.h"
#include "api/handlers.h"
#include "api/hygiene.h"
#include "api/spec.h"
#include "api/surveys.h"
#include "auth/principal.h"
#include "auth/scope.h"
#include "base/crypto.h"
#include "base/text.h"

#define LINK_LIFETIME_SECONDS (14L * 24 * 3600)
#define TOKEN_MAX 100
/* Groups of fewer answers are withheld from the report. */
#define MIN_GROUP 3

const char *const api_survey_answers[] = {"yes", "no", "not_applicable", NULL};

/* Recruiters and admins (and API clients holding the route's scope). */
static bool
recruiter_or_reply(struct api_request *rq, const char *what)
{
	const struct auth_principal *who = rq->who;
	if (who->kind != AUTH_USER || (who->roles & (AUTH_ROLE_ADMIN | AUTH_ROLE_RECRUITER)))
		return true;
	api_reply_forbidden(rq, E_FORBIDDEN, what);
	return false;
}

/* POST /v1/loops/{id}/candidate-survey: a single-use link for the candidate. */
enum api_result
api_survey_issue(struct api_request *rq)
{
	if (!recruiter_or_reply(rq, "survey links are issued by recruiters"))
		return API_REPLIED;
	struct survey_questions qs;
	char *why;
	if (!survey_load(rq->arena, 0, &qs, &why))
		return api_reply_error(rq, E_INTERNAL, "the survey questions are missing");
	char *token = crypto_token(rq->arena, 32);
	struct audit_ctx ctx;
	api_audit_ctx(rq, &ctx);
	struct db_survey_link link;
	enum db_status st = db_survey_issue(rq->db, &ctx, rq->arena, api_param(rq, 0),
		crypto_sha256_hex(rq->arena, token, strlen(token)), qs.version,
		LINK_LIFETIME_SECONDS, &link);
	if (st != DB_OK)
		return api_reply_db(rq, st, "loop");
	const char *base = api_public_base(rq);
	rq->secret_members[0] = "token";
	rq->secret_members[1] = "url";
	rq->secret_members[2] = "api_url";
	api_set_location(rq, arena_printf(rq->arena, "/v1/loops/%s/candidate-survey", link.loop_id));
	return api_reply_json(rq, 201, json_pack("{s:s, s:s, s:s, s:s, s:s, s:s, s:s, s:i}",
		"id", link.id, "loop_id", link.loop_id, "token", token,
		"url", arena_printf(rq->arena, "%s/survey/%s", base, token),
		"api_url", arena_printf(rq->arena, "%s/v1/surveys/%s", base, token),
		"created_at", link.created_at, "expires_at", link.expires_at,
		"questions_version", link.questions_version));
}

/* DELETE /v1/loops/{id}/candidate-survey: the loop's live link stops working. */
enum api_result
api_survey_revoke(struct api_request *rq)
{
	if (!recruiter_or_reply(rq, "survey links are revoked by recruiters"))
		return API_REPLIED;
	struct audit_ctx ctx;
	api_audit_ctx(rq, &ctx);
	enum db_status st = db_survey_revoke(rq->db, &ctx, api_param(rq, 0));
	if (st == DB_OK)
		return api_reply_empty(rq, 204);
	if (st == DB_STATE)
		return api_reply_error(rq, E_SURVEY_NOT_FOUND, "the loop has no live survey link");
	return api_reply_db(rq, st, "loop");
}

enum api_error
api_survey_find(struct api_request *rq, const char *token, struct db_survey_link *link,
		struct survey_questions *qs)
{
	char *why;
	enum db_status st = strlen(token) > TOKEN_MAX ? DB_NONE
		: db_survey_open(rq->db, rq->arena, crypto_sha256_hex(rq->arena, token, strlen(token)),
				 link);
	if (st == DB_NONE)
		return E_SURVEY_NOT_FOUND;
	if (st != DB_OK)
		return st == DB_UNAVAILABLE ? E_DB_UNAVAILABLE : E_INTERNAL;
	if (link->state == DB_SURVEY_ANSWERED)
		return E_SURVEY_ANSWERED;
	if (link->state == DB_SURVEY_EXPIRED)
		return E_SURVEY_EXPIRED;
	return survey_load(rq->arena, link->questions_version, qs, &why) ? E__COUNT : E_INTERNAL;
}

/* The answer for question q in answers (borrowed), checked into *item. */
static void
parse_item(struct api_request *rq, const struct survey_question *q, json_t *answers,
	   json_t *errors, struct db_survey_item *item)
{
	const char *v = json_string_value(json_object_get(answers, q->key));
	const char *field = arena_printf(rq->arena, "answers.%s", q->key);
	bool known = false;
	for (int i = 0; v && api_survey_answers[i]; i++)
		known |= !strcmp(v, api_survey_answers[i]);
	if (!known) {
		spec_error(errors, field, v ? "invalid_value" : "required",
			   "answer yes, no or not_applicable");
		return;
	}
	*item = (struct db_survey_item){q->key, arena_strdup(rq->arena, v),
					strcmp(v, "not_applicable") != 0,
					!strcmp(v, q->red_flag_answer)};
}

static const struct spec_field answer_spec[] = {
	{"answers", SPEC_OBJECT, SPEC_REQUIRED},
	{"overall_rating", SPEC_INTEGER, SPEC_REQUIRED, SURVEY_RATING_MIN, SURVEY_RATING_MAX},
	{"comment", SPEC_STRING, SPEC_NULLABLE, 0, 2000},
	{NULL},
};

bool
api_survey_answer_parse(struct api_request *rq, const struct survey_questions *qs, json_t *body,
			json_t *errors, struct db_survey_answer *out)
{
	size_t before = json_array_size(errors);
	spec_check(answer_spec, body, "", errors);
	json_t *answers = json_object_get(body, "answers");
	struct db_survey_item *items = arena_alloc(rq->arena, qs->n_questions * sizeof *items);
	const char *key;
	json_t *v;
	if (json_is_object(answers)) {
		for (size_t i = 0; i < qs->n_questions; i++)
			parse_item(rq, &qs->questions[i], answers, errors, &items[i]);
		json_object_foreach(answers, key, v) {
			if (!survey_question(qs, key))
				spec_error(errors, arena_printf(rq->arena, "answers.%s", key),
					   "unknown_field", "no such question");
		}
	}
	const char *comment = spec_str(body, "comment");
	if (comment && text_utf8_length(comment) > (size_t)qs->comment_max &&
	    !spec_failed(errors, "comment"))
		spec_error(errors, "comment", "too_long", "the comment is too long");
	*out = (struct db_survey_answer){(int)spec_int(body, "overall_rating", 0),
					 comment && *comment ? comment : NULL, items,
					 (int)qs->n_questions};
	return json_array_size(errors) == before;
}

enum api_error
api_survey_submit(struct api_request *rq, const char *token, const struct db_survey_answer *in)
{
	struct db_survey_link link;
	enum db_status st = db_survey_submit(rq->db, rq->arena, rq->request_id, NULL,
		crypto_sha256_hex(rq->arena, token, strlen(token)), in, &link);
	if (st == DB_OK)
		return E__COUNT;
	if (st == DB_NONE)
		return E_SURVEY_NOT_FOUND;
	if (st == DB_STATE)
		return link.state == DB_SURVEY_ANSWERED ? E_SURVEY_ANSWERED : E_SURVEY_EXPIRED;
	return st == DB_UNAVAILABLE ? E_DB_UNAVAILABLE : E_INTERNAL;
}

static json_t *
source_json(const struct rubric_source *s)
{
	return json_pack("{s:s, s:s}", "document", s->document, "section", s->section);
}

static json_t *
questions_json(const struct survey_questions *qs)
{
	json_t *list = json_array();
	for (size_t i = 0; i < qs->n_questions; i++)
		json_array_append_new(list, json_pack("{s:s, s:s, s:[s,s,s], s:o}", "key",
			qs->questions[i].key, "text", qs->questions[i].text, "answers",
			"yes", "no", "not_applicable", "source", source_json(&qs->questions[i].source)));
	return list;
}

/* GET /v1/surveys/{token}: the questions of an open link. */
enum api_result
api_survey_get(struct api_request *rq)
{
	struct db_survey_link link;
	struct survey_questions qs;
	enum api_error e = api_survey_find(rq, api_param(rq, 0), &link, &qs);
	if (e != E__COUNT)
		return api_reply_error(rq, e, NULL);
	api_add_header(rq, "Cache-Control", "no-store");
	api_add_header(rq, "Referrer-Policy", "no-referrer");
	return api_reply_json(rq, 200, json_pack("{s:i, s:s, s:s, s:s, s:o, s:{s:s, s:i, s:i}, s:{s:s, s:i}}",
		"questions_version", qs.version, "title", qs.title, "intro", qs.intro,
		"expires_at", link.expires_at, "questions", questions_json(&qs),
		"overall_rating", "text", qs.rating_text, "min", SURVEY_RATING_MIN, "max",
		SURVEY_RATING_MAX, "comment", "text", qs.comment_text, "max_length", qs.comment_max));
}

/* POST /v1/surveys/{token}: the candidate's one answer. */
enum api_result
api_survey_post(struct api_request *rq)
{
	struct db_survey_link link;
	struct survey_questions qs;
	enum api_error e = api_survey_find(rq, api_param(rq, 0), &link, &qs);
	if (e != E__COUNT)
		return api_reply_error(rq, e, NULL);
	if (!json_is_object(rq->json))
		return api_reply_error(rq, E_BAD_REQUEST, "send the answer as a JSON object");
	json_t *errors = api_own(rq, json_array());
	struct db_survey_answer in;
	if (!api_survey_answer_parse(rq, &qs, rq->json, errors, &in))
		return api_reply_invalid(rq, json_incref(errors));
	if ((e = api_survey_submit(rq, api_param(rq, 0), &in)) != E__COUNT)
		return api_reply_error(rq, e, NULL);
	api_add_header(rq, "Cache-Control", "no-store");
	return api_reply_json(rq, 200, json_pack("{s:b, s:i}", "received", 1, "questions_version",
						 qs.version));
}

/* part / whole with 4 decimals. */
static double
share(long long part, long long whole)
{
	return (double)(long long)(10000.0 * (double)part / (double)whole + 0.5) / 10000.0;
}

/* A group's figures, or "not enough answers" when it has fewer than
 * MIN_GROUP: its size is withheld too. Merged into obj (stolen). */
static json_t *
group_json(json_t *obj, const struct db_survey_group *g)
{
	if (g->n < MIN_GROUP) {
		json_object_set_new(obj, "enough_answers", json_false());
		json_object_set_new(obj, "note", json_string("not enough answers"));
		return obj;
	}
	json_object_set_new(obj, "enough_answers", json_true());
	json_object_set_new(obj, "answers", json_integer(g->n));
	json_object_set_new(obj, "red_flag_share", json_real(share(g->flagged, g->n)));
	json_object_set_new(obj, "mean_rating",
			    g->rated ? json_real(share((long long)(g->mean_rating * 100 + 0.5), 100))
				     : json_null());
	return obj;
}

/* The group of groups[0..n) whose a is key (and b is sub, when given). */
static const struct db_survey_group *
group_find(const struct db_survey_group *groups, int n, const char *key, const char *sub)
{
	static const struct db_survey_group none;
	for (int i = 0; i < n; i++)
		if (!strcmp(groups[i].a, key) && (!sub || (groups[i].b && !strcmp(groups[i].b, sub))))
			return &groups[i];
	return &none;
}

/* Per question of qs: the group of groups keyed by the question (a), or by
 * user (a) and question (b). */
static json_t *
question_groups_json(const struct survey_questions *qs, const struct db_survey_group *groups,
		     int n, const char *user)
{
	json_t *list = json_array();
	for (size_t i = 0; i < qs->n_questions; i++) {
		const struct survey_question *q = &qs->questions[i];
		json_t *o = json_pack("{s:s}", "key", q->key);
		if (!user) {
			json_object_set_new(o, "text", json_string(q->text));
			json_object_set_new(o, "source", source_json(&q->source));
		}
		json_array_append_new(list, group_json(o, user ? group_find(groups, n, user, q->key)
							       : group_find(groups, n, q->key, NULL)));
	}
	return list;
}

static json_t *
people_json(const struct survey_questions *qs, const struct db_survey_report *r)
{
	json_t *list = json_array();
	for (int i = 0; i < r->n_people; i++) {
		const struct db_survey_group *p = &r->people[i];
		json_t *o = group_json(json_pack("{s:s, s:s}", "user_id", p->a, "name", p->b), p);
		if (p->n >= MIN_GROUP)
			json_object_set_new(o, "questions", question_groups_json(qs,
				r->people_questions, r->n_people_questions, p->a));
		json_array_append_new(list, o);
	}
	return list;
}

static json_t *
months_json(const struct db_survey_report *r)
{
	json_t *list = json_array();
	for (int i = 0; i < r->n_months; i++)
		json_array_append_new(list, group_json(json_pack("{s:s}", "month", r->months[i].a),
						       &r->months[i]));
	return list;
}

/* The months the figures cover: every answer before through (the start of
 * the current UTC month), none after, and how many there are this month is
 * not shown either, not even rounded (an answer that crosses a bucket's edge
 * would show). */
static json_t *
period_json(const struct db_survey_report *r)
{
	return json_pack("{s:s, s:s, s:s}", "last_month", r->last_month, "through", r->through,
			 "updates_at", r->updates_at);
}

/* GET /v1/reports/candidate-experience (recruiters and admins): closed
 * months only, so that reading it before and after one answer arrives
 * shows nothing of that answer. */
enum api_result
api_reports_candidate_experience(struct api_request *rq)
{
	if (!recruiter_or_reply(rq, "the report is for recruiters and admins"))
		return API_REPLIED;
	struct survey_questions qs;
	struct db_survey_report r;
	char *why;
	if (!survey_load(rq->arena, 0, &qs, &why))
		return api_reply_error(rq, E_INTERNAL, "the survey questions are missing");
	enum db_status st = db_survey_report(rq->db, rq->arena, rq->who->org_id, &r);
	if (st != DB_OK)
		return api_reply_db(rq, st, "report");
	json_t *links = json_pack("{s:I, s:I, s:o}", "issued", (json_int_t)r.issued, "answered",
				  (json_int_t)r.answered, "response_rate",
				  r.issued ? json_real(share(r.answered, r.issued)) : json_null());
	json_t *hygiene = json_pack("{s:I, s:[o, o], s:I, s:o}", "take_home_rounds",
		(json_int_t)r.take_homes, "warnings",
		api_warning_count_json("take_home_deadline_short", r.deadline_short),
		api_warning_count_json("take_home_effort_missing", r.effort_missing),
		"decided_loops", (json_int_t)r.decided, "median_elapsed_days",
		api_elapsed_json(r.median_known, r.median_elapsed_days));
	return api_reply_json(rq, 200, json_pack("{s:i, s:i, s:o, s:o, s:o, s:o, s:o, s:o, s:o}",
		"questions_version", qs.version, "min_group_size", MIN_GROUP,
		"period", period_json(&r), "links", links,
		"loop_hygiene", hygiene,
		"overall", group_json(json_object(), &r.overall),
		"questions", question_groups_json(&qs, r.questions, r.n_questions, NULL),
		"interviewers", people_json(&qs, &r), "months", months_json(&r)));
}
