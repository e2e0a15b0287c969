#ifndef RUBRICS_DECISION_H
#define RUBRICS_DECISION_H
#include <jansson.h>
#include <stdbool.h>
#include <stddef.h>
#include "base/arena.h"
#include "rubrics/rubric.h"

/*
 * The decision engine: a pure function from (rubric versions, rounds,
 * submitted scorecards, interviewer history, org policy) to a decision
 * packet. No I/O, no allocation outside the arena it is given. Input is
 * borrowed (never modified); every output struct and string lives in the
 * arena or points into the input. README.md ("The decision packet")
 * explains the model, the precedence and every reason code.
 */

enum decision_role {
	DECISION_ROLE_LEAD = 1,
	DECISION_ROLE_SHADOW = 2,
	DECISION_ROLE_BAR_RAISER = 3,
};

/* An interviewer's overall recommendation, on the 4-point scale. */
enum decision_vote {
	DECISION_VOTE_STRONG_NO = 1,
	DECISION_VOTE_NO = 2,
	DECISION_VOTE_YES = 3,
	DECISION_VOTE_STRONG_YES = 4,
};

enum decision_round_status {
	DECISION_ROUND_UNSCHEDULED = 1,
	DECISION_ROUND_SCHEDULED = 2,
	DECISION_ROUND_COMPLETED = 3,
	DECISION_ROUND_CANCELLED = 4,
	DECISION_ROUND_NO_SHOW = 5,
};

enum decision_outcome {
	DECISION_HIRE = 1,
	DECISION_NO_HIRE = 2,
	DECISION_NEEDS_DEBRIEF = 3,
	DECISION_INCOMPLETE = 4,
};

/* A reason's class: its precedence (lower first). */
enum decision_class {
	DECISION_CLASS_COVERAGE = 1,	/* -> incomplete */
	DECISION_CLASS_BLOCK = 2,	/* -> no_hire */
	DECISION_CLASS_SPLIT = 3,	/* -> needs_debrief */
	DECISION_CLASS_SCORE = 4,	/* -> hire or no_hire by threshold */
	DECISION_CLASS_NOTE = 5,	/* explains, decides nothing */
};

/* Reason codes, generated from rubrics/reasons.def. */
enum decision_reason_code {
#define R(e, code, cls, outcome, meaning) DECISION_R_##e,
#include "rubrics/reasons.def"
#undef R
	DECISION_R_COUNT
};

/* What a reason's ref points at. */
enum decision_ref_type {
	DECISION_REF_ROUND = 1,		/* id: round id */
	DECISION_REF_SCORECARD = 2,	/* id: scorecard id */
	DECISION_REF_INTERVIEWER = 3,	/* id: user id */
	DECISION_REF_CRITERION = 4,	/* id: criterion key (with a round ref) */
	DECISION_REF_RED_FLAG = 5,	/* id: red flag key (with a scorecard ref) */
};

#define DECISION_SCALE_MIN 1
#define DECISION_SCALE_MAX 4

/* ---- policy ---- */

/* A round kind's weight in the loop score (kinds not listed weigh 1). */
struct decision_round_weight {
	const char *kind;
	double weight;			/* 0 < weight <= 100 */
};

struct decision_policy {
	int version;			/* the org's policy version; 0 = built-in defaults */
	double hire_threshold;		/* hire when score >= this; 1..4, 2 decimals; 3.00 */
	int max_split;			/* allowed yes/no split distance, 0..3; 1 */
	double shrinkage_k;		/* leniency weight n/(n+k); 0..1000; 5 */
	bool count_shadows;		/* false */
	bool critical_flag_blocks;	/* true */
	bool bar_raiser_no_blocks;	/* true */
	const struct decision_round_weight *round_weights;	/* none */
	size_t n_round_weights;		/* at most DECISION_MAX_ROUND_WEIGHTS */
};

#define DECISION_MAX_ROUND_WEIGHTS 50

/* The built-in policy (documented in README.md); points to static storage only. */
struct decision_policy decision_policy_defaults(void);

/* True when p is a valid policy. When errors is a JSON array, appends one
 * {"field","code","message"} object per problem, every one of them; the
 * messages are allocated in a. */
bool decision_policy_validate(struct arena *a, const struct decision_policy *p, json_t *errors);

/* Parses a PUT /v1/decision-policy body into *out: members left out take
 * their default, unknown members are refused, then the result is validated.
 * Errors as decision_policy_validate; out->version is 0 (the database sets
 * it). Strings are copied into a; nothing borrows from doc. */
