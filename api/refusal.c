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
