#ifndef API_HANDLERS_H
#define API_HANDLERS_H
#include "api/http.h"
#include "db/audit.h"

/* Every handler named in the route table (api/routes.c). */
api_handler api_healthz, api_readyz, api_openapi, api_metrics;
api_handler api_console_index, api_console_file;
/* Adds the console's security headers to any answer under /app/ (404s too). */
void api_console_secure(struct api_request *rq);
/* Adds the sign-in page's security headers to any answer at /oauth/authorize. */
void api_authorize_secure(struct api_request *rq);
api_handler api_oauth_token, api_oauth_revoke, api_oauth_introspect;
api_handler api_oauth_authorize, api_oauth_authorize_submit, api_oauth_metadata;
api_handler api_org_get, api_org_patch;
api_handler api_me, api_me_password;
/* Empties GET /v1/me's rendered texts; usable says whether they are kept. */
void api_me_cache_reset(bool usable);
api_handler api_users_create, api_users_list, api_users_get, api_users_patch;
api_handler api_people_list;
api_handler api_clients_create, api_clients_list, api_clients_delete;
api_handler api_audit_list, api_audit_verify;
api_handler api_candidates_create, api_candidates_list, api_candidates_get, api_candidates_patch,
	api_candidates_erase;
api_handler api_loops_create, api_loops_list, api_loops_get, api_loops_patch, api_loops_cancel;
api_handler api_rounds_create, api_rounds_list, api_rounds_get, api_rounds_patch,
	api_rounds_cancel, api_rounds_put_interviewer, api_rounds_delete_interviewer;
api_handler api_schedule;
api_handler api_me_rounds, api_me_calendar, api_me_calendar_token, api_calendar_feed;
api_handler api_rubrics_list, api_rubrics_get, api_rubrics_version, api_rubrics_publish;
api_handler api_loop_templates_list;
api_handler api_scorecard_get, api_scorecard_put, api_scorecard_submit, api_scorecard_amend,
	api_scorecard_versions, api_loop_scorecards, api_scorecards_overdue;
api_handler api_webhooks_create, api_webhooks_list, api_webhooks_get, api_webhooks_patch,
	api_webhooks_delete, api_webhooks_rotate, api_webhooks_test, api_webhooks_deliveries,
	api_webhooks_retry;
api_handler api_decision_policy_get, api_decision_policy_put, api_decision_packet_get,
	api_decision_create, api_decision_get, api_reports_interviewers;
api_handler api_survey_issue, api_survey_revoke, api_survey_get, api_survey_post, api_survey_page,
	api_survey_page_post, api_reports_candidate_experience;
api_handler api_rate_limit_get, api_rate_limit_put;

json_t *api_audit_verdict_json(const struct audit_verdict *v);

/* Validates the compiled-in rubric catalogue and stores what is new (start-
 * up and `loopd migrate`); false with *why (malloc'd, one line naming the
 * file) when a file is invalid or changed after it was published. */
bool api_rubrics_load_catalog(char **why);

#endif
