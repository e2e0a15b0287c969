#include <math.h>
#include <string.h>
#include "rubrics/decision_internal.h"

/*
 * Calibration. A rating is modelled as the candidate's level on the
 * criterion plus the interviewer's leniency plus noise. An interviewer's
 * leniency is estimated from past loops only: on each, their mean rating
 * minus the mean of their co-panelists' mean ratings on the same
 * candidate, so the candidate's level cancels out. The org's history table
 * keeps, per interviewer, the count n of such loops and the sum of the
 * deviations; the estimate is the mean deviation shrunk toward 0 by
 * n / (n + k), which is sum / (n + k).
 */

double
decision_round2(double x)
{
	double r = round(x * 100.0) / 100.0;
	return r == 0 ? 0.0 : r;	/* never -0.00 */
}

double
decision_leniency(const struct decision_interviewer_stats *stats, double k)
{
	if (!stats || stats->n <= 0)
		return 0.0;
	return decision_round2(stats->sum_deviation / ((double)stats->n + k));
}

/* Per person of w: the sum and count of their ratings on held rounds. */
static void
rating_totals(const struct decision_work *w, double *sum, size_t *count)
{
	for (size_t i = 0; i < w->n_cards; i++) {
		const struct decision_card *c = &w->cards[i];
		if (!c->held)
			continue;
		for (size_t j = 0; j < c->sc->n_ratings; j++) {
			sum[c->who] += c->sc->ratings[j].rating;
			count[c->who]++;
		}
	}
}

/* The mean of the other raters' means (mean[j] for j != i with count[j]),
 * or NAN when person i has no co-panelist with a rating. */
static double
co_panel_mean(const double *mean, const size_t *count, size_t n, size_t i)
{
	double total = 0;
	size_t others = 0;
	for (size_t j = 0; j < n; j++)
		if (j != i && count[j]) {
			total += mean[j];
			others++;
		}
	return others ? total / (double)others : NAN;
}

bool
decision_contributions(struct arena *a, const struct decision_input *in,
		       struct decision_interviewer_stats **out, size_t *n_out,
		       const char **error)
{
	struct decision_policy p = decision_policy_defaults();
	struct decision_work w;
	if (!decision_work_prepare(a, in, &p, &w, error))
		return false;
	size_t n = w.n_people;
	double *sum = arena_alloc(a, (n ? n : 1) * sizeof *sum);
	double *mean = arena_alloc(a, (n ? n : 1) * sizeof *mean);
	size_t *count = arena_alloc(a, (n ? n : 1) * sizeof *count);
	rating_totals(&w, sum, count);
	for (size_t i = 0; i < n; i++)
		mean[i] = count[i] ? sum[i] / (double)count[i] : 0;
	*out = arena_alloc(a, (n ? n : 1) * sizeof **out);
	*n_out = 0;
	for (size_t i = 0; i < n; i++) {
		double others = co_panel_mean(mean, count, n, i);
		if (!count[i] || isnan(others))
			continue;
		(*out)[(*n_out)++] = (struct decision_interviewer_stats){
			.user_id = w.people[i].user_id, .n = 1,
			.sum_deviation = mean[i] - others};
	}
	return true;
}
