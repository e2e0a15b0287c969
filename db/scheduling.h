#ifndef DB_SCHEDULING_H
#define DB_SCHEDULING_H
#include <stdbool.h>
#include "db/audit.h"
#include "db/db.h"

/* Candidates, loops, rounds and interviewer bookings, returned as plain
 * structs whose strings live in the caller's arena (api/ renders them).
 * Times are RFC 3339 UTC text as served (db_time in db/internal.h). Every
 * change writes its audit event in its own transaction. */

#define DB_MAX_ROUNDS 30	/* rounds per loop */

#define DB_REACH_ALL 1		/* every loop of the org */
#define DB_REACH_MANAGED 2	/* loops the viewer is hiring manager of */
#define DB_REACH_INTERVIEWS 4	/* loops with a round the viewer interviews in */

struct db_viewer {
	const char *org_id;
	const char *user_id;	/* NULL for an API client */
	int reach;
};

/* Why a change was refused (db/refusals.def); api/refusal.c words it. */
enum db_refused {
#define R(name) DB_REFUSED_##name,
#include "db/refusals.def"
#undef R
};

/* One more refused field of the same request. */
struct db_refusal_item {
	enum db_refused reason;
	int index;
	const char *value;
};
#define DB_MAX_REFUSALS 16

/* Why a change was refused: the reason and the request list item it is
 * about; some reasons carry more. A request with several bad fields has
 * the first in reason/index/value and the others in more[]. */
struct db_refusal {
	enum db_refused reason;
	int index;		/* the request list item the reason is about */
	const char *value;	/* the value the reason is about (a round kind, a status) */
	int nmore;
	struct db_refusal_item more[DB_MAX_REFUSALS];
	char *status;		/* the current status of the loop or round, when known */
	char *conflict_round;	/* DB_REFUSED_DOUBLE_BOOKED: the booking in the way */
	char *conflict_user;
	char *conflict_starts, *conflict_ends;
};

/* Adds a refused field to why (the first, or one more); DB_INVALID. */
enum db_status db_refusal_add(struct db_refusal *why, enum db_refused reason, int index,
			      const char *value);

/* --- candidates --- */
/* A candidate; basic: what an interviewer may see (id, name, erased),
 * with email, phone, source and notes left NULL. */
struct db_candidate {
	char *id, *name, *email, *phone, *source, *notes;
	bool erased, basic;
	int version;
	char *created_at, *updated_at;
};

/* --- candidates --- */
#define CAND_NAME 1u
#define CAND_EMAIL 2u
#define CAND_PHONE 4u
#define CAND_SOURCE 8u
#define CAND_NOTES 16u
struct db_candidate_in {
	const char *name, *email, *phone, *source, *notes;
	unsigned set;		/* which fields a PATCH sets (NULL clears) */
};
enum db_status db_candidate_create(struct db *db, struct arena *a, const struct audit_ctx *ctx,
				   const struct db_candidate_in *in, struct db_candidate *out,
				   char **dup_id);
enum db_status db_candidate_get(struct db *db, struct arena *a, const struct db_viewer *v,
				const char *id, struct db_candidate *out);
/* q: a case-insensitive prefix of the name, or of the email where the
 * viewer is shown the email (never for a basic profile). */
enum db_status db_candidate_list(struct db *db, struct arena *a, const struct db_viewer *v,
				 const char *q, const struct db_page *page,
				 struct db_candidate **out, int *n);
enum db_status db_candidate_update(struct db *db, struct arena *a, const struct audit_ctx *ctx,
				   const char *id, int if_version,
				   const struct db_candidate_in *in, struct db_candidate *out,
				   char **dup_id);
/* Erasure: PII cleared, loops and scores kept; DB_STATE if already erased. */
enum db_status db_candidate_erase(struct db *db, struct arena *a, const struct audit_ctx *ctx,
				  const char *id);

