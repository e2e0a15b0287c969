#ifndef API_SPEC_H
#define API_SPEC_H
#include <jansson.h>
#include <stdbool.h>
#include "api/http.h"
#include "base/email.h"

/*
 * Declarative request-body validation: a spec is an array of fields ended
 * by {NULL}. spec_check reports every bad field, not just the first, as
 * {"field", "code", "message"} objects appended to an errors array.
 */
enum spec_type { SPEC_STRING = 1, SPEC_INTEGER, SPEC_NUMBER, SPEC_BOOLEAN, SPEC_ARRAY, SPEC_OBJECT };
enum spec_format { SPEC_TEXT = 0, SPEC_UUID, SPEC_DATETIME, SPEC_EMAIL, SPEC_KEY };

#define SPEC_REQUIRED 0x1
#define SPEC_NULLABLE 0x2	/* JSON null is accepted (PATCH: clears the field) */
#define SPEC_NONBLANK 0x4	/* a string must hold more than whitespace */

struct spec_field {
	const char *name;
	enum spec_type type;
	unsigned flags;
	long min, max;		/* string: code points; integer: value; array: items (0,0 = no limit) */
	enum spec_format format;
	const char *const *enums;	/* NULL-terminated allowed strings */
	/* Arrays: the type of every item, and for object items their spec. */
	enum spec_type item_type;
	const struct spec_field *item_spec;
	enum spec_format item_format;
	const char *const *item_enums;
	long item_max;		/* string items: max code points */
};

/* Validates obj against spec; the path of each field is prefix + name.
 * Unknown members are errors. Returns true when nothing was added. */
bool spec_check(const struct spec_field *spec, json_t *obj, const char *prefix, json_t *errors);

/* Appends {"field","code","message"} to errors. */
void spec_error(json_t *errors, const char *field, const char *code, const char *message);

/* The request's JSON body checked against spec; on failure queues the
 * 422 naming every bad field (or 400 when the body is not an object) and
 * returns false. */
bool api_parse_or_reply(struct api_request *rq, const struct spec_field *spec);

/* The request's JSON body checked against spec, every bad field appended to
 * *errors (a new array the caller replies with or releases): for handlers
 * that add their own checks to the same 422. False with 400 queued when
 * the body is not an object. */
bool api_parse_collect_or_reply(struct api_request *rq, const struct spec_field *spec,
				json_t **errors);

/* True when errors names field, or a member or item of it ("plan[2]"). */
bool spec_failed(json_t *errors, const char *field);

/* The same for a PATCH body, which must also name at least one field. */
bool api_parse_patch_or_reply(struct api_request *rq, const struct spec_field *spec);
bool api_parse_patch_collect_or_reply(struct api_request *rq, const struct spec_field *spec,
				      json_t **errors);

/* The words for an email refusal: the message, and *code for the field
 * error ("invisible_characters", "mixed_script", ...). */
const char *spec_email_refusal(enum email_verdict v, const char **code);

/* Convenience getters over a validated object (NULL / fallback if absent). */
const char *spec_str(json_t *obj, const char *name);
long long spec_int(json_t *obj, const char *name, long long fallback);
bool spec_has(json_t *obj, const char *name);

#endif
