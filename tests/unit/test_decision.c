/* The decision engine: packets for table-driven loops, calibration through
 * the history contributions, order independence, monotonicity, policy
 * validation. Input errors, names and the registry: test_decision_input.c. */
#include <math.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <cmocka.h>
#include "base/arena.h"
#include "decision_fixture.h"

#define TWO "r1:coding:req r2:design:req"
#define THREE "r1:coding:req r2:design:req r3:behavioral:req"
#define ALICE_SY "r1 lead alice strong_yes correctness=4 clarity=4 testing=4"
#define BOB_SY "r2 lead bob strong_yes scoping=4 trade_offs=4"
#define DAN_SHADOW_SN "r1 shadow dan strong_no correctness=1 clarity=1 testing=1"

struct packet_case {
	const char *name;
	const char *rounds, *cards, *stats, *policy;
	const char *recommendation;
	const char *codes;		/* every reason code, in packet order */
	const char *contains[3];	/* substrings of decision_packet_dump */
};

static const struct packet_case packet_cases[] = {
	{"all strong yes -> hire", TWO, ALICE_SY "; " BOB_SY, NULL, NULL,
	 "hire", "score_meets_threshold",
	 {"score=4.00 raw_score=4.00", "Calibrated score 4.00 is at or above the hire threshold 3.00"}},
	{"critical red flag among strong yeses -> no_hire", TWO, ALICE_SY " !no_code; " BOB_SY,
	 NULL, NULL, "no_hire", "critical_red_flag,score_meets_threshold",
	 {"Alice raised the critical red flag \\\"No working code\\\" (no_code) in round 1 (coding);"
	  " a critical red flag blocks hire.", "severity=critical blocks=1",
	  "refs=round:r1,scorecard:sc-alice-r1,interviewer:alice,red_flag:no_code"}},
	{"bar raiser no -> no_hire", THREE,
	 "r1 lead alice yes correctness=4 clarity=4 testing=4; r2 lead bob yes scoping=4 trade_offs=4;"
	 " r3 bar_raiser carol no ownership=3 communication=3", NULL, NULL,
	 "no_hire", "bar_raiser_no,score_meets_threshold",
	 {"Bar raiser Carol recommended no in round 3 (behavioral); a bar raiser's no blocks hire."}},
	{"strong_yes against no -> needs_debrief naming both", TWO,
	 ALICE_SY "; r2 lead bob no scoping=2 trade_offs=2", NULL, NULL,
	 "needs_debrief", "recommendations_split,score_meets_threshold",
	 {"Alice (round 1 (coding): strong_yes) and Bob (round 2 (design): no) split across the"
	  " yes/no line by 2 points; this policy allows 1.",
	  "refs=scorecard:sc-alice-r1,interviewer:alice,scorecard:sc-bob-r2,interviewer:bob"}},
	{"yes against strong_no -> needs_debrief", TWO,
	 "r1 lead alice yes correctness=3 clarity=3; r2 lead bob strong_no scoping=3 trade_offs=3",
	 NULL, NULL, "needs_debrief", "recommendations_split,score_meets_threshold", {NULL}},
	{"yes against no is within the default", TWO,
	 "r1 lead alice yes correctness=3 clarity=3; r2 lead bob no scoping=3 trade_offs=3",
	 NULL, NULL, "hire", "score_meets_threshold", {NULL}},
	{"max_split 0 debriefs yes against no", TWO,
	 "r1 lead alice yes correctness=3 clarity=3; r2 lead bob no scoping=2 trade_offs=2",
	 NULL, "{'max_split': 0}", "needs_debrief", "recommendations_split,score_below_threshold",
	 {"this policy allows 0."}},
	{"missing required round -> incomplete listing it", "r1:coding:req r2:design:req:scheduled",
	 ALICE_SY, NULL, NULL, "incomplete", "round_missing,score_meets_threshold",
	 {"Required round 2 (design) has no submitted lead or bar-raiser scorecard (the round is"
	  " scheduled).", "refs=round:r2\n", "round id=\"r2\" kind=\"design\" required=1"
	  " status=scheduled held=1 covered=0"}},
	{"a shadow alone does not cover a round", TWO,
	 ALICE_SY "; r2 shadow dan strong_yes scoping=4 trade_offs=4", NULL, NULL,
	 "incomplete", "round_missing,score_meets_threshold,shadows_not_counted", {NULL}},
	{"required criterion unrated -> incomplete", TWO,
	 "r1 lead alice strong_yes correctness=4 testing=4; " BOB_SY, NULL, NULL,
	 "incomplete", "criterion_unrated,score_meets_threshold",
	 {"Required criterion \\\"Clarity\\\" (clarity) of round 1 (coding) has no rating from its"
	  " lead or bar raiser.", "refs=round:r1,criterion:clarity"}},
	{"optional criterion unrated is fine", TWO,
	 "r1 lead alice strong_yes correctness=4 clarity=4; " BOB_SY, NULL, NULL,
	 "hire", "score_meets_threshold", {NULL}},
	{"cancelled and no-show rounds are not required", THREE ":no_show"
	 " r4:design:req:cancelled", ALICE_SY "; " BOB_SY, NULL, NULL,
	 "hire", "score_meets_threshold", {NULL}},
	{"shadows ignored by default", TWO, ALICE_SY "; " DAN_SHADOW_SN "; " BOB_SY, NULL, NULL,
	 "hire", "score_meets_threshold,shadows_not_counted",
	 {"score=4.00 raw_score=4.00", "interviewer=\"dan\" name=\"Dan\" role=shadow counted=0"
	  " rating=1", "not counted (this policy does not count shadows): Dan in round 1 (coding)."}},
	{"shadows counted when the policy says so", TWO, ALICE_SY "; " DAN_SHADOW_SN "; " BOB_SY,
	 NULL, "{'count_shadows': true}", "needs_debrief",
	 "recommendations_split,recommendations_split,score_meets_threshold",
	 {"score=3.25 raw_score=3.25", "role=shadow counted=1 rating=1"}},
	{"a shadow's critical flag is shown, not blocking", TWO,
	 ALICE_SY "; r1 shadow dan yes !no_code; " BOB_SY, NULL, NULL,
	 "hire", "score_meets_threshold,critical_flag_not_blocking,shadows_not_counted",
	 {"it does not block: it is a shadow's and this policy does not count shadows."}},
	{"critical flags may be told not to block", TWO, ALICE_SY " !no_code; " BOB_SY, NULL,
	 "{'critical_flag_blocks': false}", "hire",
	 "score_meets_threshold,critical_flag_not_blocking",
	 {"this policy does not let critical red flags block hire.", "blocks=0"}},
	{"the bar raiser may be told not to block", THREE,
	 "r1 lead alice yes correctness=4 clarity=4; r2 lead bob yes scoping=4 trade_offs=4;"
	 " r3 bar_raiser carol strong_no ownership=3", NULL, "{'bar_raiser_no_blocks': false}",
	 "needs_debrief", "recommendations_split,recommendations_split,score_meets_threshold,"
	 "bar_raiser_no_not_blocking", {NULL}},
	{"a major flag is a note", TWO, ALICE_SY " !messy; " BOB_SY, NULL, NULL,
	 "hire", "score_meets_threshold,major_red_flag", {"severity=major blocks=0"}},
	{"below the threshold -> no_hire", TWO,
	 "r1 lead alice no correctness=2 clarity=2; r2 lead bob no scoping=2 trade_offs=3", NULL,
	 NULL, "no_hire", "score_below_threshold",
	 {"Calibrated score 2.25 is below the hire threshold 3.00 (raw score 2.25)."}},
	{"the threshold comes from the policy", TWO,
	 "r1 lead alice no correctness=2 clarity=2; r2 lead bob no scoping=2 trade_offs=3", NULL,
	 "{'hire_threshold': 2.25}", "hire", "score_meets_threshold", {"hire_threshold=2.25"}},
	{"criterion weights", "r1:coding:req", "r1 lead alice yes correctness=4 clarity=1 testing=1",
	 NULL, NULL, "no_hire", "score_below_threshold", {"score=2.50"}},
	{"round weights", TWO,
	 "r1 lead alice yes correctness=2 clarity=2; r2 lead bob yes scoping=4 trade_offs=4", NULL,
	 "{'round_weights': {'design': 3}}", "hire", "score_meets_threshold",
	 {"score=3.50", "weight=3.00 scored=1 score=4.00"}},
	{"precedence: incomplete > blocked > debrief > score", THREE ":scheduled",
	 ALICE_SY " !no_code; r2 lead bob no scoping=2 trade_offs=2", NULL, NULL,
	 "incomplete", "round_missing,critical_red_flag,recommendations_split,score_meets_threshold",
	 {NULL}},
	{"nothing submitted -> incomplete, no score", TWO, NULL, NULL, NULL,
	 "incomplete", "round_missing,round_missing,no_ratings", {"scored=0 score=0.00"}},
	{"an empty loop -> incomplete", "", NULL, NULL, NULL, "incomplete", "no_ratings", {NULL}},
	{"an optional round without a scorecard is a note", "r1:coding:req r2:design:opt", ALICE_SY,
	 NULL, NULL, "hire", "score_meets_threshold,optional_round_unscored", {NULL}},
	{"a scorecard of a cancelled round is not counted", "r1:coding:req r2:design:opt:cancelled",
	 ALICE_SY "; r2 lead bob strong_no scoping=1 trade_offs=1", NULL, NULL,
	 "hire", "score_meets_threshold,scorecard_round_not_held",
	 {"score=4.00", "Bob's scorecard for round 2 (design) is not counted: the round is cancelled."}},
	{"a harsh grader's 2 is calibrated upward", TWO,
	 "r1 lead harsh yes correctness=2 clarity=2 testing=2; r2 lead bob yes scoping=3 trade_offs=4",
	 "harsh:20:-20 bob:30:0", NULL, "hire", "score_meets_threshold,calibration_shift",
	 {"rating=2 calibrated=2.80", "score=3.15 raw_score=2.75",
	  "from 2.75 (raw) to 3.15; leniency estimates subtracted: Harsh -0.80 (n=20)."}},
	{"two past loops barely move a 2", TWO,
	 "r1 lead newbie yes correctness=2 clarity=2 testing=2; r2 lead bob yes scoping=3 trade_offs=4",
	 "newbie:2:-2", NULL, "no_hire", "score_below_threshold,calibration_shift",
	 {"rating=2 calibrated=2.29", "n=2 mean_deviation=-1.00 shrink=0.29 leniency=-0.29"}},
	{"a lenient grader is calibrated down, within 1..4", TWO,
	 "r1 lead easy yes correctness=4 clarity=1 testing=4; " BOB_SY, "easy:40:40", NULL,
	 "hire", "score_meets_threshold,calibration_shift",
	 {"rating=4 calibrated=3.11", "rating=1 calibrated=1.00", "leniency=0.89"}},
	{"k = 0 trusts the history fully", TWO,
	 "r1 lead newbie yes correctness=2 clarity=2 testing=2; " BOB_SY, "newbie:2:-2",
	 "{'shrinkage_k': 0}", "hire", "score_meets_threshold,calibration_shift", {"rating=2 calibrated=3.00"}},
};

