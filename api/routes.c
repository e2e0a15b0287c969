/* The route table: method, path pattern, handler, scope, flags. Find a
 * handler by its URL here. Roles reach a route through the scopes their
 * tokens carry (auth/scope.h); relationships are checked in handlers. */
#include "api/handlers.h"
#include "api/metrics.h"
#include "auth/scope.h"

#define PUBLIC ROUTE_PUBLIC
#define JSON ROUTE_JSON
#define FORM (ROUTE_PUBLIC | ROUTE_FORM)

const struct route api_routes[] = {
	{"GET", "/healthz", api_healthz, 0, PUBLIC},
	{"GET", "/readyz", api_readyz, 0, PUBLIC},
	{"GET", "/metrics", api_metrics, 0, PUBLIC},
	{"GET", "/v1/openapi.yaml", api_openapi, 0, PUBLIC},
	{"GET", "/app/", api_console_index, 0, PUBLIC},
	{"GET", "/app/{file}", api_console_file, 0, PUBLIC},

	{"GET", "/.well-known/oauth-authorization-server", api_oauth_metadata, 0, PUBLIC},
	{"GET", "/oauth/authorize", api_oauth_authorize, 0, PUBLIC},
	{"POST", "/oauth/authorize", api_oauth_authorize_submit, 0, FORM},
	{"POST", "/oauth/token", api_oauth_token, 0, FORM},
	{"POST", "/oauth/revoke", api_oauth_revoke, 0, FORM},
	{"POST", "/oauth/introspect", api_oauth_introspect, 0, FORM},

	{"GET", "/v1/me", api_me, 0, 0},
	{"POST", "/v1/me/password", api_me_password, 0, JSON},
	{"GET", "/v1/users", api_users_list, AUTH_SCOPE_USERS_ADMIN, 0},
	{"POST", "/v1/users", api_users_create, AUTH_SCOPE_USERS_ADMIN, JSON},
	{"GET", "/v1/users/{id}", api_users_get, AUTH_SCOPE_USERS_ADMIN, 0},
	{"PATCH", "/v1/users/{id}", api_users_patch, AUTH_SCOPE_USERS_ADMIN, JSON},
	{"GET", "/v1/people", api_people_list, AUTH_SCOPE_LOOPS_READ, 0},
	{"GET", "/v1/org", api_org_get, AUTH_SCOPE_USERS_ADMIN, 0},
	{"PATCH", "/v1/org", api_org_patch, AUTH_SCOPE_USERS_ADMIN, JSON},
	{"GET", "/v1/rate-limit", api_rate_limit_get, AUTH_SCOPE_USERS_ADMIN, 0},
	{"PUT", "/v1/rate-limit", api_rate_limit_put, AUTH_SCOPE_USERS_ADMIN, JSON},
	{"GET", "/v1/clients", api_clients_list, AUTH_SCOPE_USERS_ADMIN, 0},
	{"POST", "/v1/clients", api_clients_create, AUTH_SCOPE_USERS_ADMIN, JSON},
	{"DELETE", "/v1/clients/{id}", api_clients_delete, AUTH_SCOPE_USERS_ADMIN, 0},

	{"GET", "/v1/candidates", api_candidates_list, AUTH_SCOPE_CANDIDATES_READ, 0},
	{"POST", "/v1/candidates", api_candidates_create, AUTH_SCOPE_CANDIDATES_WRITE, JSON},
	{"GET", "/v1/candidates/{id}", api_candidates_get, AUTH_SCOPE_CANDIDATES_READ, 0},
	{"PATCH", "/v1/candidates/{id}", api_candidates_patch, AUTH_SCOPE_CANDIDATES_WRITE, JSON},
	{"DELETE", "/v1/candidates/{id}", api_candidates_erase, AUTH_SCOPE_CANDIDATES_WRITE, 0},

	{"GET", "/v1/loops", api_loops_list, AUTH_SCOPE_LOOPS_READ, 0},
	{"POST", "/v1/loops", api_loops_create, AUTH_SCOPE_LOOPS_WRITE, JSON},
	{"GET", "/v1/loops/{id}", api_loops_get, AUTH_SCOPE_LOOPS_READ, 0},
	{"PATCH", "/v1/loops/{id}", api_loops_patch, AUTH_SCOPE_LOOPS_WRITE, JSON},
	{"POST", "/v1/loops/{id}/cancel", api_loops_cancel, AUTH_SCOPE_LOOPS_WRITE, JSON},
	{"GET", "/v1/loops/{id}/rounds", api_rounds_list, AUTH_SCOPE_LOOPS_READ, 0},
	{"POST", "/v1/loops/{id}/rounds", api_rounds_create, AUTH_SCOPE_LOOPS_WRITE, JSON},
	{"GET", "/v1/rounds", api_schedule, AUTH_SCOPE_LOOPS_READ, 0},
	{"GET", "/v1/rounds/{id}", api_rounds_get, AUTH_SCOPE_LOOPS_READ, 0},
	{"PATCH", "/v1/rounds/{id}", api_rounds_patch, AUTH_SCOPE_LOOPS_WRITE, JSON},
	{"POST", "/v1/rounds/{id}/cancel", api_rounds_cancel, AUTH_SCOPE_LOOPS_WRITE, JSON},
	{"PUT", "/v1/rounds/{id}/interviewers/{user_id}", api_rounds_put_interviewer,
	 AUTH_SCOPE_LOOPS_WRITE, JSON},
	{"DELETE", "/v1/rounds/{id}/interviewers/{user_id}", api_rounds_delete_interviewer,
	 AUTH_SCOPE_LOOPS_WRITE, 0},
	{"GET", "/v1/me/rounds", api_me_rounds, 0, 0},
	{"GET", "/v1/me/calendar.ics", api_me_calendar, 0, 0},
	{"POST", "/v1/me/calendar-token", api_me_calendar_token, 0, 0},
	{"GET", "/v1/calendar-feeds/{token}", api_calendar_feed, 0, PUBLIC},

	{"GET", "/v1/webhooks", api_webhooks_list, AUTH_SCOPE_WEBHOOKS_ADMIN, 0},
	{"POST", "/v1/webhooks", api_webhooks_create, AUTH_SCOPE_WEBHOOKS_ADMIN, JSON},
	{"GET", "/v1/webhooks/{id}", api_webhooks_get, AUTH_SCOPE_WEBHOOKS_ADMIN, 0},
	{"PATCH", "/v1/webhooks/{id}", api_webhooks_patch, AUTH_SCOPE_WEBHOOKS_ADMIN, JSON},
	{"DELETE", "/v1/webhooks/{id}", api_webhooks_delete, AUTH_SCOPE_WEBHOOKS_ADMIN, 0},
	{"POST", "/v1/webhooks/{id}/rotate-secret", api_webhooks_rotate, AUTH_SCOPE_WEBHOOKS_ADMIN, 0},
	{"POST", "/v1/webhooks/{id}/test", api_webhooks_test, AUTH_SCOPE_WEBHOOKS_ADMIN, 0},
	{"GET", "/v1/webhooks/{id}/deliveries", api_webhooks_deliveries, AUTH_SCOPE_WEBHOOKS_ADMIN,
	 0},
	{"POST", "/v1/webhooks/{id}/deliveries/{delivery_id}/retry", api_webhooks_retry,
	 AUTH_SCOPE_WEBHOOKS_ADMIN, 0},

	{"GET", "/v1/audit-events", api_audit_list, AUTH_SCOPE_AUDIT_READ, 0},
	{"GET", "/v1/audit-events/verify", api_audit_verify, AUTH_SCOPE_AUDIT_READ, 0},

	{"GET", "/v1/rubrics", api_rubrics_list, 0, 0},
	{"GET", "/v1/rubrics/{key}", api_rubrics_get, 0, 0},
	{"GET", "/v1/rubrics/{key}/versions/{n}", api_rubrics_version, 0, 0},
	{"POST", "/v1/rubrics/{key}/versions", api_rubrics_publish, AUTH_SCOPE_RUBRICS_WRITE, JSON},
	{"GET", "/v1/loop-templates", api_loop_templates_list, 0, 0},

	{"GET", "/v1/rounds/{id}/scorecard", api_scorecard_get, AUTH_SCOPE_SCORECARDS_WRITE, 0},
	{"PUT", "/v1/rounds/{id}/scorecard", api_scorecard_put, AUTH_SCOPE_SCORECARDS_WRITE, JSON},
	{"POST", "/v1/rounds/{id}/scorecard/submit", api_scorecard_submit,
	 AUTH_SCOPE_SCORECARDS_WRITE, JSON},
	{"POST", "/v1/rounds/{id}/scorecard/amend", api_scorecard_amend, AUTH_SCOPE_SCORECARDS_WRITE,
	 JSON},
	{"GET", "/v1/rounds/{id}/scorecard/versions", api_scorecard_versions, AUTH_SCOPE_LOOPS_READ, 0},
	{"GET", "/v1/loops/{id}/scorecards", api_loop_scorecards, AUTH_SCOPE_LOOPS_READ, 0},
	{"GET", "/v1/scorecards/overdue", api_scorecards_overdue, AUTH_SCOPE_LOOPS_READ, 0},

	{"GET", "/v1/decision-policy", api_decision_policy_get, AUTH_SCOPE_DECISIONS_READ, 0},
	{"PUT", "/v1/decision-policy", api_decision_policy_put, AUTH_SCOPE_DECISIONS_WRITE, JSON},
	{"GET", "/v1/loops/{id}/decision-packet", api_decision_packet_get,
	 AUTH_SCOPE_DECISIONS_READ, 0},
	{"POST", "/v1/loops/{id}/decision", api_decision_create, AUTH_SCOPE_DECISIONS_WRITE, JSON},
	{"GET", "/v1/loops/{id}/decision", api_decision_get, AUTH_SCOPE_DECISIONS_READ, 0},
	{"GET", "/v1/reports/interviewers", api_reports_interviewers, AUTH_SCOPE_DECISIONS_READ, 0},

	{"POST", "/v1/loops/{id}/candidate-survey", api_survey_issue, AUTH_SCOPE_LOOPS_WRITE, 0},
	{"DELETE", "/v1/loops/{id}/candidate-survey", api_survey_revoke, AUTH_SCOPE_LOOPS_WRITE, 0},
	{"GET", "/v1/surveys/{token}", api_survey_get, 0, PUBLIC},
	{"POST", "/v1/surveys/{token}", api_survey_post, 0, PUBLIC | JSON},
	{"GET", "/survey/{token}", api_survey_page, 0, PUBLIC},
	{"POST", "/survey/{token}", api_survey_page_post, 0, FORM},
	{"GET", "/v1/reports/candidate-experience", api_reports_candidate_experience,
	 AUTH_SCOPE_DECISIONS_READ, 0},
};

const int api_nroutes = sizeof api_routes / sizeof api_routes[0];
