/* Words for db/'s refusal reasons: the field path, code and sentence of a
 * 422, or the problem code and sentence of a 409. */
#include <string.h>
#include "api/common.h"
#include "api/spec.h"
#include "db/scheduling.h"

struct refusal_words {
	enum api_error error;	/* E_VALIDATION_FAILED: a 422 naming field */
	const char *field;	/* "plan[]": the item index goes between [ and ] */
	const char *code;	/* the errors[] code of a 422 */
	const char *message;
};

/* The words of reason r; -Wswitch names a reason added without words. */
static struct refusal_words
words_of(enum db_refused r)
{
	switch (r) {
	case DB_REFUSED_NONE:
		break;
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
	case DB_REFUSED_ROUND_NOT_STARTED:
		return (struct refusal_words){E_ROUND_NOT_STARTED, NULL, NULL,
			"a scorecard can be submitted once its round has started"};
	case DB_REFUSED_ROUND_CANCELLED:
		return (struct refusal_words){E_ROUND_CANCELLED, NULL, NULL,
			"the round was cancelled: there is nothing to grade"};
	case DB_REFUSED_ROUND_NO_SHOW:
		return (struct refusal_words){E_ROUND_NO_SHOW, NULL, NULL,
			"the candidate did not show up for this round: there is nothing to grade"};
	case DB_REFUSED_LOOP_CLOSED:
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

enum api_result
api_reply_refused(struct api_request *rq, const struct db_refusal *why)
{
	struct refusal_words w = words_of(why->reason);
	if (w.error == E_VALIDATION_FAILED) {
		json_t *errors = json_array();
		spec_error(errors, field_path(rq->arena, w.field, why->index), w.code, w.message);
		return api_reply_invalid(rq, errors);
	}
	api_reply_error(rq, w.error, "%s", w.message);
	if (why->status)
		api_problem_extend(rq, json_pack("{s:s}", "current_status", why->status));
	return API_REPLIED;
}