/* Builds case c and checks its recommendation, codes and dump. */
static void
check_packet_case(const struct packet_case *c)
{
	struct arena *a = arena_create();
	struct fixture f;
	fix_load(&f, a, c->rounds, c->cards, c->stats, c->policy);
	struct decision_packet p = fix_build(&f);
	const char *dump = decision_packet_dump(a, &p);
	const char *codes = fix_codes(a, &p);
	bool ok = !strcmp(decision_outcome_name(p.recommendation), c->recommendation) &&
		  !strcmp(codes, c->codes);
	for (size_t i = 0; i < 3 && c->contains[i]; i++)
		if (!strstr(dump, c->contains[i])) {
			print_error("missing: %s\n", c->contains[i]);
			ok = false;
		}
	if (!ok)
		print_error("case: %s\nwant %s [%s]\ngot  %s [%s]\n%s", c->name, c->recommendation,
			    c->codes, decision_outcome_name(p.recommendation), codes, dump);
	arena_destroy(a);
	assert_true(ok);
}

static void
test_packet_cases(void **state)
{
	for (size_t i = 0; i < sizeof packet_cases / sizeof *packet_cases; i++)
		check_packet_case(&packet_cases[i]);
}

/* A loop with a little of everything: flags, a split, a shadow, a bar raiser, history. */
#define RICH_ROUNDS "r1:coding:req r2:design:req r3:behavioral:req r4:coding:opt"
#define RICH_CARDS "r1 lead alice strong_yes correctness=4 clarity=3 testing=2 !messy;" \
	" r1 shadow dan no correctness=2 clarity=2 testing=1 !no_code;" \
	" r2 lead bob no scoping=2 trade_offs=3 !vague !insecure;" \
	" r3 bar_raiser carol yes ownership=3 communication=4;" \
	" r4 lead erin yes correctness=3 clarity=4;" \
	" r4 shadow frank strong_yes correctness=4 clarity=4 testing=4"
