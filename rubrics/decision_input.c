#include <math.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include "rubrics/decision_internal.h"

/* The decision engine's input: consistency checks, then the canonical order. */

#define NOT_FOUND SIZE_MAX

bool
decision_round_held(const struct decision_round *r)
{
	return r->status != DECISION_ROUND_CANCELLED && r->status != DECISION_ROUND_NO_SHOW;
}

/* The index of the round with this id in in->rounds, or NOT_FOUND. */
static size_t
find_round(const struct decision_input *in, const char *id)
{
	for (size_t i = 0; i < in->n_rounds; i++)
		if (strcmp(in->rounds[i].id, id) == 0)
			return i;
	return NOT_FOUND;
}

/* The rubric with this key and version in in->rubrics, or NULL; points into in. */
static const struct rubric *
find_rubric(const struct decision_input *in, const char *key, int version)
{
	for (size_t i = 0; i < in->n_rubrics; i++)
		if (strcmp(in->rubrics[i].key, key) == 0 && in->rubrics[i].version == version)
			return &in->rubrics[i];
	return NULL;
}

/* NULL when every round has an id, a kind, a known status and a unique id. */
static const char *
check_rounds(struct arena *a, const struct decision_input *in)
{
	for (size_t i = 0; i < in->n_rounds; i++) {
		const struct decision_round *r = &in->rounds[i];
		if (!r->id || !r->kind)
			return arena_printf(a, "rounds[%zu]: id and kind are required", i);
		if (!decision_round_status_name(r->status))
			return arena_printf(a, "rounds[%zu]: unknown status %d", i, (int)r->status);
	}
	for (size_t i = 0; i < in->n_rounds; i++)
		if (find_round(in, in->rounds[i].id) != i)
			return arena_printf(a, "rounds[%zu]: round %s is given twice", i,
					    in->rounds[i].id);
	return NULL;
}

/* NULL when every rubric, criterion and red flag has a key, every weight
 * is positive, every severity known, and (key, version) is unique. */
static const char *
check_rubrics(struct arena *a, const struct decision_input *in)
{
	for (size_t i = 0; i < in->n_rubrics; i++) {
		const struct rubric *r = &in->rubrics[i];
		if (!r->key)
			return arena_printf(a, "rubrics[%zu]: key is required", i);
		for (size_t c = 0; c < r->n_criteria; c++)
			if (!r->criteria[c].key || !(r->criteria[c].weight > 0))
				return arena_printf(a, "rubrics[%zu]: criterion %zu needs a key and a "
						    "positive weight", i, c);
		for (size_t f = 0; f < r->n_red_flags; f++)
			if (!r->red_flags[f].key || !rubric_severity_name(r->red_flags[f].severity))
				return arena_printf(a, "rubrics[%zu]: red flag %zu needs a key and a "
						    "severity", i, f);
	}
	for (size_t i = 0; i < in->n_rubrics; i++) {
		const struct rubric *r = &in->rubrics[i];
		if (find_rubric(in, r->key, r->version) != r)
			return arena_printf(a, "rubrics[%zu]: %s v%d is given twice", i, r->key,
					    r->version);
	}
	return NULL;
}

/* NULL when the ratings name distinct criteria of rubric r, each 1..4. */
static const char *
check_ratings(struct arena *a, const struct decision_scorecard *sc, size_t i,
	      const struct rubric *r)
{
	if (sc->n_ratings && !sc->ratings)
		return arena_printf(a, "scorecards[%zu]: ratings missing", i);
	for (size_t j = 0; j < sc->n_ratings; j++) {
		const struct decision_rating *g = &sc->ratings[j];
		if (!g->criterion || !rubric_criterion(r, g->criterion))
			return arena_printf(a, "scorecards[%zu].ratings[%zu]: no such criterion in "
					    "%s v%d", i, j, r->key, r->version);
		if (g->rating < DECISION_SCALE_MIN || g->rating > DECISION_SCALE_MAX)
			return arena_printf(a, "scorecards[%zu].ratings[%zu]: rating %d is outside "
					    "1..4", i, j, g->rating);
		for (size_t k = 0; k < j; k++)
			if (strcmp(sc->ratings[k].criterion, g->criterion) == 0)
				return arena_printf(a, "scorecards[%zu].ratings[%zu]: criterion %s "
						    "rated twice", i, j, g->criterion);
	}
	return NULL;
}

