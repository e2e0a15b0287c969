/* The compiled-in rubric catalogue: rubric versions and loop templates. */
#include <stdlib.h>
#include <string.h>
#include "base/canon.h"
#include "base/crypto.h"
#include "base/text.h"
#include "rubrics/catalog.h"

static const char *const template_members[] = {"key", "title", "summary", "rounds", NULL};
static const char *const round_members[] = {"kind", "rubric_key", "required", NULL};

/* True when path is directly inside dir and ends in ".json". */
static bool
in_dir(const char *path, const char *dir)
{
	size_t n = strlen(dir), len = strlen(path);
	return strncmp(path, dir, n) == 0 && !strchr(path + n, '/') && len > n + 5 &&
	       strcmp(path + len - 5, ".json") == 0;
}

/* The file's name without its directory. */
static const char *
base_name(const char *path)
{
	const char *slash = strrchr(path, '/');
	return slash ? slash + 1 : path;
}


/* "field: message; field: message" from a validator's errors array, in a. */
static char *
error_list(struct arena *a, json_t *errors)
{
	struct abuf b;
	abuf_init(&b, a);
	size_t i;
	json_t *e;
	json_array_foreach(errors, i, e) {
		const char *f = json_string_value(json_object_get(e, "field"));
		abuf_printf(&b, "%s%s: %s", i ? "; " : "", f && *f ? f : "(document)",
			    json_string_value(json_object_get(e, "message")));
	}
	return b.data;
}

/* Appends {"field","code","message"} to errors. */
static void
add_error(json_t *errors, const char *field, const char *code, const char *message)
{
	json_array_append_new(errors, json_pack("{s:s, s:s, s:s}", "field", field, "code", code,
						"message", message));
}

/* The file's JSON document (new reference), or NULL with *why set. */
static json_t *
load_json(struct arena *a, const struct embedded_file *f, char **why)
{
	json_error_t err;
	json_t *doc = json_loadb(f->data, f->len, JSON_REJECT_DUPLICATES, &err);
	if (!doc)
		*why = arena_printf(a, "%s is not valid JSON: %s (line %d)", f->path, err.text,
				    err.line);
	return doc;
}

/* Validates one rubric file into *out; false with *why naming the file. */
static bool
parse_rubric(struct arena *a, const struct embedded_file *f, struct catalog_rubric *out,
	     char **why)
{
	json_t *doc = load_json(a, f, why);
	if (!doc)
		return false;
	json_t *errors = json_array();
	bool ok = rubric_parse(a, doc, &out->rubric, errors);
	if (ok) {
		const char *want = arena_printf(a, "%s.v%d.json", out->rubric.key, out->rubric.version);
		if (strcmp(base_name(f->path), want) != 0)
			*why = arena_printf(a, "%s holds rubric %s version %d: name the file %s",
					    f->path, out->rubric.key, out->rubric.version, want);
		ok = strcmp(base_name(f->path), want) == 0;
	} else {
		*why = arena_printf(a, "%s is not a valid rubric: %s", f->path, error_list(a, errors));
	}
	out->file = f->path;
	out->document = ok ? canon_json(a, doc) : NULL;
	out->digest = ok ? rubric_digest(a, doc) : NULL;
	json_decref(errors);
	json_decref(doc);
	return ok;
}

/* A key-pattern string member of o, or NULL (reported at path.name). */
static const char *
key_member(struct arena *a, json_t *o, const char *path, const char *name, json_t *errors)
{
	const char *s = json_string_value(json_object_get(o, name));
	if (!text_is_key(s, strlen(s))) {
		add_error(errors, arena_printf(a, "%s%s", path, name), "pattern",
			  "must be a key matching ^[a-z][a-z0-9_]{1,63}$");
		return NULL;
	}
	return arena_strdup(a, s);
}

/* Reports every member of o not in allowed. */
static void
only_members(struct arena *a, json_t *o, const char *path, const char *const *allowed,
	     json_t *errors)
{
	const char *k;
	json_t *v;
	json_object_foreach(o, k, v) {
		bool known = false;
		for (const char *const *m = allowed; *m && !known; m++)
			known = strcmp(*m, k) == 0;
		if (!known)
			add_error(errors, arena_printf(a, "%s%s", path, k), "unknown_member",
				  "is not a known member");
	}
}

/* One round of a template: its rubric must be in c and grade its kind. */
static void
parse_round(struct arena *a, const struct catalog *c, json_t *o, const char *path,
	    struct catalog_round *r, json_t *errors)
{
	if (!json_is_object(o)) {
		add_error(errors, path, "type", "must be an object");
		return;
	}
	const char *dot = arena_printf(a, "%s.", path);
	only_members(a, o, dot, round_members, errors);
	r->kind = key_member(a, o, dot, "kind", errors);
	r->rubric_key = key_member(a, o, dot, "rubric_key", errors);
	json_t *req = json_object_get(o, "required");
	if (!json_is_boolean(req))
		add_error(errors, arena_printf(a, "%srequired", dot), "type", "must be true or false");
	r->required = json_is_true(req);
	if (!r->kind || !r->rubric_key)
		return;
	const struct catalog_rubric *rb = catalog_rubric(c, r->rubric_key, 0);
	if (!rb)
		add_error(errors, arena_printf(a, "%srubric_key", dot), "unknown_rubric",
			  "names no rubric of the catalogue");
	else if (strcmp(rb->rubric.kind, r->kind) != 0)
		add_error(errors, arena_printf(a, "%skind", dot), "mismatch",
			  "differs from the kind its rubric grades");
}

