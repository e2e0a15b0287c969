#ifndef DB_SCHEDULING_H
#define DB_SCHEDULING_H
#include <jansson.h>
#include <stdbool.h>
#include "db/audit.h"
#include "db/db.h"

/* Candidates, loops, rounds and interviewer bookings. Representations come
 * back as JSON built by the database (new references the caller owns).
 * Every change writes its audit event in its own transaction. */

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

/* Why a change was refused: a reason, or (older code) a field for 422 or
 * the state/booking for 409. */
struct db_refusal {
	enum db_refused reason;	/* DB_REFUSED_NONE: use the members below */
	int index;		/* the request list item the reason is about */
	const char *field;	/* 422: the offending request field */
	const char *code;	/* its error code */
	char *detail;		/* human text (no PII) */
	char *conflict_round;	/* 409 double booking: the other round, its time */
	char *conflict_user;
	char *conflict_starts, *conflict_ends;
	char *status;		/* 409 state: the current status */
};

struct db_list {
	const char *after_created, *after_id;	/* keyset, NULL for the first page */
	int limit;				/* rows to fetch (page size + 1) */
};

/* A page: data array, and the keyset (created_at, id) of each row. */
struct db_rows {
	json_t *data;
	char **created, **ids;
	int n;
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
				   const struct db_candidate_in *in, json_t **out, char **dup_id);
enum db_status db_candidate_get(struct db *db, struct arena *a, const struct db_viewer *v,
				const char *id, json_t **out);
/* q: a case-insensitive prefix of the name, or of the email where the
 * viewer is shown the email (never for a basic profile). */
enum db_status db_candidate_list(struct db *db, struct arena *a, const struct db_viewer *v,
				 const char *q, const struct db_list *page, struct db_rows *out);
enum db_status db_candidate_update(struct db *db, struct arena *a, const struct audit_ctx *ctx,
				   const char *id, int if_version,
				   const struct db_candidate_in *in, json_t **out, char **dup_id);
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

struct db_loop_filter {
	const char *status, *candidate_id, *hiring_manager_id, *recruiter_id;
};

enum db_status db_loop_create(struct db *db, struct arena *a, const struct audit_ctx *ctx,
			      const struct db_loop_in *in, json_t **out, struct db_refusal *why);
enum db_status db_loop_get(struct db *db, struct arena *a, const struct db_viewer *v,
			   const char *id, json_t **out);
enum db_status db_loop_list(struct db *db, struct arena *a, const struct db_viewer *v,
			    const struct db_loop_filter *f, const struct db_list *page,
			    struct db_rows *out);
enum db_status db_loop_update(struct db *db, struct arena *a, const struct audit_ctx *ctx,
			      const char *id, int if_version, const struct db_loop_in *in,
			      json_t **out, struct db_refusal *why);
enum db_status db_loop_cancel(struct db *db, struct arena *a, const struct audit_ctx *ctx,
			      const char *id, const char *reason, json_t **out,
			      struct db_refusal *why);

/* --- rounds --- */
struct db_interviewer_in {
	const char *user_id, *role;
};
struct db_round_in {
	const char *kind, *rubric_key;
	int rubric_version;
	const char *starts_at, *ends_at, *location;	/* RFC 3339 (any offset) */
	bool required;
	const struct db_interviewer_in *interviewers;
	int ninterviewers;
	const char *status;		/* PATCH: "completed" or "no_show" */
	unsigned set;			/* PATCH: ROUND_* bits */
};
#define ROUND_TIMES 1u
#define ROUND_LOCATION 2u
#define ROUND_STATUS 4u

enum db_status db_round_create(struct db *db, struct arena *a, const struct audit_ctx *ctx,
			       const char *loop_id, const struct db_round_in *in, json_t **out,
			       struct db_refusal *why);
enum db_status db_round_list(struct db *db, struct arena *a, const struct db_viewer *v,
			     const char *loop_id, json_t **out);
enum db_status db_round_get(struct db *db, struct arena *a, const struct db_viewer *v,
			    const char *id, json_t **out);
enum db_status db_round_update(struct db *db, struct arena *a, const struct audit_ctx *ctx,
			       const char *id, int if_version, const struct db_round_in *in,
			       json_t **out, struct db_refusal *why);
enum db_status db_round_cancel(struct db *db, struct arena *a, const struct audit_ctx *ctx,
			       const char *id, const char *reason, json_t **out,
			       struct db_refusal *why);
/* Adds the interviewer or changes their role (PUT); removes them (DELETE). */
enum db_status db_round_put_interviewer(struct db *db, struct arena *a,
					const struct audit_ctx *ctx, const char *round_id,
					const char *user_id, const char *role, json_t **out,
					struct db_refusal *why);
enum db_status db_round_remove_interviewer(struct db *db, struct arena *a,
					   const struct audit_ctx *ctx, const char *round_id,
					   const char *user_id, struct db_refusal *why);

/* --- the caller's schedule and calendar --- */
/* A page of the user's rounds overlapping [from, to), keyset (starts_at,
 * id): page->after_created holds the last starts_at shown. */
enum db_status db_my_rounds(struct db *db, struct arena *a, const char *org_id,
			    const char *user_id, const char *from, const char *to,
			    const struct db_list *page, struct db_rows *out);
/* Rows for an iCalendar feed: id, kind, starts_at, ends_at, location,
 * status, sequence, stamp, candidate name, position, role. */
enum db_status db_calendar_rounds(struct db *db, struct arena *a, const char *org_id,
				  const char *user_id, json_t **out);
enum db_status db_calendar_token_set(struct db *db, const struct audit_ctx *ctx,
				     const char *token_hash);
/* The user a feed token belongs to. */
enum db_status db_calendar_token_user(struct db *db, struct arena *a, const char *token_hash,
				      char **org_id, char **user_id);

#endif