bool decision_policy_from_json(struct arena *a, json_t *doc, struct decision_policy *out,
			       json_t *errors);

/* The policy as JSON (every member, round weights as an object sorted by
 * kind, no "version"); a new reference the caller owns (json_decref). */
json_t *decision_policy_to_json(const struct decision_policy *p);

/* ---- input ---- */

/* One round of the loop. */
struct decision_round {
	const char *id;
	const char *kind;
	bool required;
	enum decision_round_status status;
	long long ordinal;		/* display order (rounds.ordinal); ties by id */
};

struct decision_rating {
	const char *criterion;		/* criterion key of the scorecard's rubric */
	int rating;			/* 1..4 */
	const char *evidence;		/* NULL reads as "" */
};

struct decision_flag {
	const char *key;		/* red flag key of the scorecard's rubric */
	const char *evidence;		/* NULL reads as "" */
};

/* The latest submitted version of one interviewer's scorecard for a round. */
struct decision_scorecard {
	const char *id;
	int version;
	const char *round_id;		/* a round in decision_input.rounds */
	const char *round_kind;		/* NULL, or the round's kind */
	bool round_required;		/* must equal the round's */
	const char *rubric_key;		/* the round's pinned rubric */
	int rubric_version;
	const char *interviewer_id;
	const char *interviewer_name;
	enum decision_role role;
	const struct decision_rating *ratings;
	size_t n_ratings;
	const struct decision_flag *red_flags;
	size_t n_red_flags;
	enum decision_vote recommendation;
	const char *summary;		/* NULL reads as "" */
};

/* One interviewer's accumulated grading history in the org: n past loops
 * and the sum of their deviations from their co-panelists (calibration.c). */
struct decision_interviewer_stats {
	const char *user_id;
	long long n;			/* >= 0 */
	double sum_deviation;		/* |sum_deviation| <= 3 n */
};

struct decision_input {
	const struct rubric *rubrics;	/* every rubric version a scorecard names */
	size_t n_rubrics;
	const struct decision_round *rounds;	/* every round of the loop */
	size_t n_rounds;
	const struct decision_scorecard *scorecards;
	size_t n_scorecards;
	const struct decision_interviewer_stats *stats;	/* any order; missing = no history */
	size_t n_stats;
};

/* ---- output ---- */

/* One rating as the packet shows it. */
struct decision_packet_rating {
	const char *round_id, *scorecard_id;
	const char *interviewer_id, *interviewer_name;
	enum decision_role role;
	bool counted;			/* part of means and scores */
	int rating;			/* raw, 1..4 */
	double calibrated;		/* rating - leniency, clamped to 1..4 */
	const char *evidence;
};

/* One criterion's ratings: inside a round (round_id set) or over the whole
 * loop (round_id NULL, every round graded on that rubric version). */
struct decision_packet_criterion {
	const char *round_id;
	const char *rubric_key;
	int rubric_version;
	const char *key, *title;
	double weight;
	bool required;
	const struct decision_packet_rating *ratings;	/* counted or not */
	size_t n_ratings;
	size_t n_counted;
	double mean, calibrated_mean;	/* of the counted ratings; 0 when none */
	int min, max, spread;		/* of the counted raw ratings; 0 when none */
};

/* One scorecard's headline. */
struct decision_packet_scorecard {
	const char *id;
	int version;
	const char *interviewer_id, *interviewer_name;
	enum decision_role role;
	bool counted;
	enum decision_vote recommendation;
	const char *summary;
	size_t n_red_flags;
};

struct decision_packet_round {
	const char *id, *kind;
	bool required;
	enum decision_round_status status;
	bool held;			/* not cancelled, not a no-show */
	bool covered;			/* has a submitted lead or bar-raiser scorecard */
	const char *rubric_key;		/* NULL when the round has no scorecard */
	int rubric_version;
	double weight;			/* the policy's weight for its kind */
	const struct decision_packet_scorecard *scorecards;
	size_t n_scorecards;
	const struct decision_packet_criterion *criteria;	/* rubric order */
	size_t n_criteria;
	bool scored;			/* has a counted rating */
	double score, raw_score;	/* 0 when not scored */
};

struct decision_packet_flag {
	const char *round_id, *scorecard_id;
	const char *interviewer_id, *interviewer_name;
	enum decision_role role;
	bool counted;
	const char *key, *title;
	enum rubric_severity severity;
	const char *evidence;
	bool blocks;			/* this flag blocks hire */
};

