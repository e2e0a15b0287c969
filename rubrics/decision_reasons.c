#include <math.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>
#include "rubrics/decision_internal.h"

/*
 * The packet's reasons and recommendation. Every rule adds its reasons;
 * they are then sorted by (class, code in reasons.def order, the order
 * they were added in, which follows the packet's own order), and the
 * first one's outcome is the recommendation.
 */

/* A reason being collected, with the order it was added in. */
struct item {
	struct decision_reason r;
	struct decision_ref *refs;
	size_t seq;
};

struct reasons {
	struct arena *a;
	struct item *v;
	size_t n, cap;
};

/* Appends a reason with a formatted message and no refs yet; returns its index. */
static size_t __attribute__((format(printf, 3, 4)))
add(struct reasons *l, enum decision_reason_code code, const char *fmt, ...)
{
	if (l->n == l->cap) {
		size_t cap = l->cap ? l->cap * 2 : 16;
		struct item *v = arena_alloc(l->a, cap * sizeof *v);
		if (l->n)
			memcpy(v, l->v, l->n * sizeof *v);
		l->v = v;
		l->cap = cap;
	}
	va_list ap;
	va_start(ap, fmt);
	char *msg = arena_vprintf(l->a, fmt, ap);
	va_end(ap);
	l->v[l->n] = (struct item){.r = {.code = code, .message = msg}, .seq = l->n};
	return l->n++;
}

/* Appends the ref (type, id) to reason i. */
static void
ref(struct reasons *l, size_t i, enum decision_ref_type type, const char *id)
{
	struct item *it = &l->v[i];
	struct decision_ref *refs = arena_alloc(l->a, (it->r.n_refs + 1) * sizeof *refs);
	if (it->r.n_refs)
		memcpy(refs, it->refs, it->r.n_refs * sizeof *refs);
	refs[it->r.n_refs++] = (struct decision_ref){type, id};
	it->refs = refs;
	it->r.refs = refs;
}

/* The packet position of the round with this id. */
static size_t
round_at(const struct decision_packet *out, const char *id)
{
	for (size_t i = 0; i < out->n_rounds; i++)
		if (strcmp(out->rounds[i].id, id) == 0)
			return i;
	return 0;	/* unreachable: every id comes from the rounds */
}

/* "round 2 (coding)" for the round with this id, in l->a. */
static const char *
round_label(struct reasons *l, const struct decision_packet *out, const char *id)
{
	size_t i = round_at(out, id);
	return arena_printf(l->a, "round %zu (%s)", DECISION_ROUND_NO(i), out->rounds[i].kind);
}

/* True when a lead or bar raiser rated criterion c. */
static bool
rated_by_lead(const struct decision_packet_criterion *c)
{
	for (size_t i = 0; i < c->n_ratings; i++)
		if (c->ratings[i].role != DECISION_ROLE_SHADOW)
			return true;
	return false;
}

/* Coverage of held round r: its scorecard, and its required criteria. */
static void
cover_round(struct reasons *l, const struct decision_packet *out,
	    const struct decision_packet_round *r)
{
	const char *label = round_label(l, out, r->id);
	if (!r->covered) {
		size_t i = r->required
			? add(l, DECISION_R_ROUND_MISSING, "Required %s has no submitted lead or "
			      "bar-raiser scorecard (the round is %s).", label,
			      decision_round_status_name(r->status))
			: add(l, DECISION_R_OPTIONAL_ROUND_UNSCORED, "Optional %s has no submitted "
			      "lead or bar-raiser scorecard; it is left out of the score.", label);
		ref(l, i, DECISION_REF_ROUND, r->id);
		return;
	}
	for (size_t k = 0; k < r->n_criteria; k++) {
		const struct decision_packet_criterion *c = &r->criteria[k];
		if (!c->required || rated_by_lead(c))
			continue;
		size_t i = add(l, DECISION_R_CRITERION_UNRATED, "Required criterion \"%s\" (%s) of "
			       "%s has no rating from its lead or bar raiser.", c->title, c->key,
			       label);
		ref(l, i, DECISION_REF_ROUND, r->id);
		ref(l, i, DECISION_REF_CRITERION, c->key);
	}
}

/* Coverage of every held round, and whether there is a score at all. */
static void
coverage(struct reasons *l, const struct decision_packet *out)
{
	for (size_t i = 0; i < out->n_rounds; i++)
		if (out->rounds[i].held)
			cover_round(l, out, &out->rounds[i]);
	if (!out->scored)
		add(l, DECISION_R_NO_RATINGS, "No counted scorecard has a rating yet, so there is "
		    "no score.");
}

