/* The judge db/ calls inside its transaction: the loop's rows as the
 * engine's input, the engine's packet, and the figures db/ records. */
#include <string.h>
#include "api/decisions.h"
#include "api/rubric_cache.h"
#include "base/log.h"

/* The rounds of in as the engine's. */
static struct decision_round *
rounds_of(struct arena *a, const struct db_packet_inputs *in)
{
	struct decision_round *r = arena_alloc(a, sizeof *r * (size_t)(in->n_rounds + 1));
	for (int i = 0; i < in->n_rounds; i++)
		r[i] = (struct decision_round){in->rounds[i].id, in->rounds[i].kind,
					       in->rounds[i].required,
					       decision_round_status_from_name(in->rounds[i].status),
					       in->rounds[i].ordinal};
	return r;
}

/* Rubric versions of in from the cache, the missing ones read (the
 * documents of all of them in one statement) and parsed into it. Each
 * takes its place in in's (key, version) order; one that org_id does not
 * see is left out, as the statement leaves it out. DB_HARD when a
 * document does not parse. */
static enum db_status
rubrics_of(struct api_judge *j, struct arena *a, const struct db_packet_inputs *in,
	   struct rubric **out, size_t *n)
{
	const struct rubric **got = arena_alloc(a, sizeof *got * (size_t)(in->n_rubrics + 1));
	struct db_packet_rubric *missing = arena_alloc(a, sizeof *missing * (size_t)(in->n_rubrics + 1));
	int *place = arena_alloc(a, sizeof *place * (size_t)(in->n_rubrics + 1)), n_missing = 0;
	uint64_t seen = 0;
	for (int i = 0; i < in->n_rubrics; i++)
		if (!(got[i] = api_rubric_cache_get(a, j->org_id, in->rubrics[i].id, &seen))) {
			place[n_missing] = i;
			missing[n_missing++] = in->rubrics[i];
		}
	enum db_status st;
	if (n_missing && (st = db_packet_rubric_documents(j->db, a, j->org_id, missing,
							  n_missing)) != DB_OK)
		return st;
	for (int k = 0; k < n_missing; k++)
		if (missing[k].document &&
		    !(got[place[k]] = api_rubric_cache_put(a, seen, missing[k].id, missing[k].org_id,
							   missing[k].document))) {
			log_kv(LOG_ERROR, "decision packet failed", "error",
			       "a pinned rubric does not parse", NULL);
			return DB_HARD;
		}
	*out = arena_alloc(a, sizeof **out * (size_t)(in->n_rubrics + 1));
	*n = 0;
	for (int i = 0; i < in->n_rubrics; i++)
		if (got[i])
			(*out)[(*n)++] = *got[i];
	return DB_OK;
}

/* One scorecard row as the engine's. */
static void
scorecard_of(struct arena *a, const struct db_scorecard *s, struct decision_scorecard *out)
{
	struct decision_rating *r = arena_alloc(a, sizeof *r * (size_t)(s->n_ratings + 1));
	for (int i = 0; i < s->n_ratings; i++)
		r[i] = (struct decision_rating){s->ratings[i].criterion, s->ratings[i].rating,
						s->ratings[i].evidence};
	struct decision_flag *f = arena_alloc(a, sizeof *f * (size_t)(s->n_red_flags + 1));
	for (int i = 0; i < s->n_red_flags; i++)
		f[i] = (struct decision_flag){s->red_flags[i].key, s->red_flags[i].evidence};
	*out = (struct decision_scorecard){
		.id = s->id, .version = s->revision, .round_id = s->round.id,
		.round_kind = s->round.kind, .round_required = s->round.required,
		.rubric_key = s->round.rubric_key, .rubric_version = s->round.rubric_version,
		.interviewer_id = s->author_id, .interviewer_name = s->author_name,
		.role = decision_role_from_name(s->role), .ratings = r,
		.n_ratings = (size_t)s->n_ratings, .red_flags = f,
		.n_red_flags = (size_t)s->n_red_flags,
		.recommendation = decision_vote_from_name(s->recommendation), .summary = s->summary};
}

static enum db_status
input_of(struct api_judge *j, struct arena *a, const struct db_packet_inputs *in,
	 struct decision_input *out)
{
	struct rubric *rubrics;
	size_t n_rubrics;
	enum db_status st = rubrics_of(j, a, in, &rubrics, &n_rubrics);
	if (st != DB_OK)
		return st;
	struct decision_scorecard *cards = arena_alloc(a, sizeof *cards * (size_t)(in->n_scorecards + 1));
	for (int i = 0; i < in->n_scorecards; i++)
		scorecard_of(a, &in->scorecards[i], &cards[i]);
	struct decision_interviewer_stats *stats =
		arena_alloc(a, sizeof *stats * (size_t)(in->n_stats + 1));
	for (int i = 0; i < in->n_stats; i++)
		stats[i] = (struct decision_interviewer_stats){in->stats[i].user_id, in->stats[i].n,
							       in->stats[i].sum_deviation};
	*out = (struct decision_input){rubrics, n_rubrics, rounds_of(a, in),
				       (size_t)in->n_rounds, cards, (size_t)in->n_scorecards,
				       stats, (size_t)in->n_stats};
	return DB_OK;
}

/* The contributions as db/ rows. */
static enum db_status
contributions_of(struct arena *a, const struct decision_input *din, struct db_judgement *out)
{
	struct decision_interviewer_stats *c;
	size_t n;
	const char *error;
	if (!decision_contributions(a, din, &c, &n, &error)) {
		log_kv(LOG_ERROR, "decision contributions failed", "error", error, NULL);
		return DB_HARD;
	}
	struct db_interviewer_stat *rows = arena_alloc(a, sizeof *rows * (n + 1));
	for (size_t i = 0; i < n; i++)
		rows[i] = (struct db_interviewer_stat){(char *)c[i].user_id, c[i].n,
						       c[i].sum_deviation};
	out->contributions = rows;
	out->n_contributions = (int)n;
	return DB_OK;
}

enum db_status
api_judge(void *ctx, struct arena *a, const struct db_packet_inputs *in, struct db_judgement *out)
{
	struct api_judge *j = ctx;
	struct decision_input din;
	struct decision_policy policy;
	const char *error;
	api_policy_from_db(a, &in->policy, &policy);
	enum db_status st = input_of(j, a, in, &din);
	if (st != DB_OK)
		return st;
	if (!decision_build(a, &din, &policy, &j->packet, &error)) {
		log_kv(LOG_ERROR, "decision packet failed", "error", error, NULL);
		return DB_HARD;
	}
	const struct decision_packet *p = &j->packet;
	j->hygiene = in->hygiene;
	*out = (struct db_judgement){decision_outcome_name(p->recommendation), p->scored, p->score,
				     p->policy_version, NULL, 0};
	return j->with_contributions ? contributions_of(a, &din, out) : DB_OK;
}