#define RICH_STATS "alice:12:6 bob:3:-2.5 carol:40:-8 dan:1:-1.5 frank:7:3"

/* Reverses the n items of size bytes at p. */
static void
reverse(void *p, size_t n, size_t size)
{
	char tmp[256], *c = p;
	assert_true(size <= sizeof tmp);
	for (size_t i = 0; i < n / 2; i++) {
		memcpy(tmp, c + i * size, size);
		memcpy(c + i * size, c + (n - 1 - i) * size, size);
		memcpy(c + (n - 1 - i) * size, tmp, size);
	}
}

/* Reverses every list of f that the engine must not depend on the order of. */
static void
reverse_lists(struct fixture *f)
{
	reverse(f->rounds, f->in.n_rounds, sizeof *f->rounds);
	reverse(f->rubrics, f->in.n_rubrics, sizeof *f->rubrics);
	reverse(f->stats, f->in.n_stats, sizeof *f->stats);
	for (size_t i = 0; i < f->in.n_scorecards; i++) {
		reverse((void *)f->cards[i].ratings, f->cards[i].n_ratings, sizeof(struct decision_rating));
		reverse((void *)f->cards[i].red_flags, f->cards[i].n_red_flags, sizeof(struct decision_flag));
	}
}

/* Heap's algorithm: calls check on every permutation of f->cards[0..k). */
static void
permute(struct fixture *f, size_t k, void (*check)(struct fixture *, void *), void *ctx)
{
	if (k <= 1) {
		check(f, ctx);
		return;
	}
	for (size_t i = 0; i < k; i++) {
		permute(f, k - 1, check, ctx);
		size_t j = k % 2 ? 0 : i;
		struct decision_scorecard tmp = f->cards[j];
		f->cards[j] = f->cards[k - 1];
		f->cards[k - 1] = tmp;
	}
}

