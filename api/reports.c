/* GET /v1/reports/interviewers: the calibration report (recruiters and
 * admins, and API clients with decisions:read). */
#include "api/authn.h"
#include "api/common.h"
#include "api/config.h"
#include "api/decisions.h"
#include "api/handlers.h"
#include "auth/principal.h"
#include "auth/scope.h"

/* part / whole with 4 decimals, or null when whole is 0. */
static json_t *
rate(long long part, long long whole)
{
	return whole ? json_real((double)(long long)(10000.0 * (double)part / (double)whole + 0.5) / 10000.0)
		     : json_null();
}

static json_t *
person_json(const struct db_report_interviewer *p, double k)
{
	struct decision_interviewer_stats s = {p->user_id, p->stats_n, p->sum_deviation};
	return json_pack("{s:s, s:s, s:I, s:o, s:{s:f, s:I}, s:I, s:I, s:o, s:o, s:I, s:I, s:o}",
			 "user_id", p->user_id, "name", p->name, "scorecards",
			 (json_int_t)p->scorecards, "mean_rating",
			 p->rated ? json_real(decision_round2(p->mean_rating)) : json_null(),
			 "leniency", "estimate", decision_leniency(&s, k), "n", (json_int_t)p->stats_n,
			 "decided", (json_int_t)p->decided, "matched", (json_int_t)p->matched,
			 "match_rate", rate(p->matched, p->decided), "median_hours_to_submit",
			 p->timed ? json_real(decision_round2(p->median_hours)) : json_null(),
			 "due", (json_int_t)p->due, "overdue", (json_int_t)p->overdue,
			 "overdue_rate", rate(p->overdue, p->due));
}

static json_t *
criteria_json(const struct db_report_criterion *c, int n)
{
	json_t *list = json_array();
	for (int i = 0; i < n; i++)
		json_array_append_new(list, json_pack("{s:s, s:s, s:I, s:I, s:o}", "rubric_key",
			c[i].rubric_key, "criterion", c[i].criterion, "loops",
			(json_int_t)c[i].loops, "disagreements", (json_int_t)c[i].split,
			"disagreement_rate", rate(c[i].split, c[i].loops)));
	return list;
}

enum api_result
api_reports_interviewers(struct api_request *rq)
{
	const struct auth_principal *who = rq->who;
	if (who->kind == AUTH_USER && !(who->roles & (AUTH_ROLE_ADMIN | AUTH_ROLE_RECRUITER)))
		return api_reply_forbidden(rq, E_FORBIDDEN, "the report is for recruiters and admins");
	struct api_page page;
	if (!api_page_or_reply(rq, &page) || !api_order_or_reply(rq, &page.desc))
		return API_REPLIED;
	struct db_policy policy;
	struct db_report_interviewer *rows;
	struct db_report_criterion *crit;
	int n, ncrit;
	struct db_page list = {page.after_created, page.after_id, page.limit + 1, page.desc, NULL,
			       NULL};
	enum db_status st = db_policy_get(rq->db, rq->arena, who->org_id, &policy);
	if (st == DB_OK)
		st = db_report_interviewers(rq->db, rq->arena, who->org_id, (int)config.scorecard_due_hours, &list,
					    &rows, &n, &crit, &ncrit);
	if (st != DB_OK)
		return api_reply_db(rq, st, "report");
	struct decision_policy p;
	api_policy_from_db(rq->arena, &policy, &p);
	json_t *data = json_array();
	for (int i = 0; i < n && i < page.limit; i++)
		json_array_append_new(data, person_json(&rows[i], p.shrinkage_k));
	const struct db_report_interviewer *last = n > page.limit ? &rows[page.limit - 1] : NULL;
	json_t *body = api_page_json(rq, data, last ? last->created_at : NULL,
				     last ? last->user_id : NULL);
	json_object_set_new(body, "criteria", criteria_json(crit, ncrit));
	json_object_set_new(body, "shrinkage_k", json_real(p.shrinkage_k));
	json_object_set_new(body, "policy_version", json_integer(policy.version));
	return api_reply_json(rq, 200, body);
}
