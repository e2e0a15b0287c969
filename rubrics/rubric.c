#include <stdarg.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include "base/canon.h"
#include "base/crypto.h"
#include "base/text.h"
#include "rubrics/rubric.h"

/* Validation state: where problems go and whether there was any. */
struct parse {
	struct arena *a;
	json_t *errors;		/* NULL: only count */
	bool ok;
};

enum want { WANT_STRING, WANT_INTEGER, WANT_NUMBER, WANT_BOOL, WANT_OBJECT, WANT_ARRAY };

static const char *const want_name[] = {
	[WANT_STRING] = "a string", [WANT_INTEGER] = "an integer",
	[WANT_NUMBER] = "a number", [WANT_BOOL] = "true or false",
	[WANT_OBJECT] = "an object", [WANT_ARRAY] = "an array",
};

static const char *const rubric_members[] = {
	"key", "version", "kind", "title", "duration_minutes", "summary",
	"criteria", "red_flags", "questions", "notes", NULL};
static const char *const criterion_members[] = {
	"key", "title", "measures", "weight", "required", "anchors", "source", NULL};
static const char *const anchor_members[] = {"level", "description", NULL};
static const char *const red_flag_members[] = {
	"key", "title", "why", "severity", "source", NULL};
static const char *const question_members[] = {
	"prompt", "criteria", "strong_answer", "source", NULL};
static const char *const note_members[] = {"key", "title", "prompt", "visibility", NULL};
static const char *const source_members[] = {"document", "section", NULL};

/* Indexed by enum value; NULL-terminated for choice(). */
static const char *const severity_names[] = {NULL, "major", "critical", NULL};
static const char *const visibility_names[] = {NULL, "recruiters_and_hiring_managers", NULL};

#define KEY_PATTERN "^[a-z][a-z0-9_]{1,63}$"

/* A string as a new JSON string, never NULL (bad UTF-8 becomes ""). */
static json_t *
safe_string(const char *s)
{
	json_t *j = json_string(s);
	return j ? j : json_string("");
}

/* Records one problem at field (appended to p->errors when there is one). */
static void __attribute__((format(printf, 4, 5)))
problem(struct parse *p, const char *field, const char *code, const char *fmt, ...)
{
	p->ok = false;
	if (!p->errors)
		return;
	va_list ap;
	va_start(ap, fmt);
	char *msg = arena_vprintf(p->a, fmt, ap);
	va_end(ap);
	json_t *e = json_object();
	json_object_set_new(e, "field", safe_string(field));
	json_object_set_new(e, "code", json_string(code));
	json_object_set_new(e, "message", safe_string(msg));
	json_array_append_new(p->errors, e);
}

/* The path of member name inside path, in the arena (or name itself at the root). */
static const char *
field_of(struct parse *p, const char *path, const char *name)
{
	return *path ? arena_printf(p->a, "%s.%s", path, name) : name;
}

/* The path of item i of the array at path, in the arena. */
static const char *
index_of(struct parse *p, const char *path, size_t i)
{
	return arena_printf(p->a, "%s[%zu]", path, i);
}

/* True when v has the JSON type w asks for. */
static bool
is(const json_t *v, enum want w)
{
	switch (w) {
	case WANT_STRING:	return json_is_string(v);
	case WANT_INTEGER:	return json_is_integer(v);
	case WANT_NUMBER:	return json_is_number(v);
	case WANT_BOOL:		return json_is_boolean(v);
	case WANT_OBJECT:	return json_is_object(v);
	case WANT_ARRAY:	return json_is_array(v);
	}
	return false;
}

/* True when s is one of the NULL-terminated names. */
static bool
listed(const char *s, const char *const *names)
{
	for (; *names; names++)
		if (strcmp(s, *names) == 0)
			return true;
	return false;
}

/* Reports every member of obj that is not in allowed. */
static void
only_members(struct parse *p, json_t *obj, const char *path, const char *const *allowed)
{
	const char *k;
	json_t *v;
	json_object_foreach(obj, k, v) {
		if (!listed(k, allowed))
			problem(p, field_of(p, path, k), "unknown_member", "is not a known member");
	}
}