struct perm_ctx {
	const char *want;
	size_t runs;
};

/* The packet of f (some lists reversed every other run) must dump as ctx->want. */
static void
same_dump(struct fixture *f, void *arg)
{
	struct perm_ctx *ctx = arg;
	if (ctx->runs++ % 2)
		reverse_lists(f);
	struct arena *a = arena_create();
	struct decision_packet p;
	const char *error = NULL;
	assert_true(decision_build(a, &f->in, &f->policy, &p, &error));
	const char *got = decision_packet_dump(a, &p);
	if (strcmp(got, ctx->want))
		fail_msg("permutation %zu differs:\n%s\nwant:\n%s", ctx->runs, got, ctx->want);
	arena_destroy(a);
}

static void
test_any_order_same_packet(void **state)
{
	const char *policies[] = {NULL, "{'count_shadows': true, 'round_weights': {'design': 2}}"};
	for (size_t i = 0; i < 2; i++) {
		struct arena *a = arena_create();
		struct fixture f;
		fix_load(&f, a, RICH_ROUNDS, RICH_CARDS, RICH_STATS, policies[i]);
		struct decision_packet p = fix_build(&f);
		struct perm_ctx ctx = {.want = decision_packet_dump(a, &p)};
		permute(&f, f.in.n_scorecards, same_dump, &ctx);
		assert_int_equal(ctx.runs, 720);
		arena_destroy(a);
	}
}

/* Rounds with equal ordinals fall back to their ids, whatever the input order. */
static void
test_equal_ordinals_sort_by_id(void **state)
{
	struct arena *a = arena_create();
	struct fixture f;
	fix_load(&f, a, "rb:design:req ra:coding:req", "rb lead bob yes scoping=3 trade_offs=3;"
		 " ra lead alice yes correctness=3 clarity=3", NULL, NULL);
	f.rounds[0].ordinal = f.rounds[1].ordinal = 7;
	struct decision_packet p = fix_build(&f);
	assert_string_equal(p.rounds[0].id, "ra");
	assert_string_equal(p.rounds[1].id, "rb");
	arena_destroy(a);
}