/* NULL when the red flags name distinct red flags of rubric r. */
static const char *
check_flags(struct arena *a, const struct decision_scorecard *sc, size_t i,
	    const struct rubric *r)
{
	if (sc->n_red_flags && !sc->red_flags)
		return arena_printf(a, "scorecards[%zu]: red flags missing", i);
	for (size_t j = 0; j < sc->n_red_flags; j++) {
		const struct decision_flag *f = &sc->red_flags[j];
		if (!f->key || !rubric_red_flag(r, f->key))
			return arena_printf(a, "scorecards[%zu].red_flags[%zu]: no such red flag in "
					    "%s v%d", i, j, r->key, r->version);
		for (size_t k = 0; k < j; k++)
			if (strcmp(sc->red_flags[k].key, f->key) == 0)
				return arena_printf(a, "scorecards[%zu].red_flags[%zu]: %s raised "
						    "twice", i, j, f->key);
	}
	return NULL;
}

/* NULL when scorecard i is complete and agrees with its round and rubric. */
static const char *
check_card(struct arena *a, const struct decision_input *in, size_t i)
{
	const struct decision_scorecard *sc = &in->scorecards[i];
	if (!sc->id || !sc->round_id || !sc->rubric_key || !sc->interviewer_id ||
	    !sc->interviewer_name)
		return arena_printf(a, "scorecards[%zu]: id, round_id, rubric_key, interviewer_id "
				    "and interviewer_name are required", i);
	if (sc->version < 1 || !decision_role_name(sc->role) ||
	    !decision_vote_name(sc->recommendation))
		return arena_printf(a, "scorecards[%zu]: bad version, role or recommendation", i);
	size_t r = find_round(in, sc->round_id);
	if (r == NOT_FOUND)
		return arena_printf(a, "scorecards[%zu]: round %s is not in the loop", i,
				    sc->round_id);
	if ((sc->round_kind && strcmp(sc->round_kind, in->rounds[r].kind) != 0) ||
	    sc->round_required != in->rounds[r].required)
		return arena_printf(a, "scorecards[%zu]: kind or required disagrees with round %s",
				    i, sc->round_id);
	const struct rubric *rb = find_rubric(in, sc->rubric_key, sc->rubric_version);
	if (!rb)
		return arena_printf(a, "scorecards[%zu]: rubric %s v%d not given", i,
				    sc->rubric_key, sc->rubric_version);
	const char *e = check_ratings(a, sc, i, rb);
	return e ? e : check_flags(a, sc, i, rb);
}

/* NULL when no two scorecards share an id, or a round and an interviewer,
 * and the scorecards of one round use one rubric version. */
static const char *
check_pairs(struct arena *a, const struct decision_input *in, size_t i)
{
	const struct decision_scorecard *x = &in->scorecards[i];
	for (size_t j = 0; j < i; j++) {
		const struct decision_scorecard *y = &in->scorecards[j];
		if (strcmp(x->id, y->id) == 0)
			return arena_printf(a, "scorecards[%zu]: scorecard %s is given twice", i,
					    x->id);
		if (strcmp(x->round_id, y->round_id) != 0)
			continue;
		if (strcmp(x->interviewer_id, y->interviewer_id) == 0)
			return arena_printf(a, "scorecards[%zu]: a second scorecard by %s for round "
					    "%s", i, x->interviewer_id, x->round_id);
		if (strcmp(x->rubric_key, y->rubric_key) != 0 ||
		    x->rubric_version != y->rubric_version)
			return arena_printf(a, "scorecards[%zu]: round %s graded on two rubrics", i,
					    x->round_id);
	}
	return NULL;
}

/* NULL when every stats row has a user id given once, n >= 0, a finite sum. */
static const char *
check_stats(struct arena *a, const struct decision_input *in)
{
	for (size_t i = 0; i < in->n_stats; i++) {
		const struct decision_interviewer_stats *s = &in->stats[i];
		if (!s->user_id || s->n < 0 || !isfinite(s->sum_deviation))
			return arena_printf(a, "stats[%zu]: needs a user id, n >= 0, a finite sum", i);
		for (size_t j = 0; j < i; j++)
			if (strcmp(in->stats[j].user_id, s->user_id) == 0)
				return arena_printf(a, "stats[%zu]: user %s is given twice", i,
						    s->user_id);
	}
	return NULL;
}

/* NULL when the whole input is consistent, else the first problem. */
static const char *
check_input(struct arena *a, const struct decision_input *in)
{
	if ((in->n_rounds && !in->rounds) || (in->n_rubrics && !in->rubrics) ||
	    (in->n_scorecards && !in->scorecards) || (in->n_stats && !in->stats))
		return "an input array is counted but not given";
	const char *e = check_rounds(a, in);
	if (!e)
		e = check_rubrics(a, in);
	for (size_t i = 0; !e && i < in->n_scorecards; i++) {
		e = check_card(a, in, i);
		if (!e)
			e = check_pairs(a, in, i);
	}
	return e ? e : check_stats(a, in);
}

/* Orders rounds by (ordinal, id). */
static int
round_cmp(const void *x, const void *y)
{
	const struct decision_round *a = *(const struct decision_round *const *)x;
	const struct decision_round *b = *(const struct decision_round *const *)y;
	if (a->ordinal != b->ordinal)
		return a->ordinal < b->ordinal ? -1 : 1;
	return strcmp(a->id, b->id);
}

