/* The decision packet as JSON, rendered from the engine's struct. Every
 * figure has 2 decimals; a figure with nothing behind it is null. */
#include "api/decisions.h"

/* x, or null when there is nothing behind it. */
static json_t *
figure(bool have, double x)
{
	return have ? json_real(decision_round2(x)) : json_null();
}

static json_t *
rubric_ref(const char *key, int version)
{
	return key ? json_pack("{s:s, s:i}", "key", key, "version", version) : json_null();
}

static json_t *
rating_json(const struct decision_packet_rating *r)
{
	return json_pack("{s:s, s:s, s:s, s:s?, s:s, s:b, s:i, s:o, s:s}", "round_id", r->round_id,
			 "scorecard_id", r->scorecard_id, "interviewer_id", r->interviewer_id,
			 "interviewer_name", r->interviewer_name, "role",
			 decision_role_name(r->role), "counted", r->counted, "rating", r->rating,
			 "calibrated", json_real(decision_round2(r->calibrated)), "evidence",
			 r->evidence ? r->evidence : "");
}

static json_t *
criterion_json(const struct decision_packet_criterion *c)
{
	json_t *ratings = json_array();
	for (size_t i = 0; i < c->n_ratings; i++)
		json_array_append_new(ratings, rating_json(&c->ratings[i]));
	bool have = c->n_counted > 0;
	return json_pack("{s:s?, s:o, s:s, s:s, s:f, s:b, s:I, s:o, s:o, s:o, s:o, s:o, s:o}",
			 "round_id", c->round_id, "rubric", rubric_ref(c->rubric_key, c->rubric_version),
			 "key", c->key, "title", c->title, "weight", c->weight, "required", c->required,
			 "n_counted", (json_int_t)c->n_counted, "mean", figure(have, c->mean),
			 "calibrated_mean", figure(have, c->calibrated_mean), "min",
			 have ? json_integer(c->min) : json_null(), "max",
			 have ? json_integer(c->max) : json_null(), "spread",
			 have ? json_integer(c->spread) : json_null(), "ratings", ratings);
}

static json_t *
criteria_json(const struct decision_packet_criterion *c, size_t n)
{
	json_t *list = json_array();
	for (size_t i = 0; i < n; i++)
		json_array_append_new(list, criterion_json(&c[i]));
	return list;
}

static json_t *
scorecard_json(const struct decision_packet_scorecard *s)
{
	return json_pack("{s:s, s:i, s:s, s:s?, s:s, s:b, s:s, s:s, s:I}", "id", s->id, "version",
			 s->version, "interviewer_id", s->interviewer_id, "interviewer_name",
			 s->interviewer_name, "role", decision_role_name(s->role), "counted",
			 s->counted, "recommendation", decision_vote_name(s->recommendation),
			 "summary", s->summary ? s->summary : "", "n_red_flags",
			 (json_int_t)s->n_red_flags);
}

static json_t *
round_json(const struct decision_packet_round *r)
{
	json_t *cards = json_array();
	for (size_t i = 0; i < r->n_scorecards; i++)
		json_array_append_new(cards, scorecard_json(&r->scorecards[i]));
	return json_pack("{s:s, s:s, s:b, s:s, s:b, s:b, s:o, s:f, s:b, s:o, s:o, s:o, s:o}",
			 "id", r->id, "kind", r->kind, "required", r->required, "status",
			 decision_round_status_name(r->status), "held", r->held, "covered",
			 r->covered, "rubric", rubric_ref(r->rubric_key, r->rubric_version),
			 "weight", r->weight, "scored", r->scored, "score",
			 figure(r->scored, r->score), "raw_score", figure(r->scored, r->raw_score),
			 "scorecards", cards, "criteria", criteria_json(r->criteria, r->n_criteria));
}

static json_t *
flag_json(const struct decision_packet_flag *f)
{
	return json_pack("{s:s, s:s, s:s, s:s?, s:s, s:b, s:s, s:s, s:s, s:s, s:b}", "round_id",
			 f->round_id, "scorecard_id", f->scorecard_id, "interviewer_id",
			 f->interviewer_id, "interviewer_name", f->interviewer_name, "role",
			 decision_role_name(f->role), "counted", f->counted, "key", f->key, "title",
			 f->title, "severity", rubric_severity_name(f->severity), "evidence",
			 f->evidence ? f->evidence : "", "blocks", f->blocks);
}

static json_t *
interviewer_json(const struct decision_packet_interviewer *v)
{
	return json_pack("{s:s, s:s?, s:{s:f, s:I, s:f, s:f}, s:I, s:b}", "user_id", v->user_id,
			 "name", v->name, "leniency", "estimate", decision_round2(v->leniency), "n",
			 (json_int_t)v->n, "mean_deviation", decision_round2(v->mean_deviation),
			 "shrink", decision_round2(v->shrink), "n_scorecards",
			 (json_int_t)v->n_scorecards, "counted", v->counted);
}

static json_t *
reason_json(const struct decision_reason *r)
{
	json_t *refs = json_array();
	for (size_t i = 0; i < r->n_refs; i++)
		json_array_append_new(refs, json_pack("{s:s, s:s}", "type",
			decision_ref_type_name(r->refs[i].type), "id", r->refs[i].id));
	return json_pack("{s:s, s:s, s:o}", "code", decision_reason_name(r->code), "message",
			 r->message, "refs", refs);
}

json_t *
api_packet_json(const char *loop_id, const struct decision_packet *p)
{
	json_t *reasons = json_array(), *rounds = json_array(), *flags = json_array(),
	       *people = json_array();
	for (size_t i = 0; i < p->n_reasons; i++)
		json_array_append_new(reasons, reason_json(&p->reasons[i]));
	for (size_t i = 0; i < p->n_rounds; i++)
		json_array_append_new(rounds, round_json(&p->rounds[i]));
	for (size_t i = 0; i < p->n_red_flags; i++)
		json_array_append_new(flags, flag_json(&p->red_flags[i]));
	for (size_t i = 0; i < p->n_interviewers; i++)
		json_array_append_new(people, interviewer_json(&p->interviewers[i]));
	return json_pack("{s:s, s:s, s:o, s:o, s:f, s:i, s:o, s:o, s:o, s:o, s:o}", "loop_id",
			 loop_id, "recommendation", decision_outcome_name(p->recommendation),
			 "score", figure(p->scored, p->score), "raw_score",
			 figure(p->scored, p->raw_score), "hire_threshold", p->hire_threshold,
			 "policy_version", p->policy_version, "reasons", reasons, "criteria",
			 criteria_json(p->criteria, p->n_criteria), "rounds", rounds, "red_flags",
			 flags, "interviewers", people);
}