/* --- loops --- */
struct db_loop_in {
	const char *candidate_id, *position, *recruiter_id, *hiring_manager_id;
	const char *template;		/* loop template key, or NULL */
	const char *const *plan;	/* round kinds to create unscheduled */
	int nplan;
	unsigned set;			/* PATCH: LOOP_* bits */
};
#define LOOP_POSITION 1u
#define LOOP_RECRUITER 2u
#define LOOP_HIRING_MANAGER 4u
#define LOOP_CHECK_CANDIDATE 8u		/* checks: the candidate */
#define LOOP_CHECK_PLAN 16u		/* checks: template and plan */

struct db_loop_filter {
	const char *status, *candidate_id, *hiring_manager_id, *recruiter_id;
};

struct db_interviewer {
	char *user_id, *name, *role;
};

struct db_round {
	char *id, *loop_id, *kind, *rubric_key;
	int rubric_version;
	bool required;
	char *starts_at, *ends_at, *location, *status;
	int sequence, version;
	char *created_at, *updated_at;
	char *due_at;			/* a take-home's due time, or NULL */
	int expected_effort_hours;	/* 0: not stated */
	char *warnings;			/* hygiene warning codes, space-separated ("" none) */
	struct db_interviewer *interviewers;	/* in booking order */
	int ninterviewers;
};

/* A loop. status is the effective one (a scheduled loop whose first round
 * has begun is in_progress). rounds: NULL in lists (with_rounds false);
 * for one loop its rounds in schedule order, only the viewer's own when
 * the viewer reaches the loop only as an interviewer. */
struct db_loop {
	char *id, *candidate_id, *candidate_name, *position, *recruiter_id, *hiring_manager_id;
	char *status, *cancel_reason, *template;
	int version;
	char *created_at, *updated_at;
	bool timed;			/* elapsed_days is known (the loop is decided) */
	double elapsed_days;		/* its first round's start to its decision */
	bool with_rounds;
	struct db_round *rounds;
	int nrounds;
};

enum db_status db_loop_create(struct db *db, struct arena *a, const struct audit_ctx *ctx,
			      const struct db_loop_in *in, struct db_loop *out,
			      struct db_refusal *why);
/* Only the lookups of a loop create, for the fields in set (LOOP_* bits, plus
 * LOOP_CHECK_CANDIDATE and LOOP_CHECK_PLAN): every refusal goes into why, nothing is
 * written. DB_INVALID when something was refused. */
enum db_status db_loop_check(struct db *db, struct arena *a, const struct audit_ctx *ctx,
			     const struct db_loop_in *in, unsigned set, struct db_refusal *why);
enum db_status db_loop_get(struct db *db, struct arena *a, const struct db_viewer *v,
			   const char *id, struct db_loop *out);
/* A page of loops without their rounds, in (created_at, id) order. */
enum db_status db_loop_list(struct db *db, struct arena *a, const struct db_viewer *v,
			    const struct db_loop_filter *f, const struct db_page *page,
			    struct db_loop **out, int *n);
enum db_status db_loop_update(struct db *db, struct arena *a, const struct audit_ctx *ctx,
			      const char *id, int if_version, const struct db_loop_in *in,
			      struct db_loop *out, struct db_refusal *why);
enum db_status db_loop_cancel(struct db *db, struct arena *a, const struct audit_ctx *ctx,
			      const char *id, const char *reason, struct db_loop *out,
			      struct db_refusal *why);

/* --- rounds --- */
struct db_interviewer_in {
	const char *user_id, *role;
};
struct db_round_in {
	const char *kind, *rubric_key;
	int rubric_version;
	const char *starts_at, *ends_at, *location;	/* RFC 3339 (any offset) */
	const char *due_at;		/* RFC 3339, or NULL */
	int expected_effort_hours;	/* 0: not stated */
	bool required;
	const struct db_interviewer_in *interviewers;
	int ninterviewers;
	const char *status;		/* PATCH: "completed" or "no_show" */
	unsigned set;			/* PATCH: ROUND_* bits */
};
#define ROUND_TIMES 1u
#define ROUND_LOCATION 2u
#define ROUND_STATUS 4u
#define ROUND_DUE 8u		/* due_at (NULL clears it) */
#define ROUND_EFFORT 16u	/* expected_effort_hours (0 clears it) */

