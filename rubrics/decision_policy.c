#include <math.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>
#include "base/text.h"
#include "rubrics/decision.h"

/* The org's decision policy: defaults, validation, JSON in and out. */

#define THRESHOLD_MIN 1.0
#define THRESHOLD_MAX 4.0
#define SPLIT_MAX 3
#define K_MAX 1000.0
#define WEIGHT_MAX 100.0

static const char *const policy_members[] = {
	"hire_threshold", "max_split", "shrinkage_k", "count_shadows",
	"critical_flag_blocks", "bar_raiser_no_blocks", "round_weights", NULL};

/* Where validation problems go. */
struct check {
	struct arena *a;
	json_t *errors;		/* NULL: only decide */
	bool ok;
};

struct decision_policy
decision_policy_defaults(void)
{
	return (struct decision_policy){
		.version = 0,
		.hire_threshold = 3.0,
		.max_split = 1,
		.shrinkage_k = 5.0,
		.count_shadows = false,
		.critical_flag_blocks = true,
		.bar_raiser_no_blocks = true,
		.round_weights = NULL,
		.n_round_weights = 0,
	};
}

/* Records one problem at field (appended to c->errors when there is one). */
static void __attribute__((format(printf, 4, 5)))
problem(struct check *c, const char *field, const char *code, const char *fmt, ...)
{
	c->ok = false;
	if (!c->errors)
		return;
	va_list ap;
	va_start(ap, fmt);
	char *msg = arena_vprintf(c->a, fmt, ap);
	va_end(ap);
	json_t *e = json_object();
	json_t *f = json_string(field);
	json_object_set_new(e, "field", f ? f : json_string("round_weights"));
	json_object_set_new(e, "code", json_string(code));
	json_object_set_new(e, "message", json_string(msg));
	json_array_append_new(c->errors, e);
}

/* True when x is finite and within lo..hi. */
static bool
within(double x, double lo, double hi)
{
	return isfinite(x) && x >= lo && x <= hi;
}

/* The error field of round weight i: "round_weights.<kind>" (in c->a). */
static const char *
weight_field(struct check *c, const struct decision_round_weight *w, size_t i)
{
	if (w->kind)
		return arena_printf(c->a, "round_weights.%s", w->kind);
	return arena_printf(c->a, "round_weights[%zu]", i);
}

/* Round weight i: a key for a kind not listed before it, 0 < weight <= 100. */
static void
check_weight(struct check *c, const struct decision_policy *p, size_t i)
{
	const struct decision_round_weight *w = &p->round_weights[i];
	const char *field = weight_field(c, w, i);
	if (!w->kind || !text_is_key(w->kind, strlen(w->kind)))
		problem(c, field, "pattern", "must be a round kind: ^[a-z][a-z0-9_]{1,63}$");
	for (size_t j = 0; w->kind && j < i; j++)
		if (p->round_weights[j].kind && strcmp(p->round_weights[j].kind, w->kind) == 0) {
			problem(c, field, "duplicate", "names a round kind already given a weight");
			break;
		}
	if (!(isfinite(w->weight) && w->weight > 0 && w->weight <= WEIGHT_MAX))
		problem(c, field, "range", "must be greater than 0 and at most 100");
}

/* The scalar members of p. */
static void
check_scalars(struct check *c, const struct decision_policy *p)
{
	if (p->version < 0)
		problem(c, "version", "range", "must be 0 or more");
	if (!within(p->hire_threshold, THRESHOLD_MIN, THRESHOLD_MAX))
		problem(c, "hire_threshold", "range", "must be from 1 to 4");
	else if (fabs(p->hire_threshold * 100 - round(p->hire_threshold * 100)) > 1e-9)
		problem(c, "hire_threshold", "precision", "must have at most 2 decimals");
	if (p->max_split < 0 || p->max_split > SPLIT_MAX)
		problem(c, "max_split", "range", "must be from 0 to 3");
	if (!within(p->shrinkage_k, 0, K_MAX))
		problem(c, "shrinkage_k", "range", "must be from 0 to 1000");
}

bool
decision_policy_validate(struct arena *a, const struct decision_policy *p, json_t *errors)
{
	struct check c = {.a = a, .errors = json_is_array(errors) ? errors : NULL, .ok = true};
	check_scalars(&c, p);
	if (p->n_round_weights > DECISION_MAX_ROUND_WEIGHTS)
		problem(&c, "round_weights", "count", "must have at most %d members",
			DECISION_MAX_ROUND_WEIGHTS);
	else if (p->n_round_weights && !p->round_weights)
		problem(&c, "round_weights", "missing", "is counted but not given");
	else
		for (size_t i = 0; i < p->n_round_weights; i++)
			check_weight(&c, p, i);
	return c.ok;
}