/* Why the critical flag f does not block. */
static const char *
why_not_blocking(const struct decision_packet *out, const struct decision_packet_flag *f)
{
	if (!out->rounds[round_at(out, f->round_id)].held)
		return "its round was cancelled or a no-show";
	if (!f->counted)
		return "it is a shadow's and this policy does not count shadows";
	return "this policy does not let critical red flags block hire";
}

/* One reason per red flag raised: critical ones block or say why not. */
static void
red_flags(struct reasons *l, const struct decision_packet *out)
{
	for (size_t j = 0; j < out->n_red_flags; j++) {
		const struct decision_packet_flag *f = &out->red_flags[j];
		const char *head = arena_printf(l->a, "%s raised the %s red flag \"%s\" (%s) in %s",
						f->interviewer_name, rubric_severity_name(f->severity),
						f->title, f->key, round_label(l, out, f->round_id));
		size_t i;
		if (f->blocks)
			i = add(l, DECISION_R_CRITICAL_RED_FLAG, "%s; a critical red flag blocks "
				"hire.", head);
		else if (f->severity == RUBRIC_SEVERITY_CRITICAL)
			i = add(l, DECISION_R_CRITICAL_FLAG_NOT_BLOCKING, "%s; it does not block: %s.",
				head, why_not_blocking(out, f));
		else
			i = add(l, DECISION_R_MAJOR_RED_FLAG, "%s%s.", head,
				f->counted ? "" : " (not counted)");
		ref(l, i, DECISION_REF_ROUND, f->round_id);
		ref(l, i, DECISION_REF_SCORECARD, f->scorecard_id);
		ref(l, i, DECISION_REF_INTERVIEWER, f->interviewer_id);
		ref(l, i, DECISION_REF_RED_FLAG, f->key);
	}
}

/* A counted bar raiser's no or strong_no: blocks, or says the policy lets it pass. */
static void
bar_raiser(struct reasons *l, const struct decision_work *w, const struct decision_packet *out)
{
	for (size_t c = 0; c < w->n_cards; c++) {
		const struct decision_card *card = &w->cards[c];
		const struct decision_scorecard *sc = card->sc;
		if (!card->counted || sc->role != DECISION_ROLE_BAR_RAISER ||
		    sc->recommendation > DECISION_VOTE_NO)
			continue;
		const char *head = arena_printf(l->a, "Bar raiser %s recommended %s in %s",
						sc->interviewer_name,
						decision_vote_name(sc->recommendation),
						round_label(l, out, sc->round_id));
		size_t i = w->policy->bar_raiser_no_blocks
			? add(l, DECISION_R_BAR_RAISER_NO, "%s; a bar raiser's no blocks hire.", head)
			: add(l, DECISION_R_BAR_RAISER_NO_NOT_BLOCKING, "%s; this policy does not let "
			      "the bar raiser block hire.", head);
		ref(l, i, DECISION_REF_ROUND, sc->round_id);
		ref(l, i, DECISION_REF_SCORECARD, sc->id);
		ref(l, i, DECISION_REF_INTERVIEWER, w->people[card->who].user_id);
	}
}

/* "Alice (round 1 (coding): strong_yes)" for card c, in l->a. */
static const char *
vote_label(struct reasons *l, const struct decision_packet *out, const struct decision_card *c)
{
	return arena_printf(l->a, "%s (%s: %s)", c->sc->interviewer_name,
			    round_label(l, out, c->sc->round_id),
			    decision_vote_name(c->sc->recommendation));
}

/* Every pair of counted recommendations across the yes/no line further
 * apart than the policy's max_split, named in card order. */
static void
splits(struct reasons *l, const struct decision_work *w, const struct decision_packet *out)
{
	for (size_t x = 0; x < w->n_cards; x++)
		for (size_t y = x + 1; y < w->n_cards; y++) {
			const struct decision_card *a = &w->cards[x], *b = &w->cards[y];
			int va = (int)a->sc->recommendation, vb = (int)b->sc->recommendation;
			bool across = (va >= DECISION_VOTE_YES) != (vb >= DECISION_VOTE_YES);
			if (!a->counted || !b->counted || !across || abs(va - vb) <= w->policy->max_split)
				continue;
			size_t i = add(l, DECISION_R_RECOMMENDATIONS_SPLIT, "%s and %s split across "
				       "the yes/no line by %d points; this policy allows %d.",
				       vote_label(l, out, a), vote_label(l, out, b), abs(va - vb),
				       w->policy->max_split);
			ref(l, i, DECISION_REF_SCORECARD, a->sc->id);
			ref(l, i, DECISION_REF_INTERVIEWER, w->people[a->who].user_id);
			ref(l, i, DECISION_REF_SCORECARD, b->sc->id);
			ref(l, i, DECISION_REF_INTERVIEWER, w->people[b->who].user_id);
		}
}

