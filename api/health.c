/* Operations endpoints: liveness, readiness and the contract document. */
#include "api/handlers.h"
#include "base/embedded.h"
#include "db/db.h"

/* GET /healthz: the process answers. */
enum api_result
api_healthz(struct api_request *rq)
{
	return api_reply_json(rq, 200, json_pack("{s:s}", "status", "ok"));
}

/* GET /readyz: the database answers and is migrated; else 503 saying why. */
enum api_result
api_readyz(struct api_request *rq)
{
	const char *why = NULL;
	if (!db_ready(rq->db, rq->arena, &why)) {
		api_reply_error(rq, E_DB_UNAVAILABLE, "the database is unreachable or not migrated");
		api_problem_extend(rq, json_pack("{s:s}", "reason", why));
		api_add_header(rq, "Retry-After", "2");
		return API_REPLIED;
	}
	return api_reply_json(rq, 200, json_pack("{s:s}", "status", "ready"));
}

/* GET /v1/openapi.yaml: the contract this binary implements. */
enum api_result
api_openapi(struct api_request *rq)
{
	const struct embedded_file *f = embedded_find("openapi/openapi.yaml");
	api_add_header(rq, "Cache-Control", "public, max-age=300");
	return api_reply_text(rq, 200, "application/yaml", f->data, f->len);
}
