/* The field-spec validator for request bodies. */
#include <stdio.h>
#include <string.h>
#include "api/spec.h"
#include "base/email.h"
#include "base/text.h"

void
spec_error(json_t *errors, const char *field, const char *code, const char *message)
{
	json_array_append_new(errors, json_pack("{s:s, s:s, s:s}", "field", field, "code", code,
						"message", message));
}

static const char *
type_name(enum spec_type t)
{
	static const char *names[] = {"", "string", "integer", "number", "boolean", "array", "object"};
	return names[t];
}

static bool
has_type(json_t *v, enum spec_type t)
{
	switch (t) {
	case SPEC_STRING: return json_is_string(v);
	case SPEC_INTEGER: return json_is_integer(v);
	case SPEC_NUMBER: return json_is_number(v);
	case SPEC_BOOLEAN: return json_is_boolean(v);
	case SPEC_ARRAY: return json_is_array(v);
	case SPEC_OBJECT: return json_is_object(v);
	}
	return false;
}

static bool
in_enum(const char *s, const char *const *enums)
{
	for (; *enums; enums++)
		if (strcmp(s, *enums) == 0)
			return true;
	return false;
}


/* Text must not hide control characters other than newline and tab. */
static bool
clean_text(const char *s)
{
	for (; *s; s++)
		if (((unsigned char)*s < 0x20 && *s != '\n' && *s != '\t') || *s == 0x7f)
			return false;
	return true;
}

/* Empty, or only characters that show nothing (white space, zero-width and
 * format characters, bidi controls, fillers): a name like that looks blank. */
static bool
is_blank(const char *s)
{
	return email_text_is_blank(s);
}

/* The words for an email refusal (static strings): message, and *code. */
const char *
spec_email_refusal(enum email_verdict v, const char **code)
{
	switch (v) {
	case EMAIL_OK:
		break;
	case EMAIL_INVISIBLE:
		*code = "invisible_characters";
		return "must not contain invisible characters (zero-width or format characters, "
		       "bidi controls, spaces)";
	case EMAIL_UNASSIGNED:
		*code = "unassigned_characters";
		return "must not contain unassigned or private-use characters";
	case EMAIL_MIXED_SCRIPT:
		*code = "mixed_script";
		return "must not mix scripts (such as a Cyrillic letter among Latin ones) or digit "
		       "systems in the part before the @ or in a domain label";
	case EMAIL_DOMAIN:
		*code = "invalid_domain";
		return "must have a valid domain name";
	case EMAIL_FORMAT:
		break;
	}
	*code = "format";
	return "must be an email address";
}

/* Appends the refusal when s is not an acceptable email. */
static void
email_check(const char *path, const char *s, json_t *errors)
{
	struct arena *a = arena_create();
	char *norm;
	enum email_verdict v = email_normalize(a, s, &norm);
	arena_destroy(a);
	if (v == EMAIL_OK)
		return;
	const char *code, *why = spec_email_refusal(v, &code);
	spec_error(errors, path, code, why);
}

static void
check_string(const char *path, const char *s, long min, long max, enum spec_format f,
	     const char *const *enums, json_t *errors)
{
	char msg[160];
	long n = (long)text_utf8_length(s);
	if (enums && !in_enum(s, enums)) {
		struct arena *a = arena_create();
		struct abuf b;
		abuf_init(&b, a);
		abuf_puts(&b, "must be one of:");
		for (const char *const *e = enums; *e; e++)
			abuf_printf(&b, " %s", *e);
		spec_error(errors, path, "enum", b.data);
		arena_destroy(a);
		return;
	}
	if ((min && n < min) || (max && n > max)) {
		snprintf(msg, sizeof msg, "must be %ld to %ld characters long", min, max);
		spec_error(errors, path, "length", msg);
		return;
	}
	int64_t us;
	if (f == SPEC_UUID && !text_is_uuid(s))
		spec_error(errors, path, "format", "must be a UUID");
	else if (f == SPEC_DATETIME && !text_parse_rfc3339(s, &us))
		spec_error(errors, path, "format", "must be an RFC 3339 date-time with an offset");
	else if (f == SPEC_EMAIL)
		email_check(path, s, errors);
	else if (f == SPEC_KEY && !text_is_key(s, strlen(s)))
		spec_error(errors, path, "format", "must be a key: a-z, 0-9 and _, starting with a letter");
	else if (!clean_text(s))
		spec_error(errors, path, "format", "must not contain control characters");
}

static void check_field(const struct spec_field *f, json_t *v, const char *path, json_t *errors);

static void
check_array(const struct spec_field *f, json_t *v, const char *path, json_t *errors)
{
	char msg[96];
	long n = (long)json_array_size(v);
	if ((f->min && n < f->min) || (f->max && n > f->max)) {
		snprintf(msg, sizeof msg, "must have %ld to %ld items", f->min, f->max);
		spec_error(errors, path, "count", msg);
		return;
	}
	size_t i;
	json_t *item;
	json_array_foreach(v, i, item) {
		char ipath[320];
		snprintf(ipath, sizeof ipath, "%s[%zu]", path, i);
		if (!f->item_type)
			continue;
		struct spec_field sub = {.name = "", .type = f->item_type, .max = f->item_max,
					 .format = f->item_format, .enums = f->item_enums};
		check_field(&sub, item, ipath, errors);
		if (f->item_spec && json_is_object(item)) {
			char prefix[330];
			snprintf(prefix, sizeof prefix, "%s.", ipath);
			spec_check(f->item_spec, item, prefix, errors);
		}
	}
}

