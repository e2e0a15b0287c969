#include <string.h>
#include "rubrics/decision.h"

/* Wire names of the decision engine's enums and the reason registry. */

/* Indexed by enum value; index 0 is unused, the list NULL-terminated. */
static const char *const role_names[] = {NULL, "lead", "shadow", "bar_raiser", NULL};
static const char *const vote_names[] = {NULL, "strong_no", "no", "yes", "strong_yes", NULL};
static const char *const status_names[] = {
	NULL, "unscheduled", "scheduled", "completed", "cancelled", "no_show", NULL};
static const char *const outcome_names[] = {
	NULL, "hire", "no_hire", "needs_debrief", "incomplete", NULL};
static const char *const class_names[] = {
	NULL, "coverage", "block", "split", "score", "note", NULL};
static const char *const ref_names[] = {
	NULL, "round", "scorecard", "interviewer", "criterion", "red_flag", NULL};

struct reason_entry {
	const char *code;
	enum decision_class cls;
	enum decision_outcome outcome;
	const char *meaning;
};

#define COVERAGE DECISION_CLASS_COVERAGE
#define BLOCK DECISION_CLASS_BLOCK
#define SPLIT DECISION_CLASS_SPLIT
#define SCORE DECISION_CLASS_SCORE
#define NOTE DECISION_CLASS_NOTE
#define INCOMPLETE DECISION_INCOMPLETE
#define NO_HIRE DECISION_NO_HIRE
#define NEEDS_DEBRIEF DECISION_NEEDS_DEBRIEF
#define HIRE DECISION_HIRE
static const struct reason_entry reasons[] = {
#define R(e, code, cls, outcome, meaning) [DECISION_R_##e] = {code, cls, outcome, meaning},
#include "rubrics/reasons.def"
#undef R
};

/* names[v] when v is within the n named values, else NULL. */
static const char *
name_of(const char *const *names, size_t n, int v)
{
	return v >= 1 && (size_t)v <= n ? names[v] : NULL;
}

/* The index of s in names (skipping names[0]), or 0. */
static int
index_of(const char *const *names, const char *s)
{
	if (!s)
		return 0;
	for (int i = 1; names[i]; i++)
		if (strcmp(names[i], s) == 0)
			return i;
	return 0;
}

const char *
decision_role_name(enum decision_role r)
{
	return name_of(role_names, 3, (int)r);
}

const char *
decision_vote_name(enum decision_vote v)
{
	return name_of(vote_names, 4, (int)v);
}

const char *
decision_round_status_name(enum decision_round_status s)
{
	return name_of(status_names, 5, (int)s);
}

const char *
decision_outcome_name(enum decision_outcome o)
{
	return name_of(outcome_names, 4, (int)o);
}

const char *
decision_class_name(enum decision_class c)
{
	return name_of(class_names, 5, (int)c);
}

const char *
decision_ref_type_name(enum decision_ref_type t)
{
	return name_of(ref_names, 5, (int)t);
}

const char *
decision_reason_name(enum decision_reason_code c)
{
	return (unsigned)c < DECISION_R_COUNT ? reasons[c].code : NULL;
}

const char *
decision_reason_meaning(enum decision_reason_code c)
{
	return (unsigned)c < DECISION_R_COUNT ? reasons[c].meaning : NULL;
}

enum decision_class
decision_reason_class(enum decision_reason_code c)
{
	return (unsigned)c < DECISION_R_COUNT ? reasons[c].cls : 0;
}

enum decision_outcome
decision_reason_outcome(enum decision_reason_code c)
{
	return (unsigned)c < DECISION_R_COUNT ? reasons[c].outcome : 0;
}

enum decision_role
decision_role_from_name(const char *s)
{
	return (enum decision_role)index_of(role_names, s);
}

enum decision_vote
decision_vote_from_name(const char *s)
{
	return (enum decision_vote)index_of(vote_names, s);
}

enum decision_round_status
decision_round_status_from_name(const char *s)
{
	return (enum decision_round_status)index_of(status_names, s);
}