/* Lead first, then bar raiser, then shadow. */
static int
role_rank(enum decision_role r)
{
	return r == DECISION_ROLE_LEAD ? 0 : r == DECISION_ROLE_BAR_RAISER ? 1 : 2;
}

/* Orders cards by (round, role, interviewer id, scorecard id). */
static int
card_cmp(const void *x, const void *y)
{
	const struct decision_card *a = x, *b = y;
	if (a->round != b->round)
		return a->round < b->round ? -1 : 1;
	if (role_rank(a->sc->role) != role_rank(b->sc->role))
		return role_rank(a->sc->role) - role_rank(b->sc->role);
	int c = strcmp(a->sc->interviewer_id, b->sc->interviewer_id);
	return c ? c : strcmp(a->sc->id, b->sc->id);
}

/* Orders people by user id. */
static int
person_cmp(const void *x, const void *y)
{
	const struct decision_person *a = x, *b = y;
	return strcmp(a->user_id, b->user_id);
}

/* The sorted index of the round with this id in w. */
static size_t
sorted_round(const struct decision_work *w, const char *id)
{
	for (size_t i = 0; i < w->n_rounds; i++)
		if (strcmp(w->rounds[i]->id, id) == 0)
			return i;
	return 0;	/* unreachable after check_input */
}

/* The history row of user id in in, or NULL; points into in. */
static const struct decision_interviewer_stats *
find_stats(const struct decision_input *in, const char *id)
{
	for (size_t i = 0; i < in->n_stats; i++)
		if (strcmp(in->stats[i].user_id, id) == 0)
			return &in->stats[i];
	return NULL;
}

/* w->cards in canonical order, with round, rubric, held, leads, counted. */
static void
sort_cards(struct decision_work *w)
{
	const struct decision_input *in = w->in;
	w->n_cards = in->n_scorecards;
	w->cards = arena_alloc(w->a, (w->n_cards ? w->n_cards : 1) * sizeof *w->cards);
	for (size_t i = 0; i < w->n_cards; i++) {
		struct decision_card *c = &w->cards[i];
		c->sc = &in->scorecards[i];
		c->round = sorted_round(w, c->sc->round_id);
		c->rubric = find_rubric(in, c->sc->rubric_key, c->sc->rubric_version);
		c->held = decision_round_held(w->rounds[c->round]);
		c->leads = c->sc->role != DECISION_ROLE_SHADOW;
		c->counted = c->held && (c->leads || w->policy->count_shadows);
	}
	qsort(w->cards, w->n_cards, sizeof *w->cards, card_cmp);
}

/* w->people: each interviewer once, by user id, named from their first card. */
static void
collect_people(struct decision_work *w)
{
	w->people = arena_alloc(w->a, (w->n_cards ? w->n_cards : 1) * sizeof *w->people);
	w->n_people = 0;
	for (size_t i = 0; i < w->n_cards; i++) {
		const struct decision_scorecard *sc = w->cards[i].sc;
		size_t j = 0;
		while (j < w->n_people && strcmp(w->people[j].user_id, sc->interviewer_id) != 0)
			j++;
		if (j == w->n_people)
			w->people[w->n_people++] = (struct decision_person){
				.user_id = sc->interviewer_id, .name = sc->interviewer_name};
	}
	qsort(w->people, w->n_people, sizeof *w->people, person_cmp);
	for (size_t j = 0; j < w->n_people; j++) {
		struct decision_person *p = &w->people[j];
		p->stats = find_stats(w->in, p->user_id);
		p->leniency = decision_leniency(p->stats, w->policy->shrinkage_k);
	}
	for (size_t i = 0; i < w->n_cards; i++)
		for (size_t j = 0; j < w->n_people; j++)
			if (strcmp(w->people[j].user_id, w->cards[i].sc->interviewer_id) == 0)
				w->cards[i].who = j;
}

bool
decision_work_prepare(struct arena *a, const struct decision_input *in,
		      const struct decision_policy *policy, struct decision_work *w,
		      const char **error)
{
	const char *e = decision_policy_validate(a, policy, NULL) ? check_input(a, in)
		: "the decision policy is invalid";
	if (e) {
		*error = e;
		return false;
	}
	*w = (struct decision_work){.a = a, .in = in, .policy = policy};
	w->n_rounds = in->n_rounds;
	w->rounds = arena_alloc(a, (w->n_rounds ? w->n_rounds : 1) * sizeof *w->rounds);
	for (size_t i = 0; i < w->n_rounds; i++)
		w->rounds[i] = &in->rounds[i];
	qsort(w->rounds, w->n_rounds, sizeof *w->rounds, round_cmp);
	sort_cards(w);
	collect_people(w);
	return true;
}