static void
check_field(const struct spec_field *f, json_t *v, const char *path, json_t *errors)
{
	char msg[96];
	if (json_is_null(v) && (f->flags & SPEC_NULLABLE))
		return;
	if (!has_type(v, f->type)) {
		snprintf(msg, sizeof msg, "must be %s %s", f->type == SPEC_INTEGER ? "an" : "a",
			 type_name(f->type));
		spec_error(errors, path, "type", msg);
		return;
	}
	if (f->type == SPEC_STRING) {
		size_t before = json_array_size(errors);
		check_string(path, json_string_value(v), f->min, f->max, f->format, f->enums, errors);
		if ((f->flags & SPEC_NONBLANK) && json_array_size(errors) == before &&
		    is_blank(json_string_value(v)))
			spec_error(errors, path, "blank", "must not be blank");
	} else if (f->type == SPEC_INTEGER && (f->min || f->max)) {
		json_int_t i = json_integer_value(v);
		if (i < f->min || i > f->max) {
			snprintf(msg, sizeof msg, "must be between %ld and %ld", f->min, f->max);
			spec_error(errors, path, "range", msg);
		}
	} else if (f->type == SPEC_ARRAY) {
		check_array(f, v, path, errors);
	}
}

/* A valid email field is rewritten in its normalised form (base/email.h),
 * so the database stores and compares what look-alikes fold to. */
static void
normalize_email(const struct spec_field *f, json_t *obj, json_t *v)
{
	if (f->format != SPEC_EMAIL || !json_is_string(v))
		return;
	struct arena *a = arena_create();
	char *norm;
	if (email_normalize(a, json_string_value(v), &norm) == EMAIL_OK)
		json_object_set_new(obj, f->name, json_string(norm));
	arena_destroy(a);
}

/* A valid date-time field is rewritten in UTC with microseconds, so the
 * database receives exactly the instant validated here (no offset or
 * rounding rules of its own). */
static void
normalize_time(const struct spec_field *f, json_t *obj, json_t *v)
{
	int64_t us;
	if (f->format != SPEC_DATETIME || !json_is_string(v) ||
	    !text_parse_rfc3339(json_string_value(v), &us))
		return;
	struct arena *a = arena_create();
	json_object_set_new(obj, f->name, json_string(text_format_rfc3339(a, us)));
	arena_destroy(a);
}

bool
spec_check(const struct spec_field *spec, json_t *obj, const char *prefix, json_t *errors)
{
	size_t before = json_array_size(errors);
	char path[400];
	for (const struct spec_field *f = spec; f->name; f++) {
		snprintf(path, sizeof path, "%s%s", prefix, f->name);
		json_t *v = json_object_get(obj, f->name);
		if (!v) {
			if (f->flags & SPEC_REQUIRED)
				spec_error(errors, path, "required", "is required");
			continue;
		}
		check_field(f, v, path, errors);
		normalize_time(f, obj, v);
		normalize_email(f, obj, v);
	}
	const char *key;
	json_t *v;
	json_object_foreach(obj, key, v) {
		const struct spec_field *f = spec;
		while (f->name && strcmp(f->name, key) != 0)
			f++;
		if (!f->name) {
			snprintf(path, sizeof path, "%s%s", prefix, key);
			spec_error(errors, path, "unknown_field", "is not a field of this resource");
		}
	}
	return json_array_size(errors) == before;
}

bool
api_parse_or_reply(struct api_request *rq, const struct spec_field *spec)
{
	if (!json_is_object(rq->json)) {
		api_reply_error(rq, E_MALFORMED_JSON, "the request body must be a JSON object");
		return false;
	}
	json_t *errors = json_array();
	if (spec_check(spec, rq->json, "", errors)) {
		json_decref(errors);
		return true;
	}
	api_reply_invalid(rq, errors);
	return false;
}

bool
api_parse_collect_or_reply(struct api_request *rq, const struct spec_field *spec,
			   json_t **errors)
{
	*errors = NULL;
	if (!json_is_object(rq->json)) {
		api_reply_error(rq, E_MALFORMED_JSON, "the request body must be a JSON object");
		return false;
	}
	*errors = json_array();
	spec_check(spec, rq->json, "", *errors);
	return true;
}

bool
spec_failed(json_t *errors, const char *field)
{
	size_t i, n = strlen(field);
	json_t *e;
	json_array_foreach(errors, i, e) {
		const char *f = json_string_value(json_object_get(e, "field"));
		if (f && !strncmp(f, field, n) && (!f[n] || f[n] == '[' || f[n] == '.'))
			return true;
	}
	return false;
}

const char *
spec_str(json_t *obj, const char *name)
{
	return json_string_value(json_object_get(obj, name));
}

long long
spec_int(json_t *obj, const char *name, long long fallback)
{
	json_t *v = json_object_get(obj, name);
	return json_is_integer(v) ? json_integer_value(v) : fallback;
}

bool
spec_has(json_t *obj, const char *name)
{
	return json_object_get(obj, name) != NULL;
}

bool
api_parse_patch_collect_or_reply(struct api_request *rq, const struct spec_field *spec,
				 json_t **errors)
{
	if (!api_parse_collect_or_reply(rq, spec, errors))
		return false;
	if (!json_object_size(rq->json))
		spec_error(*errors, "body", "empty", "name at least one field to change");
	return true;
}

bool
api_parse_patch_or_reply(struct api_request *rq, const struct spec_field *spec)
{
	json_t *errors;
	if (!api_parse_patch_collect_or_reply(rq, spec, &errors))
		return false;
	if (!json_array_size(errors)) {
		json_decref(errors);
		return true;
	}
	api_reply_invalid(rq, errors);
	return false;
}