/* obj's member name when present and of type w; NULL (reported) otherwise.
 * Borrowed from obj. */
static json_t *
member(struct parse *p, json_t *obj, const char *path, const char *name, enum want w)
{
	json_t *v = json_object_get(obj, name);
	if (!v) {
		problem(p, field_of(p, path, name), "missing", "is required");
		return NULL;
	}
	if (!is(v, w)) {
		problem(p, field_of(p, path, name), "type", "must be %s", want_name[w]);
		return NULL;
	}
	return v;
}

/* True when the n bytes at s are UTF-8 without control characters other
 * than newline and tab (C0, DEL and C1 are refused, so is NUL). */
static bool
clean_text(const char *s, size_t n)
{
	const unsigned char *u = (const unsigned char *)s;
	if (!text_is_utf8(s, n))
		return false;
	for (size_t i = 0; i < n; i++) {
		if ((u[i] < 0x20 && u[i] != '\n' && u[i] != '\t') || u[i] == 0x7f)
			return false;
		if (u[i] == 0xc2 && i + 1 < n && u[i + 1] <= 0x9f)
			return false;	/* U+0080..U+009F */
	}
	return true;
}

/* Code points in the n bytes of valid UTF-8 at s. */
static size_t
code_points(const char *s, size_t n)
{
	size_t c = 0;
	for (size_t i = 0; i < n; i++)
		if (((unsigned char)s[i] & 0xc0) != 0x80)
			c++;
	return c;
}

/* Text member of min..max code points, copied into the arena; NULL if bad (reported). */
static const char *
text(struct parse *p, json_t *obj, const char *path, const char *name, size_t min, size_t max)
{
	json_t *v = member(p, obj, path, name, WANT_STRING);
	if (!v)
		return NULL;
	const char *s = json_string_value(v);
	size_t n = json_string_length(v);
	bool good = clean_text(s, n);
	if (!good)
		problem(p, field_of(p, path, name), "pattern",
			"must not contain control characters other than newline and tab");
	else if (code_points(s, n) < min || code_points(s, n) > max) {
		good = false;
		if (min == 0)
			problem(p, field_of(p, path, name), "length",
				"must be at most %zu characters long", max);
		else
			problem(p, field_of(p, path, name), "length",
				"must be %zu to %zu characters long", min, max);
	}
	return good ? arena_strndup(p->a, s, n) : NULL;
}


/* Key member (KEY_PATTERN), copied into the arena; NULL if bad (reported). */
static const char *
key(struct parse *p, json_t *obj, const char *path, const char *name)
{
	json_t *v = member(p, obj, path, name, WANT_STRING);
	if (!v)
		return NULL;
	if (!text_is_key(json_string_value(v), json_string_length(v))) {
		problem(p, field_of(p, path, name), "pattern", "must match %s", KEY_PATTERN);
		return NULL;
	}
	return arena_strdup(p->a, json_string_value(v));
}

/* Integer member in min..max into *out; false if bad (reported). */
static bool
integer(struct parse *p, json_t *obj, const char *path, const char *name, int min, int max,
	int *out)
{
	json_t *v = member(p, obj, path, name, WANT_INTEGER);
	if (!v)
		return false;
	json_int_t n = json_integer_value(v);
	if (n < min || n > max) {
		problem(p, field_of(p, path, name), "range", "must be from %d to %d", min, max);
		return false;
	}
	*out = (int)n;
	return true;
}

/* Enum member: index of its value in names (NULL-terminated, names[0] is
 * skipped), or 0 if bad (reported). */
static int
choice(struct parse *p, json_t *obj, const char *path, const char *name,
       const char *const *names)
{
	json_t *v = member(p, obj, path, name, WANT_STRING);
	if (!v)
		return 0;
	struct abuf all;
	abuf_init(&all, p->a);
	for (int i = 1; names[i]; i++) {
		if (strcmp(json_string_value(v), names[i]) == 0)
			return i;
		abuf_printf(&all, "%s%s", i > 1 ? ", " : "", names[i]);
	}
	problem(p, field_of(p, path, name), "enum", "must be one of: %s", all.data);
	return 0;
}