/* Raises every rating of f in turn to every higher value; the score never drops. */
static size_t
check_monotone(struct fixture *f)
{
	struct arena *a = arena_create();
	const char *error = NULL;
	struct decision_packet base, p;
	assert_true(decision_build(a, &f->in, &f->policy, &base, &error));
	size_t checks = 0;
	for (size_t i = 0; i < f->in.n_scorecards; i++)
		for (size_t j = 0; j < f->cards[i].n_ratings; j++) {
			int was = f->ratings[i][j].rating;
			for (int v = was + 1; v <= DECISION_SCALE_MAX; v++, checks++) {
				f->ratings[i][j].rating = v;
				assert_true(decision_build(a, &f->in, &f->policy, &p, &error));
				if (p.score < base.score || p.raw_score < base.raw_score)
					fail_msg("raising %s's %s to %d lowered the score: %.2f -> %.2f",
						 f->cards[i].interviewer_id, f->ratings[i][j].criterion, v,
						 base.score, p.score);
			}
			f->ratings[i][j].rating = was;
		}
	arena_destroy(a);
	return checks;
}

static void
test_raising_a_rating_never_lowers_the_score(void **state)
{
	const char *policies[] = {NULL, "{'count_shadows': true, 'shrinkage_k': 0,"
				  " 'round_weights': {'design': 2.5, 'behavioral': 0.5}}"};
	for (size_t i = 0; i < 2; i++) {
		struct arena *a = arena_create();
		struct fixture f;
		fix_load(&f, a, RICH_ROUNDS, RICH_CARDS, RICH_STATS, policies[i]);
		assert_int_equal(check_monotone(&f), 15);	/* every step up of every rating */
		arena_destroy(a);
	}
}

/* The contribution of user in a list of contributions (it must be there). */
static const struct decision_interviewer_stats *
contribution(const struct decision_interviewer_stats *v, size_t n, const char *user)
{
	for (size_t i = 0; i < n; i++)
		if (!strcmp(v[i].user_id, user))
			return &v[i];
	fail_msg("no contribution for %s", user);
	return NULL;
}

static void
test_contributions_of_one_loop(void **state)
{
	struct arena *a = arena_create();
	struct fixture f;
	fix_load(&f, a, THREE " r4:design:opt:cancelled",
		 "r3 lead carol yes ownership=3 communication=3; r2 lead bob no scoping=2 trade_offs=2;"
		 " r1 lead alice strong_yes correctness=4 clarity=4; r1 shadow dan yes;"
		 " r4 lead erin strong_no scoping=1", NULL, NULL);
	struct decision_interviewer_stats *v;
	size_t n;
	const char *error = NULL;
	assert_true(decision_contributions(a, &f.in, &v, &n, &error));
	assert_int_equal(n, 3);		/* dan rated nothing; erin's round was cancelled */
	assert_string_equal(v[0].user_id, "alice");
	assert_string_equal(v[1].user_id, "bob");
	assert_string_equal(v[2].user_id, "carol");
	assert_int_equal(v[0].n, 1);
	assert_true(fabs(v[0].sum_deviation - 1.5) < 1e-9);	/* 4 - mean(2, 3) */
	assert_true(fabs(v[1].sum_deviation + 1.5) < 1e-9);	/* 2 - mean(4, 3) */
	assert_true(fabs(contribution(v, n, "carol")->sum_deviation) < 1e-9);
	fix_load(&f, a, TWO, ALICE_SY, NULL, NULL);
	assert_true(decision_contributions(a, &f.in, &v, &n, &error));
	assert_int_equal(n, 0);		/* nobody to compare with */
	arena_destroy(a);
}

/* Past loops for the history cases: the interviewer "x" and co-panelists. */
struct past {
	const char *cards;
	int times;
};

struct history_case {
	const char *name;
	struct past loops[4];
	long long n;
	double estimate;		/* within 0.005 */
	double calibrated_two;		/* what x's 2 becomes in a new loop */
};