/* The calibrated score against the threshold, compared in hundredths. */
static void
score(struct reasons *l, const struct decision_packet *out)
{
	if (!out->scored)
		return;
	if (llround(out->score * 100) >= llround(out->hire_threshold * 100))
		add(l, DECISION_R_SCORE_MEETS_THRESHOLD, "Calibrated score %.2f is at or above the "
		    "hire threshold %.2f (raw score %.2f).", out->score, out->hire_threshold,
		    out->raw_score);
	else
		add(l, DECISION_R_SCORE_BELOW_THRESHOLD, "Calibrated score %.2f is below the hire "
		    "threshold %.2f (raw score %.2f).", out->score, out->hire_threshold,
		    out->raw_score);
}

/* Notes on scorecards shown but not counted: shadows, rounds not held. */
static void
uncounted(struct reasons *l, const struct decision_work *w, const struct decision_packet *out)
{
	struct abuf names;
	abuf_init(&names, l->a);
	size_t shadows = 0, note = 0;
	for (size_t c = 0; c < w->n_cards; c++) {
		const struct decision_card *card = &w->cards[c];
		const char *who = w->people[card->who].user_id;
		if (!card->held) {
			size_t i = add(l, DECISION_R_SCORECARD_NOT_HELD, "%s's scorecard for %s is not "
				       "counted: the round is %s.", card->sc->interviewer_name,
				       round_label(l, out, card->sc->round_id),
				       decision_round_status_name(w->rounds[card->round]->status));
			ref(l, i, DECISION_REF_ROUND, card->sc->round_id);
			ref(l, i, DECISION_REF_SCORECARD, card->sc->id);
			ref(l, i, DECISION_REF_INTERVIEWER, who);
		} else if (!card->counted) {
			if (!shadows++)
				note = add(l, DECISION_R_SHADOWS_NOT_COUNTED, "%s", "");
			abuf_printf(&names, "%s%s in %s", shadows > 1 ? ", " : "",
				    card->sc->interviewer_name, round_label(l, out, card->sc->round_id));
			ref(l, note, DECISION_REF_SCORECARD, card->sc->id);
			ref(l, note, DECISION_REF_INTERVIEWER, who);
		}
	}
	if (shadows)
		l->v[note].r.message = arena_printf(l->a, "Shadow scorecards are shown but not "
						    "counted (this policy does not count shadows): "
						    "%s.", names.data);
}

/* A note when calibration moved the score, naming whose leniency did it. */
static void
calibration(struct reasons *l, const struct decision_packet *out)
{
	if (!out->scored || llround(out->score * 100) == llround(out->raw_score * 100))
		return;
	struct abuf who;
	abuf_init(&who, l->a);
	size_t i = add(l, DECISION_R_CALIBRATION_SHIFT, "%s", "");
	for (size_t j = 0; j < out->n_interviewers; j++) {
		const struct decision_packet_interviewer *p = &out->interviewers[j];
		if (!p->counted || p->leniency == 0)
			continue;
		abuf_printf(&who, "%s%s %+.2f (n=%lld)", who.len ? ", " : "", p->name, p->leniency,
			    p->n);
		ref(l, i, DECISION_REF_INTERVIEWER, p->user_id);
	}
	l->v[i].r.message = arena_printf(l->a, "Calibration moved the score from %.2f (raw) to "
					 "%.2f; leniency estimates subtracted: %s.",
					 out->raw_score, out->score, who.data);
}

/* Orders reasons by (class, code, order added). */
static int
item_cmp(const void *x, const void *y)
{
	const struct item *a = x, *b = y;
	enum decision_class ca = decision_reason_class(a->r.code);
	enum decision_class cb = decision_reason_class(b->r.code);
	if (ca != cb)
		return ca < cb ? -1 : 1;
	if (a->r.code != b->r.code)
		return a->r.code < b->r.code ? -1 : 1;
	return (a->seq > b->seq) - (a->seq < b->seq);
}

void
decision_explain(struct decision_work *w, struct decision_packet *out)
{
	struct reasons l = {.a = w->a};
	coverage(&l, out);
	red_flags(&l, out);
	bar_raiser(&l, w, out);
	splits(&l, w, out);
	score(&l, out);
	uncounted(&l, w, out);
	calibration(&l, out);
	if (l.n)
		qsort(l.v, l.n, sizeof *l.v, item_cmp);
	struct decision_reason *v = arena_alloc(w->a, (l.n + 1) * sizeof *v);
	for (size_t i = 0; i < l.n; i++)
		v[i] = l.v[i].r;
	out->reasons = v;
	out->n_reasons = l.n;
	out->recommendation = decision_reason_outcome(v[0].code);
}