/* Array member whose size must be min..max. A wrong size is reported but
 * the array is still returned so its items get checked; NULL when missing
 * or not an array. Borrowed from obj. */
static json_t *
array(struct parse *p, json_t *obj, const char *path, const char *name, size_t min, size_t max)
{
	json_t *v = member(p, obj, path, name, WANT_ARRAY);
	if (!v)
		return NULL;
	size_t n = json_array_size(v);
	if (n >= min && n <= max)
		return v;
	if (min == max)
		problem(p, field_of(p, path, name), "count", "must have exactly %zu items", min);
	else if (min == 0)
		problem(p, field_of(p, path, name), "count", "must have at most %zu items", max);
	else
		problem(p, field_of(p, path, name), "count", "must have %zu to %zu items", min, max);
	return v;
}

/* Reports field as a duplicate when k is already in seen; else remembers
 * k with field as its first place. */
static void
unique(struct parse *p, json_t *seen, const char *k, const char *field)
{
	if (!k)
		return;
	json_t *first = json_object_get(seen, k);
	if (first)
		problem(p, field, "duplicate", "repeats %s", json_string_value(first));
	else
		json_object_set_new(seen, k, json_string(field));
}

/* The required "source" member of obj into *out. */
static void
parse_source(struct parse *p, json_t *obj, const char *path, struct rubric_source *out)
{
	json_t *s = member(p, obj, path, "source", WANT_OBJECT);
	if (!s)
		return;
	const char *sp = field_of(p, path, "source");
	only_members(p, s, sp, source_members);
	out->document = text(p, s, sp, "document", 1, 200);
	out->section = text(p, s, sp, "section", 1, 300);
}

/* Fills one item of an array from object o at path; set tracks keys. */
typedef void item_fn(struct parse *p, json_t *o, const char *path, void *item, json_t *set);

/* Checks the array member name (min..max items) and runs fn on every item
 * that is an object. Returns the items (size bytes each, zeroed, in the
 * arena) and their count in *n; NULL and 0 when the member is bad. */
static void *
items(struct parse *p, json_t *obj, const char *name, size_t min, size_t max, size_t size,
      size_t *n, item_fn *fn, json_t *set)
{
	json_t *arr = array(p, obj, "", name, min, max);
	*n = arr ? json_array_size(arr) : 0;
	if (!arr)
		return NULL;
	char *out = arena_alloc(p->a, *n * size);
	for (size_t i = 0; i < *n; i++) {
		const char *ip = index_of(p, name, i);
		json_t *o = json_array_get(arr, i);
		if (json_is_object(o))
			fn(p, o, ip, out + i * size, set);
		else
			problem(p, ip, "type", "must be an object");
	}
	return out;
}

/* One anchor (item i of a criterion's anchors) into c. */
static void
parse_anchor(struct parse *p, json_t *o, const char *path, size_t i, struct rubric_criterion *c)
{
	int level = 0;
	only_members(p, o, path, anchor_members);
	if (integer(p, o, path, "level", 1, RUBRIC_LEVELS, &level) && i < RUBRIC_LEVELS &&
	    level != (int)i + 1)
		problem(p, field_of(p, path, "level"), "order",
			"must be %zu: anchors go through levels 1, 2, 3, 4 in order", i + 1);
	const char *d = text(p, o, path, "description", 1, 1000);
	if (i < RUBRIC_LEVELS)
		c->anchors[i] = d;
}

/* A criterion's anchors: exactly four, levels 1, 2, 3, 4 in order. */
static void
parse_anchors(struct parse *p, json_t *o, const char *path, struct rubric_criterion *c)
{
	json_t *arr = array(p, o, path, "anchors", RUBRIC_LEVELS, RUBRIC_LEVELS);
	if (!arr)
		return;
	const char *ap = field_of(p, path, "anchors");
	for (size_t i = 0; i < json_array_size(arr); i++) {
		const char *ip = index_of(p, ap, i);
		json_t *a = json_array_get(arr, i);
		if (json_is_object(a))
			parse_anchor(p, a, ip, i, c);
		else
			problem(p, ip, "type", "must be an object");
	}
}

