#include "base/text.h"
#include "rubrics/decision.h"

/*
 * A canonical text form of a decision packet: one line per item, members
 * in a fixed order, strings JSON-escaped in double quotes, figures with two
 * decimals. Equal packets give byte-identical text.
 */

/* Appends name="s" (s JSON-escaped; NULL as null) to b. */
static void
put_str(struct abuf *b, const char *name, const char *s)
{
	if (!s) {
		abuf_printf(b, " %s=null", name);
		return;
	}
	abuf_printf(b, " %s=\"", name);
	text_json_escape(b, s);
	abuf_puts(b, "\"");
}

/* One rating line, indented by indent. */
static void
dump_rating(struct abuf *b, const char *indent, const struct decision_packet_rating *r)
{
	abuf_printf(b, "%srating", indent);
	put_str(b, "round", r->round_id);
	put_str(b, "scorecard", r->scorecard_id);
	put_str(b, "interviewer", r->interviewer_id);
	put_str(b, "name", r->interviewer_name);
	abuf_printf(b, " role=%s counted=%d rating=%d calibrated=%.2f",
		    decision_role_name(r->role), r->counted, r->rating, r->calibrated);
	put_str(b, "evidence", r->evidence);
	abuf_puts(b, "\n");
}

/* One criterion line and its ratings, indented by indent. */
static void
dump_criterion(struct abuf *b, const char *indent, const struct decision_packet_criterion *c)
{
	abuf_printf(b, "%scriterion", indent);
	put_str(b, "round", c->round_id);
	put_str(b, "rubric", c->rubric_key);
	abuf_printf(b, " version=%d", c->rubric_version);
	put_str(b, "key", c->key);
	put_str(b, "title", c->title);
	abuf_printf(b, " weight=%.2f required=%d ratings=%zu counted=%zu mean=%.2f "
		    "calibrated_mean=%.2f min=%d max=%d spread=%d\n", c->weight, c->required,
		    c->n_ratings, c->n_counted, c->mean, c->calibrated_mean, c->min, c->max,
		    c->spread);
	for (size_t i = 0; i < c->n_ratings; i++)
		dump_rating(b, indent[0] ? "    " : "  ", &c->ratings[i]);
}

/* One scorecard headline line. */
static void
dump_scorecard(struct abuf *b, const struct decision_packet_scorecard *s)
{
	abuf_puts(b, "  scorecard");
	put_str(b, "id", s->id);
	abuf_printf(b, " version=%d", s->version);
	put_str(b, "interviewer", s->interviewer_id);
	put_str(b, "name", s->interviewer_name);
	abuf_printf(b, " role=%s counted=%d recommendation=%s red_flags=%zu",
		    decision_role_name(s->role), s->counted,
		    decision_vote_name(s->recommendation), s->n_red_flags);
	put_str(b, "summary", s->summary);
	abuf_puts(b, "\n");
}

/* One round line with its scorecards and criteria. */
static void
dump_round(struct abuf *b, const struct decision_packet_round *r)
{
	abuf_puts(b, "round");
	put_str(b, "id", r->id);
	put_str(b, "kind", r->kind);
	abuf_printf(b, " required=%d status=%s held=%d covered=%d", r->required,
		    decision_round_status_name(r->status), r->held, r->covered);
	put_str(b, "rubric", r->rubric_key);
	abuf_printf(b, " version=%d weight=%.2f scored=%d score=%.2f raw_score=%.2f\n",
		    r->rubric_version, r->weight, r->scored, r->score, r->raw_score);
	for (size_t i = 0; i < r->n_scorecards; i++)
		dump_scorecard(b, &r->scorecards[i]);
	for (size_t i = 0; i < r->n_criteria; i++)
		dump_criterion(b, "  ", &r->criteria[i]);
}

/* One reason line. */
static void
dump_reason(struct abuf *b, const struct decision_reason *r)
{
	abuf_printf(b, "reason code=%s class=%s", decision_reason_name(r->code),
		    decision_class_name(decision_reason_class(r->code)));
	put_str(b, "message", r->message);
	abuf_puts(b, " refs=");
	for (size_t i = 0; i < r->n_refs; i++)
		abuf_printf(b, "%s%s:%s", i ? "," : "", decision_ref_type_name(r->refs[i].type),
			    r->refs[i].id);
	abuf_puts(b, "\n");
}

/* One red flag line. */
static void
dump_flag(struct abuf *b, const struct decision_packet_flag *f)
{
	abuf_puts(b, "red_flag");
	put_str(b, "round", f->round_id);
	put_str(b, "scorecard", f->scorecard_id);
	put_str(b, "interviewer", f->interviewer_id);
	put_str(b, "name", f->interviewer_name);
	abuf_printf(b, " role=%s counted=%d", decision_role_name(f->role), f->counted);
	put_str(b, "key", f->key);
	put_str(b, "title", f->title);
	abuf_printf(b, " severity=%s blocks=%d", rubric_severity_name(f->severity), f->blocks);
	put_str(b, "evidence", f->evidence);
	abuf_puts(b, "\n");
}

/* One interviewer line. */
static void
dump_interviewer(struct abuf *b, const struct decision_packet_interviewer *p)
{
	abuf_puts(b, "interviewer");
	put_str(b, "id", p->user_id);
	put_str(b, "name", p->name);
	abuf_printf(b, " n=%lld mean_deviation=%.2f shrink=%.2f leniency=%.2f scorecards=%zu "
		    "counted=%d\n", p->n, p->mean_deviation, p->shrink, p->leniency,
		    p->n_scorecards, p->counted);
}

char *
decision_packet_dump(struct arena *a, const struct decision_packet *p)
{
	struct abuf b;
	abuf_init(&b, a);
	abuf_printf(&b, "packet recommendation=%s scored=%d score=%.2f raw_score=%.2f "
		    "hire_threshold=%.2f policy_version=%d\n",
		    decision_outcome_name(p->recommendation), p->scored, p->score, p->raw_score,
		    p->hire_threshold, p->policy_version);
	for (size_t i = 0; i < p->n_reasons; i++)
		dump_reason(&b, &p->reasons[i]);
	for (size_t i = 0; i < p->n_rounds; i++)
		dump_round(&b, &p->rounds[i]);
	for (size_t i = 0; i < p->n_criteria; i++)
		dump_criterion(&b, "", &p->criteria[i]);
	for (size_t i = 0; i < p->n_red_flags; i++)
		dump_flag(&b, &p->red_flags[i]);
	for (size_t i = 0; i < p->n_interviewers; i++)
		dump_interviewer(&b, &p->interviewers[i]);
	return b.data;
}
