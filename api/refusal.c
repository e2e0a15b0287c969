/* Words for db/'s refusal reasons: the field path, code and sentence of a
 * 422, or the problem code and sentence of a 409. */
#include <string.h>
#include "api/common.h"
#include "api/spec.h"
#include "db/scheduling.h"

#define TEXT(x) #x
#define NUMBER(x) TEXT(x)

struct refusal_words {
	enum api_error error;	/* E_VALIDATION_FAILED: a 422 naming field */
	const char *field;	/* "plan[]": the item index goes between [ and ] */
	const char *code;	/* the errors[] code of a 422 */
	const char *message;	/* "{}" stands for the refusal's value */
};

#define INVALID(field, code, message) \
	(struct refusal_words){E_VALIDATION_FAILED, field, code, message}
#define STATE(message) (struct refusal_words){E_INVALID_STATE, NULL, NULL, message}

/* The words of reason r; -Wswitch names a reason added without words. */
static struct refusal_words
words_of(enum db_refused r)
{
	switch (r) {
	case DB_REFUSED_NONE:
		break;
	case DB_REFUSED_CANDIDATE_UNKNOWN:
		return INVALID("candidate_id", "not_found", "no such candidate (or erased)");
	case DB_REFUSED_RECRUITER_ROLE:
		return INVALID("recruiter_id", "role",
			       "must be an active user with the recruiter or admin role");
	case DB_REFUSED_HIRING_MANAGER_ROLE:
		return INVALID("hiring_manager_id", "role",
			       "must be an active user with the hiring_manager role");
	case DB_REFUSED_TEMPLATE_UNKNOWN:
		return INVALID("template", "unknown", "no such loop template");
	case DB_REFUSED_TEMPLATE_KIND_UNKNOWN:
		return INVALID("template", "unknown_kind", "no rubric grades rounds of kind {}");
	case DB_REFUSED_PLAN_KIND_UNKNOWN:
		return INVALID("plan[]", "unknown_kind", "no rubric grades rounds of kind {}");
	case DB_REFUSED_LOOP_CLOSED:
		return STATE("the loop is {}");
	case DB_REFUSED_LOOP_FULL:
		return STATE("a loop has at most " NUMBER(DB_MAX_ROUNDS) " rounds");
	case DB_REFUSED_CANDIDATE_ERASED:
		return STATE("the candidate of this loop was erased");
	case DB_REFUSED_RUBRIC_UNKNOWN:
		return INVALID("rubric_key", "unknown", "no such rubric (or version)");
	case DB_REFUSED_KIND_UNGRADED:
		return INVALID("kind", "unknown", "no rubric grades rounds of this kind");
	case DB_REFUSED_RUBRIC_KIND_MISMATCH:
		return INVALID("rubric_key", "kind", "this rubric grades another kind of round");
	case DB_REFUSED_INTERVIEWER_ROLE:
		return INVALID("interviewers[].user_id", "role",
			       "must be an active user with the interviewer role");
	case DB_REFUSED_INTERVIEWER_BAR_RAISER:
		return INVALID("interviewers[].user_id", "bar_raiser",
			       "a loop has at most one bar raiser");
	case DB_REFUSED_BOOKING_ROLE:
		return INVALID("user_id", "role", "must be an active user with the interviewer role");
	case DB_REFUSED_BOOKING_BAR_RAISER:
		return INVALID("user_id", "bar_raiser", "a loop has at most one bar raiser");
	case DB_REFUSED_ROUND_CLOSED_CANCEL:
		return STATE("a {} round cannot be cancelled");
	case DB_REFUSED_ROUND_CLOSED_BOOKING:
		return STATE("a {} round keeps its interviewers");
	case DB_REFUSED_ROUND_CLOSED_RESCHEDULE:
		return STATE("a {} round cannot be rescheduled");
	case DB_REFUSED_ROUND_GRADED:
		return STATE("a round with a submitted scorecard keeps its time");
	case DB_REFUSED_ROUND_CLOSED_CHANGE:
		return STATE("a {} round cannot be changed");
	case DB_REFUSED_ROUND_NOT_SCHEDULED:
		return STATE("only a scheduled round can become {}");
	case DB_REFUSED_ROUND_NOT_STARTED:
		return STATE("the round has not started yet");
	case DB_REFUSED_DOUBLE_BOOKED:
		return (struct refusal_words){E_DOUBLE_BOOKED, NULL, NULL,
					      "an interviewer is already booked at that time"};
	case DB_REFUSED_SCORECARD_SUBMITTED:
		return (struct refusal_words){E_SCORECARD_LOCKED, NULL, NULL,
			"the scorecard is submitted and locked; change it with POST .../scorecard/amend"};
	case DB_REFUSED_SCORECARD_NOT_SUBMITTED:
		return (struct refusal_words){E_SCORECARD_NOT_SUBMITTED, NULL, NULL,
			"the scorecard has not been submitted; submit it first"};
	case DB_REFUSED_SCORECARD_CHANGED:
		return (struct refusal_words){E_CONFLICT, NULL, NULL,
			"the draft changed while it was being submitted; check it and submit again"};
	case DB_REFUSED_SCORECARD_REVISIONS:
		return (struct refusal_words){E_INVALID_STATE, NULL, NULL,
			"the scorecard has as many amendments as it may have"};
	case DB_REFUSED_SCORECARD_ROUND_NOT_STARTED:
		return (struct refusal_words){E_ROUND_NOT_STARTED, NULL, NULL,
			"a scorecard can be submitted once its round has started"};
	case DB_REFUSED_ROUND_CANCELLED:
		return (struct refusal_words){E_ROUND_CANCELLED, NULL, NULL,
			"the round was cancelled: there is nothing to grade"};
	case DB_REFUSED_ROUND_NO_SHOW:
		return (struct refusal_words){E_ROUND_NO_SHOW, NULL, NULL,
			"the candidate did not show up for this round: there is nothing to grade"};
	case DB_REFUSED_SCORECARD_LOOP_CLOSED:
		return (struct refusal_words){E_LOOP_CLOSED, NULL, NULL,
			"the loop is decided or cancelled and takes no more scorecards"};
	case DB_REFUSED_NOT_HIRING_MANAGER:
		return (struct refusal_words){E_NOT_HIRING_MANAGER, NULL, NULL,
			"only the loop's hiring manager records its decision"};
	case DB_REFUSED_PACKET_NOT_ALLOWED:
		return (struct refusal_words){E_FORBIDDEN, NULL, NULL,
			"interviewers do not read the decision packet"};
	case DB_REFUSED_ALREADY_DECIDED:
		return (struct refusal_words){E_ALREADY_DECIDED, NULL, NULL,
			"the loop has a decision already; a decision is final"};
	case DB_REFUSED_LOOP_NOT_READY:
		return (struct refusal_words){E_LOOP_NOT_READY, NULL, NULL,
			"a decision needs the loop awaiting_decision (or in_progress, as an override)"};
	case DB_REFUSED_OVERRIDE_JUSTIFICATION_REQUIRED:
		return (struct refusal_words){E_VALIDATION_FAILED, "override_justification", "required",
			"deciding against the packet's recommendation, or before the loop awaits "
			"its decision, needs a justification of at least 30 characters"};
	}
	return (struct refusal_words){E_INTERNAL, NULL, NULL, "the change was refused"};
}

