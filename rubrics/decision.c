#include <stdlib.h>
#include <string.h>
#include "rubrics/decision_internal.h"

/*
 * The decision packet's figures: per round and criterion, the ratings with
 * their evidence, raw and calibrated means; per round a weighted score; the
 * loop's score; the red flags and the interviewers. Reasons and the
 * recommendation come from decision_reasons.c.
 */

/* Unrounded figures that later sums start from (rounding only at the end). */
struct exact {
	bool scored;
	double raw, cal;
};

/* value clamped to the rating scale 1..4. */
static double
clamp_scale(double value)
{
	if (value < DECISION_SCALE_MIN)
		return DECISION_SCALE_MIN;
	return value > DECISION_SCALE_MAX ? DECISION_SCALE_MAX : value;
}

/* The rating of criterion key on card c, or NULL; points into the input. */
static const struct decision_rating *
card_rating(const struct decision_card *c, const char *key)
{
	for (size_t i = 0; i < c->sc->n_ratings; i++)
		if (strcmp(c->sc->ratings[i].criterion, key) == 0)
			return &c->sc->ratings[i];
	return NULL;
}

/* Rating g of card c as the packet shows it, calibrated by its author's leniency. */
static struct decision_packet_rating
rating_view(const struct decision_work *w, const struct decision_card *c,
	    const struct decision_rating *g)
{
	const struct decision_person *who = &w->people[c->who];
	return (struct decision_packet_rating){
		.round_id = c->sc->round_id, .scorecard_id = c->sc->id,
		.interviewer_id = who->user_id, .interviewer_name = c->sc->interviewer_name,
		.role = c->sc->role, .counted = c->counted, .rating = g->rating,
		.calibrated = decision_round2(clamp_scale(g->rating - who->leniency)),
		.evidence = g->evidence ? g->evidence : "",
	};
}

/* The unrounded raw and calibrated means of c's counted ratings. */
static struct exact
criterion_means(const struct decision_packet_criterion *c)
{
	struct exact e = {0};
	size_t n = 0;
	for (size_t i = 0; i < c->n_ratings; i++)
		if (c->ratings[i].counted) {
			e.raw += c->ratings[i].rating;
			e.cal += c->ratings[i].calibrated;
			n++;
		}
	if (n) {
		e.scored = true;
		e.raw /= (double)n;
		e.cal /= (double)n;
	}
	return e;
}

/* Fills c's counted figures (count, means, min, max, spread) from its ratings. */
static void
criterion_stats(struct decision_packet_criterion *c)
{
	struct exact e = criterion_means(c);
	c->n_counted = 0;
	c->min = DECISION_SCALE_MAX + 1;
	c->max = 0;
	for (size_t i = 0; i < c->n_ratings; i++) {
		if (!c->ratings[i].counted)
			continue;
		c->n_counted++;
		if (c->ratings[i].rating < c->min)
			c->min = c->ratings[i].rating;
		if (c->ratings[i].rating > c->max)
			c->max = c->ratings[i].rating;
	}
	if (!c->n_counted)
		c->min = c->max = 0;
	c->spread = c->max - c->min;
	c->mean = decision_round2(e.raw);
	c->calibrated_mean = decision_round2(e.cal);
}

/* The cell of criterion rc (of rubric rb) in round r: the ratings of the
 * cards [lo, hi) that rate it, in card order; ratings in w->a. */
static struct decision_packet_criterion
round_cell(const struct decision_work *w, const struct decision_round *r,
	   const struct rubric *rb, const struct rubric_criterion *rc, size_t lo, size_t hi)
{
	struct decision_packet_rating *v = arena_alloc(w->a, (hi - lo) * sizeof *v);
	size_t n = 0;
	for (size_t i = lo; i < hi; i++) {
		const struct decision_rating *g = card_rating(&w->cards[i], rc->key);
		if (g)
			v[n++] = rating_view(w, &w->cards[i], g);
	}
	struct decision_packet_criterion c = {
		.round_id = r->id, .rubric_key = rb->key, .rubric_version = rb->version,
		.key = rc->key, .title = rc->title ? rc->title : rc->key, .weight = rc->weight,
		.required = rc->required, .ratings = v, .n_ratings = n,
	};
	criterion_stats(&c);
	return c;
}

