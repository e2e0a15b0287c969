#ifndef TESTS_UNIT_DECISION_FIXTURE_H
#define TESTS_UNIT_DECISION_FIXTURE_H
/*
 * Loops for the decision engine's tests, written in a small notation:
 *   rounds  "r1:coding:req r2:design:opt:cancelled"   id:kind:req|opt[:status]
 *   cards   "r1 lead alice strong_yes correctness=4 clarity=3 !no_code; ..."
 *           round, role, user, recommendation, ratings, !red flags; the
 *           rubric is <kind> v1, the scorecard id sc-<user>-<round>, the
 *           display name the user capitalised, evidence "<user> on <key>".
 *   stats   "harsh:20:-20"                             user:n:sum_deviation
 *   policy  JSON with ' for ", or NULL for the defaults
 */
#include <ctype.h>
#include <stdlib.h>
#include <string.h>
#include "rubrics/decision.h"

#define FIX_MAX 32
/* Not every test file uses every helper. */
#define FIX_FN static __attribute__((unused))

static struct rubric_criterion fix_coding_criteria[] = {
	{.key = "correctness", .title = "Correctness", .weight = 2, .required = true},
	{.key = "clarity", .title = "Clarity", .weight = 1, .required = true},
	{.key = "testing", .title = "Testing", .weight = 1, .required = false},
};
static struct rubric_red_flag fix_coding_flags[] = {
	{.key = "no_code", .title = "No working code", .severity = RUBRIC_SEVERITY_CRITICAL},
	{.key = "messy", .title = "Messy code", .severity = RUBRIC_SEVERITY_MAJOR},
};
static struct rubric_criterion fix_design_criteria[] = {
	{.key = "scoping", .title = "Scoping", .weight = 1, .required = true},
	{.key = "trade_offs", .title = "Trade-offs", .weight = 1, .required = true},
};
static struct rubric_red_flag fix_design_flags[] = {
	{.key = "insecure", .title = "Disregards security", .severity = RUBRIC_SEVERITY_CRITICAL},
	{.key = "vague", .title = "Stays vague", .severity = RUBRIC_SEVERITY_MAJOR},
};
static struct rubric_criterion fix_behavioral_criteria[] = {
	{.key = "ownership", .title = "Ownership", .weight = 3, .required = true},
	{.key = "communication", .title = "Communication", .weight = 1, .required = false},
};
static struct rubric_red_flag fix_behavioral_flags[] = {
	{.key = "dishonest", .title = "Misrepresents experience",
	 .severity = RUBRIC_SEVERITY_CRITICAL},
};
static const struct rubric fix_rubrics[] = {
	{.key = "coding", .version = 1, .kind = "coding", .criteria = fix_coding_criteria,
	 .n_criteria = 3, .red_flags = fix_coding_flags, .n_red_flags = 2},
	{.key = "design", .version = 1, .kind = "design", .criteria = fix_design_criteria,
	 .n_criteria = 2, .red_flags = fix_design_flags, .n_red_flags = 2},
	{.key = "behavioral", .version = 1, .kind = "behavioral",
	 .criteria = fix_behavioral_criteria, .n_criteria = 2,
	 .red_flags = fix_behavioral_flags, .n_red_flags = 1},
};

struct fixture {
	struct arena *a;
	struct rubric rubrics[3];
	struct decision_round rounds[FIX_MAX];
	struct decision_scorecard cards[FIX_MAX];
	struct decision_rating ratings[FIX_MAX][FIX_MAX];	/* cards[i]'s */
	struct decision_flag flags[FIX_MAX][FIX_MAX];
	struct decision_interviewer_stats stats[FIX_MAX];
	struct decision_input in;
	struct decision_policy policy;
};

/* The round of f with this id (it must exist). */
FIX_FN const struct decision_round *
fix_round(const struct fixture *f, const char *id)
{
	for (size_t i = 0; i < f->in.n_rounds; i++)
		if (!strcmp(f->rounds[i].id, id))
			return &f->rounds[i];
	fail_msg("fixture: no round %s", id);
	return NULL;
}

/* Parses the rounds notation into f. */
FIX_FN void
fix_rounds(struct fixture *f, const char *text)
{
	char *save = NULL, *s = arena_strdup(f->a, text);
	for (char *t = strtok_r(s, " ", &save); t; t = strtok_r(NULL, " ", &save)) {
		struct decision_round *r = &f->rounds[f->in.n_rounds];
		r->id = strsep(&t, ":");
		r->kind = strsep(&t, ":");
		const char *req = strsep(&t, ":");
		r->required = req && !strcmp(req, "req");
		r->status = t ? decision_round_status_from_name(t) : DECISION_ROUND_COMPLETED;
		r->ordinal = (long long)f->in.n_rounds++;
		assert_true(r->status != 0);
	}
}

