#ifndef API_HANDLERS_H
#define API_HANDLERS_H
#include "api/http.h"
#include "db/audit.h"

/* Every handler named in the route table (api/routes.c). */
api_handler api_healthz, api_readyz, api_openapi, api_metrics;
api_handler api_oauth_token, api_oauth_revoke, api_oauth_introspect;
api_handler api_me, api_me_password;
api_handler api_users_create, api_users_list, api_users_get, api_users_patch;
api_handler api_clients_create, api_clients_list, api_clients_delete;
api_handler api_audit_list, api_audit_verify;

json_t *api_audit_verdict_json(const struct audit_verdict *v);

#endif