/* Card c's headline. */
static struct decision_packet_scorecard
card_view(const struct decision_work *w, const struct decision_card *c)
{
	return (struct decision_packet_scorecard){
		.id = c->sc->id, .version = c->sc->version,
		.interviewer_id = w->people[c->who].user_id,
		.interviewer_name = c->sc->interviewer_name, .role = c->sc->role,
		.counted = c->counted, .recommendation = c->sc->recommendation,
		.summary = c->sc->summary ? c->sc->summary : "",
		.n_red_flags = c->sc->n_red_flags,
	};
}

/* The policy's weight for round kind: its round_weights entry, else 1. */
static double
kind_weight(const struct decision_policy *p, const char *kind)
{
	for (size_t i = 0; i < p->n_round_weights; i++)
		if (strcmp(p->round_weights[i].kind, kind) == 0)
			return p->round_weights[i].weight;
	return 1.0;
}

/* The criterion-weighted means of round r's cells with counted ratings. */
static struct exact
round_means(const struct decision_packet_round *r)
{
	struct exact e = {0};
	double weights = 0;
	for (size_t i = 0; i < r->n_criteria; i++) {
		struct exact c = criterion_means(&r->criteria[i]);
		if (!c.scored)
			continue;
		e.raw += r->criteria[i].weight * c.raw;
		e.cal += r->criteria[i].weight * c.cal;
		weights += r->criteria[i].weight;
	}
	if (weights > 0) {
		e.scored = true;
		e.raw /= weights;
		e.cal /= weights;
	}
	return e;
}

/* Round r (sorted position i) of the packet from its cards [lo, hi);
 * returns its unrounded scores. */
static struct exact
build_round(const struct decision_work *w, size_t i, size_t lo, size_t hi,
	    struct decision_packet_round *out)
{
	const struct decision_round *r = w->rounds[i];
	*out = (struct decision_packet_round){
		.id = r->id, .kind = r->kind, .required = r->required, .status = r->status,
		.held = decision_round_held(r), .weight = kind_weight(w->policy, r->kind),
	};
	struct decision_packet_scorecard *cards = arena_alloc(w->a, (hi - lo + 1) * sizeof *cards);
	for (size_t c = lo; c < hi; c++) {
		cards[c - lo] = card_view(w, &w->cards[c]);
		out->covered = out->covered || w->cards[c].leads;
	}
	out->scorecards = cards;
	out->n_scorecards = hi - lo;
	if (hi == lo)
		return (struct exact){0};
	const struct rubric *rb = w->cards[lo].rubric;
	out->rubric_key = rb->key;
	out->rubric_version = rb->version;
	struct decision_packet_criterion *cells = arena_alloc(w->a, (rb->n_criteria + 1) * sizeof *cells);
	for (size_t k = 0; k < rb->n_criteria; k++)
		cells[k] = round_cell(w, r, rb, &rb->criteria[k], lo, hi);
	out->criteria = cells;
	out->n_criteria = rb->n_criteria;
	struct exact e = round_means(out);
	out->scored = e.scored;
	out->score = e.scored ? decision_round2(e.cal) : 0;
	out->raw_score = e.scored ? decision_round2(e.raw) : 0;
	return e;
}

/* Every round of the packet, and the loop's round-weighted scores. */
static void
build_rounds(const struct decision_work *w, struct decision_packet *out)
{
	struct decision_packet_round *rounds = arena_alloc(w->a, (w->n_rounds + 1) * sizeof *rounds);
	struct exact loop = {0};
	double weights = 0;
	size_t lo = 0;
	for (size_t i = 0; i < w->n_rounds; i++) {
		size_t hi = lo;
		while (hi < w->n_cards && w->cards[hi].round == i)
			hi++;
		struct exact e = build_round(w, i, lo, hi, &rounds[i]);
		lo = hi;
		if (!e.scored)
			continue;
		loop.raw += rounds[i].weight * e.raw;
		loop.cal += rounds[i].weight * e.cal;
		weights += rounds[i].weight;
	}
	out->rounds = rounds;
	out->n_rounds = w->n_rounds;
	out->scored = weights > 0;
	out->score = out->scored ? decision_round2(loop.cal / weights) : 0;
	out->raw_score = out->scored ? decision_round2(loop.raw / weights) : 0;
}