/* The rounds array of a template document into t. */
static void
parse_rounds(struct arena *a, const struct catalog *c, json_t *doc, struct catalog_template *t,
	     json_t *errors)
{
	json_t *rounds = json_object_get(doc, "rounds");
	size_t n = json_array_size(rounds);
	if (!json_is_array(rounds) || n < 1 || n > CATALOG_MAX_ROUNDS) {
		add_error(errors, "rounds", "type", "must be an array of 1 to 20 rounds");
		return;
	}
	t->rounds = arena_alloc(a, n * sizeof *t->rounds);
	t->n_rounds = n;
	for (size_t i = 0; i < n; i++)
		parse_round(a, c, json_array_get(rounds, i), arena_printf(a, "rounds[%zu]", i),
			    &t->rounds[i], errors);
}

/* The members of a template document other than its rounds. */
static void
parse_template_head(struct arena *a, json_t *doc, struct catalog_template *t, json_t *errors)
{
	only_members(a, doc, "", template_members, errors);
	t->key = key_member(a, doc, "", "key", errors);
	const char *title = json_string_value(json_object_get(doc, "title"));
	if (!title || !*title || strlen(title) > 200)
		add_error(errors, "title", "type", "must be a string of 1 to 200 characters");
	t->title = title ? arena_strdup(a, title) : NULL;
	json_t *summary = json_object_get(doc, "summary");
	if (summary && !json_is_string(summary))
		add_error(errors, "summary", "type", "must be a string");
}

/* Validates one template file (rubrics already parsed into c). */
static bool
parse_template(struct arena *a, const struct catalog *c, const struct embedded_file *f,
	       struct catalog_template *out, char **why)
{
	json_t *doc = load_json(a, f, why);
	if (!doc)
		return false;
	json_t *errors = json_array();
	if (!json_is_object(doc)) {
		add_error(errors, "(document)", "type", "must be a JSON object");
	} else {
		parse_template_head(a, doc, out, errors);
		parse_rounds(a, c, doc, out, errors);
	}
	const char *want = out->key ? arena_printf(a, "%s.json", out->key) : NULL;
	bool ok = json_array_size(errors) == 0;
	if (!ok)
		*why = arena_printf(a, "%s is not a valid loop template: %s", f->path,
				    error_list(a, errors));
	else if (strcmp(base_name(f->path), want) != 0)
		*why = arena_printf(a, "%s holds template %s: name the file %s", f->path, out->key,
				    want);
	ok = ok && strcmp(base_name(f->path), want) == 0;
	out->file = f->path;
	out->document = ok ? canon_json(a, doc) : NULL;
	out->digest = ok ? crypto_sha256_hex(a, out->document, strlen(out->document)) : NULL;
	json_decref(errors);
	json_decref(doc);
	return ok;
}

/* How many files of the table lie directly inside dir. */
static size_t
count_in(const struct embedded_file *files, const char *dir)
{
	size_t n = 0;
	for (const struct embedded_file *f = files; f->path; f++)
		n += in_dir(f->path, dir);
	return n;
}

bool
catalog_parse(struct arena *a, const struct embedded_file *files, struct catalog *out,
	      char **why)
{
	memset(out, 0, sizeof *out);
	*why = NULL;
	out->rubrics = arena_alloc(a, (count_in(files, CATALOG_DIR) + 1) * sizeof *out->rubrics);
	out->templates = arena_alloc(a, (count_in(files, CATALOG_TEMPLATE_DIR) + 1) *
					    sizeof *out->templates);
	for (const struct embedded_file *f = files; f->path; f++)
		if (in_dir(f->path, CATALOG_DIR) &&
		    !parse_rubric(a, f, &out->rubrics[out->n_rubrics++], why))
			return false;
	for (const struct embedded_file *f = files; f->path; f++)
		if (in_dir(f->path, CATALOG_TEMPLATE_DIR) &&
		    !parse_template(a, out, f, &out->templates[out->n_templates++], why))
			return false;
	return true;
}

bool
catalog_load(struct arena *a, struct catalog *out, char **why)
{
	return catalog_parse(a, embedded_files, out, why);
}

const struct catalog_rubric *
catalog_rubric(const struct catalog *c, const char *key, int version)
{
	const struct catalog_rubric *best = NULL;
	for (size_t i = 0; i < c->n_rubrics; i++) {
		const struct rubric *r = &c->rubrics[i].rubric;
		if (strcmp(r->key, key) != 0 || (version > 0 && r->version != version))
			continue;
		if (!best || r->version > best->rubric.version)
			best = &c->rubrics[i];
	}
	return best;
}
