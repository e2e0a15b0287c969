/* The calibration report: per interviewer and per rubric criterion. */
#include <stdio.h>
#include <string.h>
#include "db/decision_internal.h"

/* A page of the org's interviewers (users holding any seat on a round), in
 * keyset order of (created_at, id), each with their figures. $4: hours
 * after its round's end that a lead or bar-raiser scorecard is due. */
#define REPORT_PEOPLE(cmp, ord) \
	"SELECT u.id, u.name, " DB_TS("u.created_at") "," \
	" sc.n, sc.mean, coalesce(st.n, 0), coalesce(st.sum_deviation, 0)," \
	" sc.decided, sc.matched, sc.median_hours, du.due, du.late" \
	" FROM users u" \
	" LEFT JOIN interviewer_stats st ON st.org_id = u.org_id AND st.user_id = u.id" \
	" CROSS JOIN LATERAL (SELECT count(*) AS n," \
	"   (SELECT avg(sr.rating)::float8 FROM scorecards s2 JOIN scorecard_ratings sr" \
	"     ON sr.org_id = s2.org_id AND sr.scorecard_id = s2.id AND sr.revision = s2.revision" \
	"     WHERE s2.org_id = u.org_id AND s2.author_id = u.id AND s2.status = 'submitted'" \
	"     AND sr.rating IS NOT NULL) AS mean," \
	"   count(d.id) AS decided," \
	"   count(d.id) FILTER (WHERE (d.outcome = 'hire') =" \
	"     (rv.recommendation IN ('yes', 'strong_yes'))) AS matched," \
	"   percentile_cont(0.5) WITHIN GROUP (ORDER BY" \
	"     extract(epoch FROM s.first_submitted_at - r.ends_at) / 3600) AS median_hours" \
	"  FROM scorecards s" \
	"  JOIN scorecard_revisions rv ON rv.org_id = s.org_id AND rv.scorecard_id = s.id" \
	"   AND rv.revision = s.revision" \
	"  JOIN rounds r ON r.org_id = s.org_id AND r.id = s.round_id" \
	"  LEFT JOIN decisions d ON d.org_id = s.org_id AND d.loop_id = s.loop_id" \
	"  WHERE s.org_id = u.org_id AND s.author_id = u.id AND s.status = 'submitted') sc" \
	" CROSS JOIN LATERAL (SELECT count(*) AS due," \
	"   count(*) FILTER (WHERE s.first_submitted_at IS NULL" \
	"    OR s.first_submitted_at > r.ends_at + make_interval(hours => $4)) AS late" \
	"  FROM round_interviewers ri JOIN rounds r ON r.org_id = ri.org_id AND r.id = ri.round_id" \
	"  LEFT JOIN scorecards s ON s.org_id = ri.org_id AND s.round_id = ri.round_id" \
	"   AND s.author_id = ri.user_id AND s.status = 'submitted'" \
	"  WHERE ri.org_id = u.org_id AND ri.user_id = u.id AND ri.role IN ('lead', 'bar_raiser')" \
	"  AND r.status IN ('scheduled', 'completed') AND r.ends_at IS NOT NULL" \
	"  AND (s.id IS NOT NULL OR r.ends_at + make_interval(hours => $4) <= now())) du" \
	" WHERE u.org_id = $1 AND (u.created_at, u.id) " cmp " ($2::timestamptz, $3::uuid)" \
	" AND EXISTS (SELECT 1 FROM round_interviewers ri" \
	"  WHERE ri.org_id = u.org_id AND ri.user_id = u.id)" \
	" ORDER BY u.created_at" ord ", u.id" ord " LIMIT $5"
/* Oldest interviewer first (">"), or newest first ("<", ord " DESC"). */
static struct db_stmt report_people[2] = {
	{"report_interviewers", REPORT_PEOPLE(">", "")},
	{"report_interviewers_desc", REPORT_PEOPLE("<", " DESC")}};

/* Per rubric criterion: loops where two or more panelists rated it, and of
 * those the ones where two ratings are 2 or more points apart. */
static struct db_stmt report_criteria = {"report_criteria",
	"WITH x AS (SELECT r.rubric_key, sr.criterion, s.loop_id,"
	"  max(sr.rating) - min(sr.rating) AS spread"
	"  FROM scorecards s JOIN rounds r ON r.org_id = s.org_id AND r.id = s.round_id"
	"  JOIN scorecard_ratings sr ON sr.org_id = s.org_id AND sr.scorecard_id = s.id"
	"   AND sr.revision = s.revision"
	"  WHERE s.org_id = $1 AND s.status = 'submitted' AND sr.rating IS NOT NULL"
	"  GROUP BY r.rubric_key, sr.criterion, s.loop_id HAVING count(DISTINCT s.author_id) >= 2)"
	" SELECT rubric_key, criterion, count(*), count(*) FILTER (WHERE spread >= 2) FROM x"
	" GROUP BY rubric_key, criterion ORDER BY rubric_key, criterion"};

static void
person_row(struct arena *a, const PGresult *r, int i, struct db_report_interviewer *p)
{
	p->user_id = db_str(a, r, i, 0);
	p->name = db_str(a, r, i, 1);
	p->created_at = db_str(a, r, i, 2);
	p->scorecards = db_int(r, i, 3);
	p->rated = !PQgetisnull(r, i, 4);
	p->mean_rating = db_float(r, i, 4);
	p->stats_n = db_int(r, i, 5);
	p->sum_deviation = db_float(r, i, 6);
	p->decided = db_int(r, i, 7);
	p->matched = db_int(r, i, 8);
	p->timed = !PQgetisnull(r, i, 9);
	p->median_hours = db_float(r, i, 9);
	p->due = db_int(r, i, 10);
	p->overdue = db_int(r, i, 11);
}

static enum db_status
criteria(struct db *db, struct arena *a, const char *org_id, struct db_report_criterion **out,
	 int *n)
{
	const char *p[] = {org_id};
	PGresult *r = db_run(db, &report_criteria, 1, p);
	if (!r)
		return db->status;
	*n = PQntuples(r);
	*out = arena_alloc(a, sizeof **out * (size_t)(*n + 1));
	for (int i = 0; i < *n; i++)
		(*out)[i] = (struct db_report_criterion){db_str(a, r, i, 0), db_str(a, r, i, 1),
							 db_int(r, i, 2), db_int(r, i, 3)};
	PQclear(r);
	return DB_OK;
}

enum db_status
db_report_interviewers(struct db *db, struct arena *a, const char *org_id, int due_hours,
		       const struct db_page *page, struct db_report_interviewer **out, int *n,
		       struct db_report_criterion **crit, int *ncrit)
{
	const char *p[] = {org_id, DB_PAGE_TIME(page), DB_PAGE_ID(page),
			   arena_printf(a, "%d", due_hours), arena_printf(a, "%d", page->limit)};
	PGresult *r = db_run(db, &report_people[page->desc], 5, p);
	if (!r)
		return db->status;
	*n = PQntuples(r);
	*out = arena_alloc(a, sizeof **out * (size_t)(*n + 1));
	for (int i = 0; i < *n; i++)
		person_row(a, r, i, &(*out)[i]);
	PQclear(r);
	return criteria(db, a, org_id, crit, ncrit);
}