enum want { WANT_NUMBER, WANT_INTEGER, WANT_BOOL, WANT_OBJECT };

static const char *const want_name[] = {
	[WANT_NUMBER] = "a number", [WANT_INTEGER] = "an integer",
	[WANT_BOOL] = "true or false", [WANT_OBJECT] = "an object of round kind to weight",
};

/* Member name of doc, borrowed; NULL when absent or of the wrong type
 * (then reported). */
static json_t *
typed(struct check *c, json_t *doc, const char *name, enum want w)
{
	json_t *v = json_object_get(doc, name);
	bool good = !v;
	switch (w) {
	case WANT_NUMBER:	good = good || json_is_number(v); break;
	case WANT_INTEGER:	good = good || json_is_integer(v); break;
	case WANT_BOOL:		good = good || json_is_boolean(v); break;
	case WANT_OBJECT:	good = good || json_is_object(v); break;
	}
	if (!good)
		problem(c, name, "type", "must be %s", want_name[w]);
	return good ? v : NULL;
}

/* Orders round weights by kind. */
static int
weight_cmp(const void *x, const void *y)
{
	const struct decision_round_weight *a = x, *b = y;
	return strcmp(a->kind, b->kind);
}

/* The round_weights object into out (kinds copied into a, sorted). */
static void
parse_weights(struct check *c, json_t *obj, struct decision_policy *out)
{
	size_t n = json_object_size(obj);
	struct decision_round_weight *w = arena_alloc(c->a, (n ? n : 1) * sizeof *w);
	const char *k;
	json_t *v;
	size_t i = 0;
	json_object_foreach(obj, k, v) {
		if (!json_is_number(v)) {
			problem(c, arena_printf(c->a, "round_weights.%s", k), "type",
				"must be a number");
			continue;
		}
		w[i].kind = arena_strdup(c->a, k);
		w[i++].weight = json_number_value(v);
	}
	qsort(w, i, sizeof *w, weight_cmp);
	out->round_weights = w;
	out->n_round_weights = i;
}

/* Reports every member of doc that a policy does not have. */
static void
only_members(struct check *c, json_t *doc)
{
	const char *k;
	json_t *v;
	json_object_foreach(doc, k, v) {
		bool known = false;
		for (const char *const *m = policy_members; *m && !known; m++)
			known = strcmp(*m, k) == 0;
		if (!known)
			problem(c, k, "unknown_member", "is not a member of the decision policy");
	}
}

bool
decision_policy_from_json(struct arena *a, json_t *doc, struct decision_policy *out,
			  json_t *errors)
{
	struct check c = {.a = a, .errors = json_is_array(errors) ? errors : NULL, .ok = true};
	*out = decision_policy_defaults();
	if (!json_is_object(doc)) {
		problem(&c, "", "type", "must be a JSON object");
		return false;
	}
	only_members(&c, doc);
	json_t *v;
	if ((v = typed(&c, doc, "hire_threshold", WANT_NUMBER)))
		out->hire_threshold = json_number_value(v);
	if ((v = typed(&c, doc, "max_split", WANT_INTEGER))) {
		json_int_t n = json_integer_value(v);
		out->max_split = n >= 0 && n <= SPLIT_MAX ? (int)n : -1;	/* -1: out of range */
	}
	if ((v = typed(&c, doc, "shrinkage_k", WANT_NUMBER)))
		out->shrinkage_k = json_number_value(v);
	if ((v = typed(&c, doc, "count_shadows", WANT_BOOL)))
		out->count_shadows = json_is_true(v);
	if ((v = typed(&c, doc, "critical_flag_blocks", WANT_BOOL)))
		out->critical_flag_blocks = json_is_true(v);
	if ((v = typed(&c, doc, "bar_raiser_no_blocks", WANT_BOOL)))
		out->bar_raiser_no_blocks = json_is_true(v);
	if ((v = typed(&c, doc, "round_weights", WANT_OBJECT)))
		parse_weights(&c, v, out);
	bool valid = decision_policy_validate(a, out, c.errors);
	return c.ok && valid;
}

json_t *
decision_policy_to_json(const struct decision_policy *p)
{
	json_t *weights = json_object();
	for (size_t i = 0; i < p->n_round_weights; i++)
		if (p->round_weights[i].kind)
			json_object_set_new(weights, p->round_weights[i].kind,
					    json_real(p->round_weights[i].weight));
	return json_pack("{s:f, s:i, s:f, s:b, s:b, s:b, s:o}",
			 "hire_threshold", p->hire_threshold, "max_split", p->max_split,
			 "shrinkage_k", p->shrinkage_k, "count_shadows", p->count_shadows,
			 "critical_flag_blocks", p->critical_flag_blocks,
			 "bar_raiser_no_blocks", p->bar_raiser_no_blocks, "round_weights", weights);
}