/* field with the item index filled in: "plan[]" -> "plan[2]" (in a). */
static const char *
field_path(struct arena *a, const char *field, int index)
{
	const char *hole = field ? strstr(field, "[]") : NULL;
	if (!hole)
		return field;
	return arena_printf(a, "%.*s[%d]%s", (int)(hole - field), field, index, hole + 2);
}

/* message with "{}" replaced by value (in a). */
static const char *
sentence(struct arena *a, const char *message, const char *value)
{
	const char *hole = strstr(message, "{}");
	if (!hole)
		return message;
	return arena_printf(a, "%.*s%s%s", (int)(hole - message), message, value ? value : "",
			    hole + 2);
}

/* The 409 of a double booking that names the booking in the way. */
static enum api_result
reply_double_booked(struct api_request *rq, const struct db_refusal *why)
{
	api_reply_error(rq, E_DOUBLE_BOOKED, "interviewer %s is booked in round %s from %s to %s",
			why->conflict_user, why->conflict_round, why->conflict_starts,
			why->conflict_ends);
	api_problem_extend(rq, json_pack("{s:{s:s, s:s, s:s, s:s}}", "conflict", "round_id",
		why->conflict_round, "user_id", why->conflict_user, "starts_at",
		why->conflict_starts, "ends_at", why->conflict_ends));
	return API_REPLIED;
}

/* Appends one refused field, when reason is about a field, to errors. */
static void
refused_field(struct api_request *rq, enum db_refused reason, int index, const char *value,
	      json_t *errors)
{
	struct refusal_words w = words_of(reason);
	if (w.error == E_VALIDATION_FAILED)
		spec_error(errors, field_path(rq->arena, w.field, index), w.code,
			   sentence(rq->arena, w.message, value));
}

void
api_refusal_errors(struct api_request *rq, const struct db_refusal *why, json_t *errors)
{
	if (why->reason != DB_REFUSED_NONE)
		refused_field(rq, why->reason, why->index, why->value, errors);
	for (int i = 0; i < why->nmore; i++)
		refused_field(rq, why->more[i].reason, why->more[i].index, why->more[i].value, errors);
}

enum api_result
api_reply_refused(struct api_request *rq, const struct db_refusal *why)
{
	if (why->reason == DB_REFUSED_DOUBLE_BOOKED && why->conflict_round)
		return reply_double_booked(rq, why);
	struct refusal_words w = words_of(why->reason);
	const char *message = sentence(rq->arena, w.message, why->value);
	if (w.error == E_VALIDATION_FAILED) {
		json_t *errors = json_array();
		api_refusal_errors(rq, why, errors);
		return api_reply_invalid(rq, errors);
	}
	api_reply_error(rq, w.error, "%s", message);
	if (why->status && api_error_status(w.error) == 409)
		api_problem_extend(rq, json_pack("{s:s}", "current_status", why->status));
	return API_REPLIED;
}
