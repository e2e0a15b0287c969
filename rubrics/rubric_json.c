/* A parsed rubric as the API serves it: the document's own shape. */
#include "rubrics/rubric.h"

/* A weight as JSON: an integer when it is whole (as documents write it). */
static json_t *
weight_json(double w)
{
	if (w > -1e15 && w < 1e15 && (double)(json_int_t)w == w)
		return json_integer((json_int_t)w);
	return json_real(w);
}

/* A source object; new reference. */
static json_t *
source_json(const struct rubric_source *s)
{
	return json_pack("{s:s?, s:s?}", "document", s->document, "section", s->section);
}

/* A criterion object; new reference. */
static json_t *
criterion_json(const struct rubric_criterion *c)
{
	json_t *anchors = json_array();
	for (int i = 0; i < RUBRIC_LEVELS; i++)
		json_array_append_new(anchors, json_pack("{s:i, s:s?}", "level", i + 1,
							 "description", c->anchors[i]));
	return json_pack("{s:s?, s:s?, s:s?, s:o, s:b, s:o, s:o}", "key", c->key,
			 "title", c->title, "measures", c->measures, "weight", weight_json(c->weight),
			 "required", c->required, "anchors", anchors, "source", source_json(&c->source));
}

/* A red flag object; new reference. */
static json_t *
red_flag_json(const struct rubric_red_flag *f)
{
	return json_pack("{s:s?, s:s?, s:s?, s:s?, s:o}", "key", f->key, "title", f->title,
			 "why", f->why, "severity", rubric_severity_name(f->severity),
			 "source", source_json(&f->source));
}

/* A question object; new reference. */
static json_t *
question_json(const struct rubric_question *q)
{
	json_t *tags = json_array();
	for (size_t i = 0; i < q->n_criteria; i++)
		json_array_append_new(tags, json_string(q->criteria[i]));
	return json_pack("{s:s?, s:o, s:s?, s:o}", "prompt", q->prompt, "criteria", tags,
			 "strong_answer", q->strong_answer, "source", source_json(&q->source));
}

/* A note object; new reference. */
static json_t *
note_json(const struct rubric_note *n)
{
	return json_pack("{s:s?, s:s?, s:s?, s:s?}", "key", n->key, "title", n->title,
			 "prompt", n->prompt, "visibility", rubric_visibility_name(n->visibility));
}

/* The rubric as JSON; a new reference the caller owns. */
json_t *
rubric_to_json(const struct rubric *r)
{
	json_t *criteria = json_array(), *flags = json_array();
	json_t *questions = json_array(), *notes = json_array();
	for (size_t i = 0; i < r->n_criteria; i++)
		json_array_append_new(criteria, criterion_json(&r->criteria[i]));
	for (size_t i = 0; i < r->n_red_flags; i++)
		json_array_append_new(flags, red_flag_json(&r->red_flags[i]));
	for (size_t i = 0; i < r->n_questions; i++)
		json_array_append_new(questions, question_json(&r->questions[i]));
	for (size_t i = 0; i < r->n_notes; i++)
		json_array_append_new(notes, note_json(&r->notes[i]));
	return json_pack("{s:s?, s:i, s:s?, s:s?, s:i, s:s?, s:o, s:o, s:o, s:o}",
			 "key", r->key, "version", r->version, "kind", r->kind, "title", r->title,
			 "duration_minutes", r->duration_minutes, "summary", r->summary,
			 "criteria", criteria, "red_flags", flags, "questions", questions,
			 "notes", notes);
}
