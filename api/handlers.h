#ifndef API_HANDLERS_H
#define API_HANDLERS_H
#include "api/http.h"

/* Every handler named in the route table (api/routes.c). */
api_handler api_healthz, api_readyz, api_openapi, api_metrics;

#endif