/* One criterion; keys maps criterion keys to their first path. */
static void
parse_criterion(struct parse *p, json_t *o, const char *path, void *item, json_t *keys)
{
	struct rubric_criterion *c = item;
	only_members(p, o, path, criterion_members);
	c->key = key(p, o, path, "key");
	unique(p, keys, c->key, field_of(p, path, "key"));
	c->title = text(p, o, path, "title", 1, 200);
	c->measures = text(p, o, path, "measures", 1, 2000);
	json_t *w = member(p, o, path, "weight", WANT_NUMBER);
	if (w && !(json_number_value(w) > 0 && json_number_value(w) <= 100))
		problem(p, field_of(p, path, "weight"), "range",
			"must be greater than 0 and at most 100");
	else if (w)
		c->weight = json_number_value(w);
	c->required = json_is_true(member(p, o, path, "required", WANT_BOOL));
	parse_anchors(p, o, path, c);
	parse_source(p, o, path, &c->source);
}

/* One red flag; keys maps red flag keys to their first path. */
static void
parse_red_flag(struct parse *p, json_t *o, const char *path, void *item, json_t *keys)
{
	struct rubric_red_flag *f = item;
	only_members(p, o, path, red_flag_members);
	f->key = key(p, o, path, "key");
	unique(p, keys, f->key, field_of(p, path, "key"));
	f->title = text(p, o, path, "title", 1, 200);
	f->why = text(p, o, path, "why", 1, 2000);
	f->severity = (enum rubric_severity)choice(p, o, path, "severity", severity_names);
	parse_source(p, o, path, &f->source);
}

/* A question's criteria tags: 1..10 distinct keys of this rubric's criteria. */
static void
parse_tags(struct parse *p, json_t *o, const char *path, struct rubric_question *q,
	   json_t *criteria)
{
	json_t *arr = array(p, o, path, "criteria", 1, RUBRIC_MAX_QUESTION_CRITERIA);
	if (!arr)
		return;
	const char *tp = field_of(p, path, "criteria");
	json_t *seen = json_object();
	q->criteria = arena_alloc(p->a, json_array_size(arr) * sizeof *q->criteria);
	for (size_t i = 0; i < json_array_size(arr); i++) {
		json_t *t = json_array_get(arr, i);
		const char *ip = index_of(p, tp, i);
		if (!json_is_string(t)) {
			problem(p, ip, "type", "must be a string");
			continue;
		}
		const char *k = json_string_value(t);
		if (!text_is_key(k, json_string_length(t)) || !json_object_get(criteria, k))
			problem(p, ip, "unknown_criterion", "names no criterion of this rubric");
		unique(p, seen, k, ip);
		q->criteria[q->n_criteria++] = arena_strdup(p->a, k);
	}
	json_decref(seen);
}

/* One question; criteria maps this rubric's criterion keys to their paths. */
static void
parse_question(struct parse *p, json_t *o, const char *path, void *item, json_t *criteria)
{
	struct rubric_question *q = item;
	only_members(p, o, path, question_members);
	q->prompt = text(p, o, path, "prompt", 1, 2000);
	parse_tags(p, o, path, q, criteria);
	q->strong_answer = text(p, o, path, "strong_answer", 1, 2000);
	parse_source(p, o, path, &q->source);
}

/* One logistics note; keys maps note keys to their first path. */
static void
parse_note(struct parse *p, json_t *o, const char *path, void *item, json_t *keys)
{
	struct rubric_note *n = item;
	only_members(p, o, path, note_members);
	n->key = key(p, o, path, "key");
	unique(p, keys, n->key, field_of(p, path, "key"));
	n->title = text(p, o, path, "title", 1, 200);
	n->prompt = text(p, o, path, "prompt", 1, 2000);
	n->visibility = (enum rubric_visibility)choice(p, o, path, "visibility", visibility_names);
}