#define CO "; r2 lead bob yes scoping=3 trade_offs=3; r3 lead carol yes ownership=3 communication=3"
static const struct history_case history_cases[] = {
	{"harsh: a long history a point below the panel",
	 {{"r1 lead x no correctness=2 clarity=2 testing=2" CO, 20}}, 20, -0.80, 2.80},
	{"new: two past loops barely move",
	 {{"r1 lead x no correctness=2 clarity=2 testing=2" CO, 2}}, 2, -0.29, 2.29},
	{"lucky: only strong candidates, rated as highly by the panel",
	 {{"r1 lead x strong_yes correctness=4 clarity=4 testing=4; r2 lead bob strong_yes"
	   " scoping=4 trade_offs=4; r3 lead carol strong_yes ownership=4 communication=4", 6},
	  {"r1 lead x strong_yes correctness=4 clarity=4 testing=4; r2 lead bob strong_yes"
	   " scoping=4 trade_offs=4; r3 lead carol yes ownership=4 communication=3", 1},
	  {"r1 lead x strong_yes correctness=4 clarity=3 testing=4; r2 lead dave strong_yes"
	   " scoping=4 trade_offs=3; r3 lead erin strong_yes ownership=4 communication=4", 3}},
	 10, 0.0, 2.0},
	{"lenient: a 4 where the panel gives 2 and 3",
	 {{"r1 lead x strong_yes correctness=4 clarity=4 testing=4; r2 lead bob no scoping=2"
	   " trade_offs=2; r3 lead carol yes ownership=3 communication=3", 10}}, 10, 1.00, 1.0},
};

/* Adds one past loop's contributions to the running totals of x. */
static void
accumulate(struct arena *a, const char *cards, struct decision_interviewer_stats *x)
{
	struct fixture f;
	fix_load(&f, a, THREE, cards, NULL, NULL);
	struct decision_interviewer_stats *v;
	size_t n;
	const char *error = NULL;
	assert_true(decision_contributions(a, &f.in, &v, &n, &error));
	const struct decision_interviewer_stats *c = contribution(v, n, "x");
	x->n += c->n;
	x->sum_deviation += c->sum_deviation;
}

/* The calibrated value of x's rating 2 in a new loop, given x's history. */
static double
calibrated_two(struct arena *a, const struct decision_interviewer_stats *x)
{
	struct fixture f;
	fix_load(&f, a, "r1:coding:req", "r1 lead x yes correctness=2 clarity=2", NULL, NULL);
	f.stats[0] = *x;
	f.in.n_stats = 1;
	struct decision_packet p = fix_build(&f);
	assert_int_equal(p.interviewers[0].n, x->n);
	return p.rounds[0].criteria[0].ratings[0].calibrated;
}

static void
test_history_estimates(void **state)
{
	for (size_t i = 0; i < sizeof history_cases / sizeof *history_cases; i++) {
		const struct history_case *h = &history_cases[i];
		struct arena *a = arena_create();
		struct decision_interviewer_stats x = {.user_id = "x"};
		for (size_t l = 0; l < 4 && h->loops[l].cards; l++)
			for (int t = 0; t < h->loops[l].times; t++)
				accumulate(a, h->loops[l].cards, &x);
		double est = decision_leniency(&x, 5);
		if (x.n != h->n || fabs(est - h->estimate) > 0.005 ||
		    fabs(calibrated_two(a, &x) - h->calibrated_two) > 0.005)
			fail_msg("%s: n=%lld estimate %.4f, 2 -> %.2f", h->name, x.n, est,
				 calibrated_two(a, &x));
		arena_destroy(a);
	}
}

struct policy_case {
	const char *name, *json;
	const char *want;		/* "field:code|..." in report order, "" when valid */
};

