/* The route table: method, path pattern, handler, scope, flags. Find a
 * handler by its URL here. */
#include "api/handlers.h"
#include "api/metrics.h"

const struct route api_routes[] = {
	{"GET", "/healthz", api_healthz, NULL, ROUTE_PUBLIC},
	{"GET", "/readyz", api_readyz, NULL, ROUTE_PUBLIC},
	{"GET", "/metrics", api_metrics, NULL, ROUTE_PUBLIC},
	{"GET", "/v1/openapi.yaml", api_openapi, NULL, ROUTE_PUBLIC},
};

const int api_nroutes = sizeof api_routes / sizeof api_routes[0];