/* The four arrays of a rubric document into r. */
static void
parse_lists(struct parse *p, json_t *doc, struct rubric *r)
{
	json_t *criteria = json_object(), *flags = json_object(), *notes = json_object();
	r->criteria = items(p, doc, "criteria", 1, RUBRIC_MAX_CRITERIA, sizeof *r->criteria,
			    &r->n_criteria, parse_criterion, criteria);
	r->red_flags = items(p, doc, "red_flags", 0, RUBRIC_MAX_RED_FLAGS, sizeof *r->red_flags,
			     &r->n_red_flags, parse_red_flag, flags);
	r->questions = items(p, doc, "questions", 0, RUBRIC_MAX_QUESTIONS, sizeof *r->questions,
			     &r->n_questions, parse_question, criteria);
	r->notes = items(p, doc, "notes", 0, RUBRIC_MAX_NOTES, sizeof *r->notes,
			 &r->n_notes, parse_note, notes);
	json_decref(criteria);
	json_decref(flags);
	json_decref(notes);
}

bool
rubric_parse(struct arena *a, json_t *doc, struct rubric *out, json_t *errors)
{
	struct parse p = {.a = a, .errors = json_is_array(errors) ? errors : NULL, .ok = true};
	memset(out, 0, sizeof *out);
	if (!json_is_object(doc)) {
		problem(&p, "", "type", "must be a JSON object");
		return false;
	}
	only_members(&p, doc, "", rubric_members);
	out->key = key(&p, doc, "", "key");
	integer(&p, doc, "", "version", 1, 100000, &out->version);
	out->kind = key(&p, doc, "", "kind");
	out->title = text(&p, doc, "", "title", 1, 200);
	integer(&p, doc, "", "duration_minutes", 5, 480, &out->duration_minutes);
	out->summary = text(&p, doc, "", "summary", 0, 2000);
	parse_lists(&p, doc, out);
	return p.ok;
}

char *
rubric_canonical(struct arena *a, json_t *doc)
{
	if (!doc)
		return NULL;
	char *s = json_dumps(doc, JSON_COMPACT | JSON_SORT_KEYS);
	if (!s)
		return NULL;
	char *copy = arena_strdup(a, s);
	free(s);
	return copy;
}

char *
rubric_digest(struct arena *a, json_t *doc)
{
	char *s = doc ? canon_json(a, doc) : NULL;
	return s ? crypto_sha256_hex(a, s, strlen(s)) : NULL;
}

const struct rubric_criterion *
rubric_criterion(const struct rubric *r, const char *key)
{
	for (size_t i = 0; i < r->n_criteria; i++)
		if (r->criteria[i].key && strcmp(r->criteria[i].key, key) == 0)
			return &r->criteria[i];
	return NULL;
}

const struct rubric_red_flag *
rubric_red_flag(const struct rubric *r, const char *key)
{
	for (size_t i = 0; i < r->n_red_flags; i++)
		if (r->red_flags[i].key && strcmp(r->red_flags[i].key, key) == 0)
			return &r->red_flags[i];
	return NULL;
}

const struct rubric_note *
rubric_note(const struct rubric *r, const char *key)
{
	for (size_t i = 0; i < r->n_notes; i++)
		if (r->notes[i].key && strcmp(r->notes[i].key, key) == 0)
			return &r->notes[i];
	return NULL;
}

size_t
rubric_required_count(const struct rubric *r)
{
	size_t n = 0;
	for (size_t i = 0; i < r->n_criteria; i++)
		n += r->criteria[i].required;
	return n;
}

double
rubric_weight_total(const struct rubric *r)
{
	double w = 0;
	for (size_t i = 0; i < r->n_criteria; i++)
		w += r->criteria[i].weight;
	return w;
}

const char *
rubric_severity_name(enum rubric_severity s)
{
	return s >= RUBRIC_SEVERITY_MAJOR && s <= RUBRIC_SEVERITY_CRITICAL ? severity_names[s] : NULL;
}

const char *
rubric_visibility_name(enum rubric_visibility v)
{
	return v == RUBRIC_VISIBLE_RECRUITERS_AND_HIRING_MANAGERS ? visibility_names[v] : NULL;
}