static const struct policy_case policy_cases[] = {
	{"an empty body takes the defaults", "{}", ""},
	{"every member, valid", "{'hire_threshold': 2.5, 'max_split': 2, 'shrinkage_k': 10,"
	 " 'count_shadows': true, 'critical_flag_blocks': false, 'bar_raiser_no_blocks': false,"
	 " 'round_weights': {'coding': 2, 'design': 0.5}}", ""},
	{"threshold above the scale", "{'hire_threshold': 4.5}", "hire_threshold:range"},
	{"threshold finer than the figures", "{'hire_threshold': 3.005}", "hire_threshold:precision"},
	{"every range at once", "{'hire_threshold': 0.5, 'max_split': 4, 'shrinkage_k': -1}",
	 "hire_threshold:range|max_split:range|shrinkage_k:range"},
	{"a huge max_split", "{'max_split': 99999999999}", "max_split:range"},
	{"a huge k", "{'shrinkage_k': 1000.5}", "shrinkage_k:range"},
	{"every type wrong", "{'hire_threshold': '3', 'max_split': 1.5, 'shrinkage_k': null,"
	 " 'count_shadows': 1, 'critical_flag_blocks': 'yes', 'bar_raiser_no_blocks': 0,"
	 " 'round_weights': []}", "hire_threshold:type|max_split:type|shrinkage_k:type|"
	 "count_shadows:type|critical_flag_blocks:type|bar_raiser_no_blocks:type|round_weights:type"},
	{"unknown members", "{'k': 5, 'version': 3}", "k:unknown_member|version:unknown_member"},
	{"round weights", "{'round_weights': {'behavioral': 'x', 'Coding': 2, 'design': 0,"
	 " 'api': 101}}", "round_weights.behavioral:type|round_weights.Coding:pattern|"
	 "round_weights.api:range|round_weights.design:range"},
	{"not an object", "[]", ":type"},
};

/* The problems of policy JSON text (' for ") as "field:code|...", in a. */
static const char *
policy_problems(struct arena *a, const char *text)
{
	json_t *doc = json_loads(fix_dq(a, text), JSON_DECODE_ANY, NULL), *errors = json_array();
	assert_non_null(doc);
	struct decision_policy p;
	bool ok = decision_policy_from_json(a, doc, &p, errors);
	assert_int_equal(ok, json_array_size(errors) == 0);
	struct abuf b;
	abuf_init(&b, a);
	size_t i;
	json_t *e;
	json_array_foreach(errors, i, e) {
		abuf_printf(&b, "%s%s:%s", i ? "|" : "", json_string_value(json_object_get(e, "field")),
			    json_string_value(json_object_get(e, "code")));
		assert_true(json_string_length(json_object_get(e, "message")) > 0);
	}
	json_decref(errors);
	json_decref(doc);
	return b.data;
}

static void
test_policy_validation(void **state)
{
	struct arena *a = arena_create();
	for (size_t i = 0; i < sizeof policy_cases / sizeof *policy_cases; i++) {
		const char *got = policy_problems(a, policy_cases[i].json);
		if (strcmp(got, policy_cases[i].want))
			fail_msg("%s:\n got  %s\n want %s", policy_cases[i].name, got,
				 policy_cases[i].want);
	}
	struct abuf many;
	abuf_init(&many, a);
	for (int i = 0; i <= DECISION_MAX_ROUND_WEIGHTS; i++)
		abuf_printf(&many, "%s'kind_%02d': 1", i ? ", " : "{'round_weights': {", i);
	abuf_puts(&many, "}}");
	assert_string_equal(policy_problems(a, many.data), "round_weights:count");
	struct decision_round_weight twice[] = {{"coding", 2}, {"coding", 3}, {NULL, 1}};
	struct decision_policy p = decision_policy_defaults();
	p.version = -1;
	p.round_weights = twice;
	p.n_round_weights = 3;
	json_t *errors = json_array();
	assert_false(decision_policy_validate(a, &p, errors));
	assert_int_equal(json_array_size(errors), 3);	/* version, the repeat, the NULL kind */
	assert_string_equal(json_string_value(json_object_get(json_array_get(errors, 1), "code")),
			    "duplicate");
	assert_false(decision_policy_validate(a, &p, NULL));
	p = decision_policy_defaults();
	assert_true(decision_policy_validate(a, &p, NULL));
	json_decref(errors);
	arena_destroy(a);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_packet_cases),
		cmocka_unit_test(test_any_order_same_packet),
		cmocka_unit_test(test_equal_ordinals_sort_by_id),
		cmocka_unit_test(test_raising_a_rating_never_lowers_the_score),
		cmocka_unit_test(test_contributions_of_one_loop),
		cmocka_unit_test(test_history_estimates),
		cmocka_unit_test(test_policy_validation),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
