#ifndef DB_SCORECARDS_H
#define DB_SCORECARDS_H
#include <stdbool.h>
#include "db/audit.h"
#include "db/db.h"
#include "db/scheduling.h"

/*
 * Scorecards: one per (round, interviewer), written against the round's
 * pinned rubric version. A draft (revision 0) is replaced on every save;
 * submission makes revision 1 and locks it; an amendment adds revision n+1
 * with a reason and keeps every earlier one. Everything returned lives in
 * the caller's arena; strings are NULL where a value is absent (a draft's
 * missing piece, or text cleared by candidate erasure).
 */

#define DB_SCORECARD_MAX_ITEMS 50	/* ratings, red flags or notes per scorecard */
#define DB_SCORECARD_MAX_REVISIONS 50	/* submission + amendments */

struct db_scorecard_rating {
	char *criterion;
	int rating;		/* 1-4; 0 = not given yet (drafts only) */
	char *evidence;
};

struct db_scorecard_red_flag {
	char *key;
	char *evidence;
};

/* An answer to one of the rubric's logistics prompts (struct rubric_note). */
struct db_scorecard_note {
	char *key;
	char *answer;
};

/* The round a scorecard grades. */
struct db_scorecard_round {
	char *id, *kind, *status;	/* status: scheduled, completed, cancelled, no_show */
	bool required;
	char *rubric_key;
	int rubric_version;
	char *starts_at, *ends_at;	/* RFC 3339 UTC, NULL when unscheduled */
};

struct db_scorecard {
	char *id, *loop_id;
	struct db_scorecard_round round;
	char *author_id, *author_name;
	char *role;			/* lead, shadow, bar_raiser (at this revision) */
	char *status;			/* draft, submitted */
	int revision;			/* of the content below: 0 = the draft, 1 = submission, 2.. */
	int latest_revision;		/* the scorecard's newest submitted revision (0: none) */
	struct db_scorecard_rating *ratings;
	int n_ratings;
	struct db_scorecard_red_flag *red_flags;
	int n_red_flags;
	struct db_scorecard_note *notes;	/* filled only where the reader may see notes */
	int n_notes;
	char *recommendation;		/* strong_no, no, yes, strong_yes */
	char *summary;
	char *reason;			/* amendment reason (revision > 1) */
	char *submitted_at;		/* of this revision; NULL for a draft */
	char *first_submitted_at;
	bool erased;			/* the candidate was erased: text cleared */
	int version;			/* the scorecard's ETag version */
	char *created_at, *updated_at;
};

/* For the decision packet: every scorecard of the loop at its latest
 * submitted revision (never drafts, never notes), with round and author,
 * ordered by round start then submission time. *out is NULL when *n is 0.
 * DB_OK also for a loop with none; the caller checks the loop is visible. */
enum db_status db_loop_scorecards_submitted(struct db *db, struct arena *a, const char *org_id,
					    const char *loop_id, struct db_scorecard **out,
					    int *n);

/* The caller's seat on a round: the round (with its loop and rubric pin)
 * and their role there. DB_NONE when the round is not in the org or the
 * viewer cannot see it; DB_OK with role NULL when they see it but have no
 * seat. */
struct db_scorecard_seat {
	struct db_scorecard_round round;
	char *loop_id;
	char *role;			/* NULL: no interviewer seat */
	bool started;			/* starts_at <= now() */
	bool ended;			/* ends_at <= now() */
	bool manages;			/* the viewer is the loop's hiring manager */
	char *rubric_id;		/* the pinned version's id */
};
enum db_status db_scorecard_seat(struct db *db, struct arena *a, const struct db_viewer *v,
				 const char *round_id, struct db_scorecard_seat *out);

/* The author's scorecard of a round: the draft, or once submitted its
 * latest revision; notes included. DB_NONE when none was saved yet. */
enum db_status db_scorecard_own(struct db *db, struct arena *a, const char *org_id,
				const char *round_id, const char *author_id,
				struct db_scorecard *out);