/* One rating "key=N" or red flag "!key" of scorecard i. */
FIX_FN void
fix_item(struct fixture *f, size_t i, const char *user, char *t)
{
	struct decision_scorecard *sc = &f->cards[i];
	if (t[0] == '!') {
		struct decision_flag *fl = &f->flags[i][sc->n_red_flags++];
		fl->key = t + 1;
		fl->evidence = arena_printf(f->a, "%s saw %s", user, t + 1);
		return;
	}
	struct decision_rating *g = &f->ratings[i][sc->n_ratings++];
	g->criterion = strsep(&t, "=");
	assert_non_null(t);
	g->rating = atoi(t);
	g->evidence = arena_printf(f->a, "%s on %s", user, g->criterion);
}

/* Parses one scorecard of the cards notation into f. */
FIX_FN void
fix_card(struct fixture *f, char *text)
{
	size_t i = f->in.n_scorecards++;
	struct decision_scorecard *sc = &f->cards[i];
	char *save = NULL;
	char *round = strtok_r(text, " ", &save), *role = strtok_r(NULL, " ", &save);
	char *user = strtok_r(NULL, " ", &save), *vote = strtok_r(NULL, " ", &save);
	assert_non_null(vote);
	const struct decision_round *r = fix_round(f, round);
	char *name = arena_strdup(f->a, user);
	name[0] = (char)toupper((unsigned char)name[0]);
	*sc = (struct decision_scorecard){
		.id = arena_printf(f->a, "sc-%s-%s", user, round), .version = 1,
		.round_id = r->id, .round_kind = r->kind, .round_required = r->required,
		.rubric_key = r->kind, .rubric_version = 1, .interviewer_id = user,
		.interviewer_name = name, .role = decision_role_from_name(role),
		.recommendation = decision_vote_from_name(vote),
		.summary = arena_printf(f->a, "%s sums up", user),
		.ratings = f->ratings[i], .red_flags = f->flags[i],
	};
	assert_true(sc->role && sc->recommendation);
	for (char *t = strtok_r(NULL, " ", &save); t; t = strtok_r(NULL, " ", &save))
		fix_item(f, i, user, t);
}

/* Parses the stats notation into f. */
FIX_FN void
fix_stats(struct fixture *f, const char *text)
{
	char *save = NULL, *s = arena_strdup(f->a, text);
	for (char *t = strtok_r(s, " ", &save); t; t = strtok_r(NULL, " ", &save)) {
		struct decision_interviewer_stats *st = &f->stats[f->in.n_stats++];
		st->user_id = strsep(&t, ":");
		st->n = atoll(strsep(&t, ":"));
		assert_non_null(t);
		st->sum_deviation = atof(t);
	}
}

/* text with ' for ", in a. */
FIX_FN char *
fix_dq(struct arena *a, const char *text)
{
	char *s = arena_strdup(a, text);
	for (char *c = s; *c; c++)
		if (*c == '\'')
			*c = '"';
	return s;
}

/* The policy written as JSON (' for "), or the defaults for NULL. */
FIX_FN struct decision_policy
fix_policy(struct arena *a, const char *json)
{
	struct decision_policy p = decision_policy_defaults();
	if (!json)
		return p;
	json_t *errors = json_array();
	json_t *doc = json_loads(fix_dq(a, json), 0, NULL);
	assert_non_null(doc);
	bool ok = decision_policy_from_json(a, doc, &p, errors);
	if (!ok)
		fail_msg("fixture policy: %s", json_dumps(errors, JSON_COMPACT));
	json_decref(doc);
	json_decref(errors);
	return p;
}

/* Fills f (in a) from the four notations; stats and policy may be NULL. */
FIX_FN void
fix_load(struct fixture *f, struct arena *a, const char *rounds, const char *cards,
	 const char *stats, const char *policy)
{
	memset(f, 0, sizeof *f);
	f->a = a;
	memcpy(f->rubrics, fix_rubrics, sizeof f->rubrics);
	f->in = (struct decision_input){.rubrics = f->rubrics, .n_rubrics = 3,
		.rounds = f->rounds, .scorecards = f->cards, .stats = f->stats};
	fix_rounds(f, rounds);
	char *save = NULL, *s = arena_strdup(a, cards ? cards : "");
	for (char *t = strtok_r(s, ";", &save); t; t = strtok_r(NULL, ";", &save))
		fix_card(f, t);
	if (stats)
		fix_stats(f, stats);
	f->policy = fix_policy(a, policy);
}

/* The packet of f, built (it must build); in f->a. */
FIX_FN struct decision_packet
fix_build(struct fixture *f)
{
	struct decision_packet p;
	const char *error = NULL;
	if (!decision_build(f->a, &f->in, &f->policy, &p, &error))
		fail_msg("decision_build: %s", error);
	return p;
}

/* The packet's reason codes joined by ",", in a. */
FIX_FN const char *
fix_codes(struct arena *a, const struct decision_packet *p)
{
	struct abuf b;
	abuf_init(&b, a);
	for (size_t i = 0; i < p->n_reasons; i++)
		abuf_printf(&b, "%s%s", i ? "," : "", decision_reason_name(p->reasons[i].code));
	return b.data;
}

#endif
