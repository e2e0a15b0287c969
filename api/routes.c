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

	{"POST", "/oauth/token", api_oauth_token, 0, FORM},
	{"POST", "/oauth/revoke", api_oauth_revoke, 0, FORM},
	{"POST", "/oauth/introspect", api_oauth_introspect, 0, FORM},

	{"GET", "/v1/me", api_me, 0, 0},
	{"POST", "/v1/me/password", api_me_password, 0, JSON},
	{"GET", "/v1/users", api_users_list, AUTH_SCOPE_USERS_ADMIN, 0},
	{"POST", "/v1/users", api_users_create, AUTH_SCOPE_USERS_ADMIN, JSON},
	{"GET", "/v1/users/{id}", api_users_get, AUTH_SCOPE_USERS_ADMIN, 0},
	{"PATCH", "/v1/users/{id}", api_users_patch, AUTH_SCOPE_USERS_ADMIN, JSON},
	{"GET", "/v1/clients", api_clients_list, AUTH_SCOPE_USERS_ADMIN, 0},
	{"POST", "/v1/clients", api_clients_create, AUTH_SCOPE_USERS_ADMIN, JSON},
	{"DELETE", "/v1/clients/{id}", api_clients_delete, AUTH_SCOPE_USERS_ADMIN, 0},

	{"GET", "/v1/audit-events", api_audit_list, AUTH_SCOPE_AUDIT_READ, 0},
	{"GET", "/v1/audit-events/verify", api_audit_verify, AUTH_SCOPE_AUDIT_READ, 0},
};

const int api_nroutes = sizeof api_routes / sizeof api_routes[0];