enum db_status db_round_create(struct db *db, struct arena *a, const struct audit_ctx *ctx,
			       const char *loop_id, const struct db_round_in *in,
			       struct db_round *out, struct db_refusal *why);
/* Only the lookups of a round create (the rubric for kind or rubric_key, when
 * set, and each interviewer's role): every refusal into why, nothing
 * written. DB_INVALID when something was refused. */
enum db_status db_round_check(struct db *db, struct arena *a, const struct audit_ctx *ctx,
			      const struct db_round_in *in, struct db_refusal *why);
/* The rounds of a loop the viewer reaches, in schedule order (a loop has
 * at most DB_MAX_ROUNDS); DB_NONE when the loop is not visible. */
enum db_status db_round_list(struct db *db, struct arena *a, const struct db_viewer *v,
			     const char *loop_id, struct db_round **out, int *n);
enum db_status db_round_get(struct db *db, struct arena *a, const struct db_viewer *v,
			    const char *id, struct db_round *out);
enum db_status db_round_update(struct db *db, struct arena *a, const struct audit_ctx *ctx,
			       const char *id, int if_version, const struct db_round_in *in,
			       struct db_round *out, struct db_refusal *why);
enum db_status db_round_cancel(struct db *db, struct arena *a, const struct audit_ctx *ctx,
			       const char *id, const char *reason, struct db_round *out,
			       struct db_refusal *why);
/* Adds the interviewer or changes their role (PUT); removes them (DELETE). */
enum db_status db_round_put_interviewer(struct db *db, struct arena *a,
					const struct audit_ctx *ctx, const char *round_id,
					const char *user_id, const char *role,
					struct db_round *out, struct db_refusal *why);
enum db_status db_round_remove_interviewer(struct db *db, struct arena *a,
					   const struct audit_ctx *ctx, const char *round_id,
					   const char *user_id, struct db_refusal *why);

/* --- the org's schedule --- */
struct db_schedule_filter {
	const char *starts_after, *starts_before;	/* RFC 3339, or NULL */
	const char *status, *interviewer;		/* or NULL */
};
/* A page of the rounds with a time the viewer reaches (every one, the
 * rounds of the loops they manage, their own bookings), keyset (starts_at,
 * id): page->after_created holds the last starts_at shown. */
enum db_status db_schedule(struct db *db, struct arena *a, const struct db_viewer *v,
			   const struct db_schedule_filter *f, const struct db_page *page,
			   struct db_round **out, int *n);

/* --- the caller's schedule and calendar --- */
/* One of the caller's rounds, with their role and the loop's position and
 * candidate. */
struct db_my_round {
	struct db_round round;
	char *role, *position, *candidate_id, *candidate_name;
};
/* A page of the user's rounds overlapping [from, to), keyset (starts_at,
 * id): page->after_created holds the last starts_at shown. */
enum db_status db_my_rounds(struct db *db, struct arena *a, const char *org_id,
			    const char *user_id, const char *from, const char *to,
			    const struct db_page *page, struct db_my_round **out, int *n);
/* One event of an iCalendar feed. */
struct db_calendar_attendee {
	char *name, *role, *user_id;
};
struct db_calendar_row {
	char *id, *kind, *starts_at, *ends_at, *location, *status;
	int sequence;
	char *changed;		/* last change the calendar shows */
	char *candidate, *position, *role;
	struct db_calendar_attendee *attendees;	/* the round's interviewers */
	int nattendees;
};
/* The user's rounds of the last 90 days and all later ones (cancelled
 * ones too, so calendar apps remove them), and those they were taken off
 * in the last 30 days (status "cancelled"), in (starts_at, id) order. */
enum db_status db_calendar_rounds(struct db *db, struct arena *a, const char *org_id,
				  const char *user_id, struct db_calendar_row **out, int *n);
enum db_status db_calendar_token_set(struct db *db, const struct audit_ctx *ctx,
				     const char *token_hash);
/* The user a feed token belongs to. */
enum db_status db_calendar_token_user(struct db *db, struct arena *a, const char *token_hash,
				      char **org_id, char **user_id);

#endif
