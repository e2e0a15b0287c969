#ifndef DB_SURVEYS_H
#define DB_SURVEYS_H
#include <stdbool.h>
#include "db/audit.h"
#include "db/db.h"

/*
 * Candidate experience surveys: single-use links (tokens stored only as
 * SHA-256 hashes, looked up by that hash), their answers, and the org's
 * aggregates. Rows come back as plain structs in the caller's arena.
 */

/* Where a link stands for the candidate who holds it. */
enum db_survey_state {
	DB_SURVEY_OPEN = 1,
	DB_SURVEY_EXPIRED,
	DB_SURVEY_ANSWERED,
};

struct db_survey_link {
	char *id, *loop_id, *created_at, *expires_at;
	int questions_version;
	enum db_survey_state state;
};

/* Issues a link for loop loop_id of ctx->org_id valid lifetime_seconds;
 * earlier unanswered links of the loop are revoked. DB_NONE when the loop
 * is not in the org or its candidate was erased. Audited. */
enum db_status db_survey_issue(struct db *db, const struct audit_ctx *ctx, struct arena *a,
			       const char *loop_id, const char *token_hash, int questions_version,
			       long lifetime_seconds, struct db_survey_link *out);

/* Revokes the loop's unanswered links: DB_NONE when the loop is not in the
 * org, DB_STATE when it has no live link. Audited. */
enum db_status db_survey_revoke(struct db *db, const struct audit_ctx *ctx, const char *loop_id);

/* The link whose token hashes to token_hash: DB_NONE when unknown or
 * revoked. */
enum db_status db_survey_open(struct db *db, struct arena *a, const char *token_hash,
			      struct db_survey_link *out);

/* One answered question; saw_flag only when has_flag (not for
 * "not_applicable"). */
struct db_survey_item {
	const char *question, *answer;
	bool has_flag, saw_flag;
};

struct db_survey_answer {
	int overall_rating;
	const char *comment;	/* NULL when none */
	const struct db_survey_item *items;
	int n_items;
};

/* Records the one answer of the link whose token hashes to token_hash, as
 * db_survey_open sees it: DB_NONE, DB_STATE (*state EXPIRED or ANSWERED)
 * or DB_OK with *out the link. The event names the link only. */
enum db_status db_survey_submit(struct db *db, struct arena *a, const char *request_id,
				const char *source, const char *token_hash,
				const struct db_survey_answer *in, struct db_survey_link *out);

/* One group of the report: keys a (question, user or month) and b (a
 * user's name, or NULL), answers n, the red flags seen among them, the
 * mean overall rating (rated: whether there was one). */
struct db_survey_group {
	char *a, *b;
	long long n, flagged;
	bool rated;
	double mean_rating;
};

struct db_survey_report {
	/* the figures count answers (and links) before through, the start of
	 * the current UTC month; last_month (YYYY-MM) is the last month they
	 * count, updates_at when the next one closes (timestamps as DB_TS) */
	char *through, *updates_at, *last_month;
	long long issued, answered;
	/* loop hygiene: take-home rounds (not cancelled), those warned of a
	 * short deadline and of no stated effort; decided loops and the median
	 * of their elapsed days (median_known: there was one) */
	long long take_homes, deadline_short, effort_missing, decided;
	bool median_known;
	double median_elapsed_days;
	struct db_survey_group overall;	/* every answer; flagged over every question */
	struct db_survey_group *questions, *months, *people, *people_questions;
	int n_questions, n_months, n_people, n_people_questions;
};

/* The org's aggregates over closed months (before the current UTC month):
 * the caller withholds the small groups. */
enum db_status db_survey_report(struct db *db, struct arena *a, const char *org_id,
				struct db_survey_report *out);

/* Candidate erasure, inside the erase transaction: clears the free text
 * of the answers of the candidate's loops and revokes their live links. */
enum db_status db_surveys_erase_candidate(struct db *db, const char *org_id,
					  const char *candidate_id);

#endif