/* Content written by the author (a draft save, or an amendment). */
struct db_scorecard_in {
	const struct db_scorecard_rating *ratings;
	int n_ratings;
	const struct db_scorecard_red_flag *red_flags;
	int n_red_flags;
	const struct db_scorecard_note *notes;
	int n_notes;
	const char *recommendation, *summary;
	const char *reason;		/* amendments */
};

/* Saves the author's draft (creating the scorecard on first save) and
 * renders it into *out. if_version 0 = unconditional. DB_STALE on a stale
 * version, DB_STATE (why->reason) once submitted. No audit event. */
enum db_status db_scorecard_save(struct db *db, struct arena *a, const struct audit_ctx *ctx,
				 const char *round_id, const char *role,
				 const struct db_scorecard_in *in, int if_version,
				 struct db_scorecard *out, struct db_refusal *why);

/* Submits the draft whose version is draft_version (the one the caller
 * checked for completeness); a lead's submission of an ended round marks
 * the round completed; the loop's status follows. DB_STATE (why->reason)
 * when already submitted, the round has not started, is cancelled or a
 * no-show, or the loop is closed; DB_STALE when the draft changed. *out
 * holds the draft as read at draft_version (its content is what is
 * published); on DB_OK it is the submitted card, without reading it again. */
enum db_status db_scorecard_submit(struct db *db, struct arena *a, const struct audit_ctx *ctx,
				   const char *round_id, int draft_version,
				   struct db_scorecard *out, struct db_refusal *why);

/* Adds a submitted revision with in's full content and reason; audits the
 * fields that changed. if_version 0 = unconditional. DB_STATE when not
 * submitted yet (or the loop is closed, or too many revisions). */
enum db_status db_scorecard_amend(struct db *db, struct arena *a, const struct audit_ctx *ctx,
				  const char *round_id, const struct db_scorecard_in *in,
				  int if_version, struct db_scorecard *out,
				  struct db_refusal *why);

/* Every submitted revision of the round's scorecards, oldest first, of one
 * author (author_id) or of all (NULL); with_notes fills notes. */
enum db_status db_scorecard_versions(struct db *db, struct arena *a, const char *org_id,
				     const char *round_id, const char *author_id,
				     bool with_notes, struct db_scorecard **out, int *n);

/* A loop's scorecards as viewer v reads them: everything submitted for
 * reach ALL or the loop's hiring manager; for an interviewer their own
 * (drafts too) and, once they have submitted for every live round they sit
 * on, the others' submitted ones. Notes filled where v may read them
 * (recruiters and admins: with_org_notes; the author always). DB_NONE when
 * the loop is not visible. */
enum db_status db_loop_scorecards(struct db *db, struct arena *a, const struct db_viewer *v,
				  const char *loop_id, bool with_org_notes,
				  struct db_scorecard **out, int *n);

/* One overdue lead or bar-raiser scorecard: missing after its due time, or
 * submitted after it. */
struct db_overdue {
	char *round_id, *loop_id, *kind;
	char *user_id, *user_name, *role;
	char *ends_at, *due_at, *submitted_at;	/* submitted_at NULL: missing */
	double hours_late;
};

/* A page of overdue scorecards of the org (user_id NULL) or of one user,
 * due due_hours after their round ends, keyset (due_at, round_id, user_id)
 * after the given position (NULLs: from the start), or before it, latest
 * due first, with desc; fetches limit rows. */
enum db_status db_scorecards_overdue(struct db *db, struct arena *a, const char *org_id,
				     const char *user_id, int due_hours, const char *after_due,
				     const char *after_round, const char *after_user, int limit,
				     bool desc, struct db_overdue **out, int *n);

/* Every overdue lead or bar-raiser scorecard of every org (for /metrics). */
enum db_status db_scorecards_overdue_count(struct db *db, int due_hours, long *count);

/* Emits scorecard.overdue (db/webhooks.h) once for each lead or bar-raiser
 * scorecard that became overdue and is still missing, in every org;
 * *emitted says how many. */
enum db_status db_scorecards_overdue_sweep(struct db *db, int due_hours, long *emitted);

#endif
