#ifndef RUBRICS_DECISION_INTERNAL_H
#define RUBRICS_DECISION_INTERNAL_H
#include "rubrics/decision.h"

/*
 * Shared by the decision engine's files only: the validated input in its
 * canonical order. Rounds sort by (ordinal, id); scorecards by (round,
 * role: lead, bar raiser, shadow; interviewer id; scorecard id), so the
 * scorecards of one round are adjacent; people by user id.
 */

struct decision_card {
	const struct decision_scorecard *sc;
	const struct rubric *rubric;
	size_t round;			/* index into work.rounds */
	size_t who;			/* index into work.people */
	bool held;			/* its round was not cancelled or a no-show */
	bool leads;			/* lead or bar raiser: it covers the round */
	bool counted;			/* held, and not a shadow unless shadows count */
};

struct decision_person {
	const char *user_id, *name;	/* name from their first scorecard */
	const struct decision_interviewer_stats *stats;	/* NULL: no history */
	double leniency;		/* decision_leniency(stats, k) */
};

struct decision_work {
	struct arena *a;
	const struct decision_input *in;
	const struct decision_policy *policy;
	const struct decision_round **rounds;
	size_t n_rounds;
	struct decision_card *cards;
	size_t n_cards;
	struct decision_person *people;
	size_t n_people;
};

/* Validates in and policy and fills *w (arrays in a, pointing into in);
 * false with *error (static or in a) on the first problem found. */
bool decision_work_prepare(struct arena *a, const struct decision_input *in,
			   const struct decision_policy *policy, struct decision_work *w,
			   const char **error);

/* Appends the packet's reasons (sorted) and sets its recommendation; the
 * figures, rounds, flags and interviewers of out must be filled already. */
void decision_explain(struct decision_work *w, struct decision_packet *out);

/* True when the round was held: not cancelled, not a no-show. */
bool decision_round_held(const struct decision_round *r);

/* The 1-based position of round i in the packet, as messages name it. */
#define DECISION_ROUND_NO(i) ((i) + 1)

#endif