/* Orders rubric pointers by (key, version). */
static int
rubric_cmp(const void *x, const void *y)
{
	const struct rubric *a = *(const struct rubric *const *)x;
	const struct rubric *b = *(const struct rubric *const *)y;
	int c = strcmp(a->key, b->key);
	return c ? c : (a->version > b->version) - (a->version < b->version);
}

/* The distinct rubric versions the packet's rounds are graded on, sorted;
 * the array in w->a, its length in *n. */
static const struct rubric **
used_rubrics(const struct decision_work *w, size_t *n)
{
	const struct rubric **v = arena_alloc(w->a, (w->n_cards + 1) * sizeof *v);
	*n = 0;
	for (size_t i = 0; i < w->n_cards; i++) {
		size_t j = 0;
		while (j < *n && v[j] != w->cards[i].rubric)
			j++;
		if (j == *n)
			v[(*n)++] = w->cards[i].rubric;
	}
	qsort(v, *n, sizeof *v, rubric_cmp);
	return v;
}

/* True when packet round r is graded on rubric rb. */
static bool
graded_on(const struct decision_packet_round *r, const struct rubric *rb)
{
	return r->rubric_key && strcmp(r->rubric_key, rb->key) == 0 &&
	       r->rubric_version == rb->version;
}

/* Criterion k of rubric rb over the whole loop: the ratings of every
 * round graded on rb, in round order. */
static struct decision_packet_criterion
loop_criterion(const struct decision_work *w, const struct decision_packet *out,
	       const struct rubric *rb, size_t k)
{
	size_t n = 0;
	for (size_t r = 0; r < out->n_rounds; r++)
		if (graded_on(&out->rounds[r], rb))
			n += out->rounds[r].criteria[k].n_ratings;
	struct decision_packet_rating *v = arena_alloc(w->a, (n + 1) * sizeof *v);
	struct decision_packet_criterion c = {
		.rubric_key = rb->key, .rubric_version = rb->version, .key = rb->criteria[k].key,
		.title = rb->criteria[k].title ? rb->criteria[k].title : rb->criteria[k].key,
		.weight = rb->criteria[k].weight, .required = rb->criteria[k].required,
		.ratings = v,
	};
	for (size_t r = 0; r < out->n_rounds; r++) {
		const struct decision_packet_round *pr = &out->rounds[r];
		if (!graded_on(pr, rb))
			continue;
		memcpy(v + c.n_ratings, pr->criteria[k].ratings,
		       pr->criteria[k].n_ratings * sizeof *v);
		c.n_ratings += pr->criteria[k].n_ratings;
	}
	criterion_stats(&c);
	return c;
}

/* The loop-wide criteria: by (rubric key, version), then rubric order. */
static void
build_criteria(const struct decision_work *w, struct decision_packet *out)
{
	size_t n_rubrics, n = 0;
	const struct rubric **rubrics = used_rubrics(w, &n_rubrics);
	for (size_t i = 0; i < n_rubrics; i++)
		n += rubrics[i]->n_criteria;
	struct decision_packet_criterion *v = arena_alloc(w->a, (n + 1) * sizeof *v);
	out->n_criteria = 0;
	for (size_t i = 0; i < n_rubrics; i++)
		for (size_t k = 0; k < rubrics[i]->n_criteria; k++)
			v[out->n_criteria++] = loop_criterion(w, out, rubrics[i], k);
	out->criteria = v;
}

/* A red flag with its sort keys. */
struct flag_item {
	struct decision_packet_flag view;
	size_t card, index;		/* card order, flag order in the rubric */
};

