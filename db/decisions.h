#ifndef DB_DECISIONS_H
#define DB_DECISIONS_H
#include <stdbool.h>
#include <stdint.h>
#include "db/audit.h"
#include "db/db.h"
#include "db/scheduling.h"
#include "db/scorecards.h"

/*
 * Decision policies, decision packets' inputs, hire decisions, interviewer
 * statistics and the calibration report. Rows come back as plain structs in
 * the caller's arena; the decision engine (rubrics/) runs in api/ through
 * the judge callback, inside db/'s transaction, so a packet and the
 * decision or audit event it leads to see the same rows.
 */

/* --- policy --- */
struct db_round_weight {
	char *kind;
	double weight;
};

/* One policy version. An org that never stored one reads version 1 with
 * stored = false: the caller fills in the built-in defaults. */
struct db_policy {
	int version;
	bool stored;
	double hire_threshold;
	int max_split;
	double shrinkage_k;
	bool count_shadows, critical_flag_blocks, bar_raiser_no_blocks;
	struct db_round_weight *round_weights;
	int n_round_weights;
	char *updated_at;	/* NULL for the defaults */
};

/* The org's current policy. */
enum db_status db_policy_get(struct db *db, struct arena *a, const char *org_id,
			     struct db_policy *out);

/* Stores in (its version ignored) as version if_version + 1 and audits
 * decision_policy.updated; DB_STALE when if_version is not the current one
 * (also when a concurrent PUT got there first). *out: the stored policy. */
enum db_status db_policy_put(struct db *db, struct arena *a, const struct audit_ctx *ctx,
			     int if_version, const struct db_policy *in, struct db_policy *out);

/* --- a loop's packet inputs --- */
struct db_packet_round {
	char *id, *kind, *status;
	bool required;
	long long ordinal;
	char *rubric_id;
};

/* One rubric version a round is pinned to; org_id (NULL: the catalogue's)
 * and document (canonical JSON) are read by db_packet_rubric_documents. */
struct db_packet_rubric {
	char *id, *key;
	int version;
	char *org_id, *document;
};

struct db_interviewer_stat {
	char *user_id;
	long long n;
	double sum_deviation;
};

/* A loop's hygiene: its take-home rounds' warning codes (space-separated
 * words, db/internal.h DB_TAKE_HOME_WARNINGS) and its elapsed days from
 * first round to decision (known only once decided). */
struct db_round_warnings {
	char *round_id, *words;
};
struct db_loop_hygiene {
	struct db_round_warnings *rounds;
	int n_rounds;
	bool timed;
	double elapsed_days;
};

struct db_packet_inputs {
	char *loop_id, *status, *hiring_manager_id;
	struct db_policy policy;
	struct db_packet_round *rounds;
	int n_rounds;
	struct db_packet_rubric *rubrics;	/* in (key, version) order, no documents */
	int n_rubrics;
	struct db_interviewer_stat *stats;	/* only the loop's interviewers */
	int n_stats;
	struct db_scorecard *scorecards;	/* latest submitted revisions */
	int n_scorecards;
	struct db_loop_hygiene hygiene;
};

/* What the engine made of the inputs: the figures db/ records. */
struct db_judgement {
	const char *recommendation;	/* hire | no_hire | needs_debrief | incomplete */
	bool scored;
	double score;
	int policy_version;
	const struct db_interviewer_stat *contributions;	/* for a decision */
	int n_contributions;
};

/* Reads the documents of rubrics[0..n) that org_id sees (the catalogue's
 * or its own) into them; one it does not see keeps document NULL. For a
 * judge, inside db/'s transaction; strings in a. */
enum db_status db_packet_rubric_documents(struct db *db, struct arena *a, const char *org_id,
					  struct db_packet_rubric *rubrics, int n);

/* Runs the engine on in; DB_OK with *out filled, else DB_HARD. */
typedef enum db_status db_judge(void *ctx, struct arena *a, const struct db_packet_inputs *in,
				struct db_judgement *out);

/* Reads the inputs of loop id as v sees it, has judge build the packet,
 * and audits decision_packet.read, in one transaction. DB_NONE when v does
 * not reach the loop; DB_STATE (why->reason PACKET_NOT_ALLOWED) when v
 * reaches it only as one of its interviewers. */
enum db_status db_packet_read(struct db *db, struct arena *a, const struct audit_ctx *ctx,
			      const struct db_viewer *v, const char *loop_id, db_judge *judge,
			      void *judge_ctx, struct db_refusal *why);

/* --- decisions --- */
struct db_decision_in {
	const char *outcome, *rationale, *override_justification;
};

struct db_decision {
	char *id, *loop_id, *outcome;
	char *rationale, *override_justification;	/* NULL once erased */
	bool override, erased;
	char *packet_recommendation;
	bool scored;
	double packet_score;
	int policy_version;
	char *loop_status;	/* the loop's status when decided */
	char *decided_by, *created_at;
};

/* Records the decision of the loop's hiring manager (ctx's actor): locks
 * the loop, has judge build the packet, applies the override rule, moves
 * the loop to decided, adds each interviewer's contribution to the stats
 * once, and audits decision.recorded, in one transaction. DB_NONE when v
 * does not reach the loop; DB_STATE (why->reason) when the caller is not
 * its hiring manager, it is decided already or not ready; DB_INVALID when
 * an override justification is needed and missing. */
enum db_status db_decision_record(struct db *db, struct arena *a, const struct audit_ctx *ctx,
				  const struct db_viewer *v, const char *loop_id,
				  const struct db_decision_in *in, db_judge *judge, void *judge_ctx,
				  struct db_decision *out, struct db_refusal *why);

/* The loop's decision, when v reaches the loop. DB_NONE when absent. */
enum db_status db_decision_get(struct db *db, struct arena *a, const struct db_viewer *v,
			       const char *loop_id, struct db_decision *out);

/* --- the calibration report --- */
struct db_report_interviewer {
	char *user_id, *name, *created_at;
	long long scorecards;
	bool rated;
	double mean_rating;
	long long stats_n;
	double sum_deviation;
	long long decided;	/* scorecards on decided loops */
	long long matched;	/* of those, recommendation on the side of the outcome */
	bool timed;
	double median_hours;	/* round end to first submission */
	long long due, overdue;	/* assignments past due; of those, late or missing */
};

struct db_report_criterion {
	char *rubric_key, *criterion;
	long long loops;	/* loops where two or more panelists rated it */
	long long split;	/* of those, where two ratings differ by 2 or more */
};

/* One page of interviewers (users with a seat on any round; keyset on the
 * user's created_at, id) with the org's criteria; a lead or bar-raiser
 * scorecard is due due_hours after its round ends. *out and *crit in a. */
enum db_status db_report_interviewers(struct db *db, struct arena *a, const char *org_id,
				      int due_hours, const struct db_page *page,
				      struct db_report_interviewer **out, int *n,
				      struct db_report_criterion **crit, int *ncrit);

#endif