/* One interviewer of the loop with the leniency estimate applied to them. */
struct decision_packet_interviewer {
	const char *user_id, *name;
	long long n;			/* past loops in the history */
	double mean_deviation;		/* sum_deviation / n; 0 when n = 0 */
	double shrink;			/* n / (n + k) */
	double leniency;		/* mean_deviation * shrink = sum / (n + k) */
	size_t n_scorecards;		/* in this loop */
	bool counted;			/* has a counted scorecard here */
};

struct decision_ref {
	enum decision_ref_type type;
	const char *id;
};

struct decision_reason {
	enum decision_reason_code code;
	const char *message;		/* one line for a hiring manager */
	const struct decision_ref *refs;
	size_t n_refs;
};

struct decision_packet {
	enum decision_outcome recommendation;
	bool scored;			/* false: score and raw_score are 0 (render null) */
	double score, raw_score;	/* 1..4, 2 decimals */
	double hire_threshold;
	int policy_version;
	const struct decision_reason *reasons;	/* at least one; the first decides */
	size_t n_reasons;
	const struct decision_packet_round *rounds;
	size_t n_rounds;
	const struct decision_packet_criterion *criteria;	/* loop-wide */
	size_t n_criteria;
	const struct decision_packet_flag *red_flags;
	size_t n_red_flags;
	const struct decision_packet_interviewer *interviewers;
	size_t n_interviewers;
};

/* ---- the engine ---- */

/* Builds the decision packet for one loop into *out (in a, or pointing into
 * in) under policy (NULL: the defaults). The same input in any order gives
 * the same packet, figure for figure.
 * Returns false and sets *error (static or in a) when the input is
 * inconsistent (an unknown round, rubric, criterion or red flag, a rating
 * outside 1..4, a duplicate, an invalid policy); *out is then unusable. */
bool decision_build(struct arena *a, const struct decision_input *in,
		    const struct decision_policy *policy, struct decision_packet *out,
		    const char **error);

/* Each interviewer's contribution from this one loop to the org's history
 * table (n = 1, the deviation of their mean rating from their co-panelists'),
 * sorted by user id, in a. Call it once per loop, when its decision is
 * recorded (README.md, "Calibration"). Same error rule as decision_build;
 * policy is not consulted (every role, every held round counts for history). */
bool decision_contributions(struct arena *a, const struct decision_input *in,
			    struct decision_interviewer_stats **out, size_t *n_out,
			    const char **error);

/* The shrunk leniency estimate for stats (NULL: none) under k, rounded to
 * 2 decimals: sum_deviation / (n + k), 0 when n = 0. */
double decision_leniency(const struct decision_interviewer_stats *stats, double k);

/* x rounded to 2 decimals (half away from zero), the precision of every
 * figure in a packet. */
double decision_round2(double x);

/* A canonical, line-oriented text form of the packet (for tests, logs and
 * golden files); equal packets give byte-identical text. In a. */
char *decision_packet_dump(struct arena *a, const struct decision_packet *p);

/* ---- names (static storage; NULL or 0 for an unknown value) ---- */

/* "lead", "shadow", "bar_raiser". */
const char *decision_role_name(enum decision_role r);
/* "strong_no", "no", "yes", "strong_yes". */
const char *decision_vote_name(enum decision_vote v);
/* "unscheduled", "scheduled", "completed", "cancelled", "no_show". */
const char *decision_round_status_name(enum decision_round_status s);
/* "hire", "no_hire", "needs_debrief", "incomplete". */
const char *decision_outcome_name(enum decision_outcome o);
/* "coverage", "block", "split", "score", "note". */
const char *decision_class_name(enum decision_class c);
/* "round", "scorecard", "interviewer", "criterion", "red_flag". */
const char *decision_ref_type_name(enum decision_ref_type t);
/* The reason's wire code ("round_missing"). */
const char *decision_reason_name(enum decision_reason_code c);
/* The reason's meaning, one sentence (as in README.md). */
const char *decision_reason_meaning(enum decision_reason_code c);
/* The reason's class (precedence); 0 for an unknown code. */
enum decision_class decision_reason_class(enum decision_reason_code c);
/* The outcome a reason leads to when it comes first; 0 for a note. */
enum decision_outcome decision_reason_outcome(enum decision_reason_code c);

/* Wire names back to values: 0 when s is unknown or NULL. */
enum decision_role decision_role_from_name(const char *s);
enum decision_vote decision_vote_from_name(const char *s);
enum decision_round_status decision_round_status_from_name(const char *s);

#endif