/* Critical first, then card order, then the rubric's flag order. */
static int
flag_cmp(const void *x, const void *y)
{
	const struct flag_item *a = x, *b = y;
	if (a->view.severity != b->view.severity)
		return a->view.severity > b->view.severity ? -1 : 1;
	if (a->card != b->card)
		return a->card < b->card ? -1 : 1;
	return (a->index > b->index) - (a->index < b->index);
}

/* Flag f of card c (card order i) with its sort keys. */
static struct flag_item
flag_item(const struct decision_work *w, size_t i, const struct decision_flag *f)
{
	const struct decision_card *c = &w->cards[i];
	const struct rubric_red_flag *rf = rubric_red_flag(c->rubric, f->key);
	bool critical = rf->severity == RUBRIC_SEVERITY_CRITICAL;
	return (struct flag_item){
		.view = {
			.round_id = c->sc->round_id, .scorecard_id = c->sc->id,
			.interviewer_id = w->people[c->who].user_id,
			.interviewer_name = c->sc->interviewer_name, .role = c->sc->role,
			.counted = c->counted, .key = rf->key, .title = rf->title ? rf->title : rf->key,
			.severity = rf->severity, .evidence = f->evidence ? f->evidence : "",
			.blocks = critical && c->counted && w->policy->critical_flag_blocks,
		},
		.card = i, .index = (size_t)(rf - c->rubric->red_flags),
	};
}

/* Every red flag raised, critical first. */
static void
build_flags(const struct decision_work *w, struct decision_packet *out)
{
	size_t n = 0;
	for (size_t i = 0; i < w->n_cards; i++)
		n += w->cards[i].sc->n_red_flags;
	struct flag_item *items = arena_alloc(w->a, (n + 1) * sizeof *items);
	n = 0;
	for (size_t i = 0; i < w->n_cards; i++)
		for (size_t j = 0; j < w->cards[i].sc->n_red_flags; j++)
			items[n++] = flag_item(w, i, &w->cards[i].sc->red_flags[j]);
	qsort(items, n, sizeof *items, flag_cmp);
	struct decision_packet_flag *v = arena_alloc(w->a, (n + 1) * sizeof *v);
	for (size_t i = 0; i < n; i++)
		v[i] = items[i].view;
	out->red_flags = v;
	out->n_red_flags = n;
}

/* Every interviewer of the loop with their history and leniency estimate. */
static void
build_interviewers(const struct decision_work *w, struct decision_packet *out)
{
	struct decision_packet_interviewer *v = arena_alloc(w->a, (w->n_people + 1) * sizeof *v);
	double k = w->policy->shrinkage_k;
	for (size_t j = 0; j < w->n_people; j++) {
		const struct decision_person *p = &w->people[j];
		long long n = p->stats ? p->stats->n : 0;
		v[j] = (struct decision_packet_interviewer){
			.user_id = p->user_id, .name = p->name, .n = n, .leniency = p->leniency,
		};
		if (n > 0) {
			v[j].mean_deviation = decision_round2(p->stats->sum_deviation / (double)n);
			v[j].shrink = decision_round2((double)n / ((double)n + k));
		}
	}
	for (size_t i = 0; i < w->n_cards; i++) {
		v[w->cards[i].who].n_scorecards++;
		v[w->cards[i].who].counted = v[w->cards[i].who].counted || w->cards[i].counted;
	}
	out->interviewers = v;
	out->n_interviewers = w->n_people;
}

bool
decision_build(struct arena *a, const struct decision_input *in,
	       const struct decision_policy *policy, struct decision_packet *out,
	       const char **error)
{
	struct decision_work w;
	struct decision_policy defaults = decision_policy_defaults();
	if (!policy)
		policy = &defaults;
	memset(out, 0, sizeof *out);
	if (!decision_work_prepare(a, in, policy, &w, error))
		return false;
	out->hire_threshold = decision_round2(policy->hire_threshold);
	out->policy_version = policy->version;
	build_rounds(&w, out);
	build_criteria(&w, out);
	build_flags(&w, out);
	build_interviewers(&w, out);
	decision_explain(&w, out);
	return true;
}
