/* Building responses: JSON bodies and RFC 9457 problem documents. */
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>
#include "api/common.h"
#include "api/http.h"
#include "base/json_text.h"
#include "base/text.h"

static const struct {
	const char *code;
	int status;
	const char *title;
} registry[] = {
#define E(name, code, status, title) {code, status, title},
#include "api/errors.def"
#undef E
};

int api_error_status(enum api_error e) { return registry[e].status; }
const char *api_error_code(enum api_error e) { return registry[e].code; }
const char *api_error_title(enum api_error e) { return registry[e].title; }

static void
decref(void *p)
{
	json_decref(p);
}

json_t *
api_own(struct api_request *rq, json_t *json)
{
	if (json)
		arena_defer(rq->arena, decref, json);
	return json;
}

void
api_add_header(struct api_request *rq, const char *name, const char *value)
{
	struct api_response *r = &rq->resp;
	for (int i = 0; i < r->nheaders; i++)
		if (strcasecmp(r->headers[i].name, name) == 0) {
			r->headers[i].value = arena_strdup(rq->arena, value);
			return;
		}
	if (r->nheaders == API_MAX_HEADERS)
		abort();	/* a programming error: raise API_MAX_HEADERS */
	r->headers[r->nheaders].name = arena_strdup(rq->arena, name);
	r->headers[r->nheaders].value = arena_strdup(rq->arena, value);
	r->nheaders++;
}

/* Sets the response without counting it as a reply (problem rewrites). */
static void
set_response(struct api_request *rq, int status, const char *type, const char *text, size_t len)
{
	rq->resp.status = status;
	rq->resp.content_type = type;
	rq->resp.body = text;
	rq->resp.len = len;
	rq->resp.error = E__COUNT;
}

enum api_result
api_reply_text(struct api_request *rq, int status, const char *type, const char *text, size_t len)
{
	set_response(rq, status, type, text, len);
	rq->replies++;
	return API_REPLIED;
}

enum api_result
api_reply_empty(struct api_request *rq, int status)
{
	return api_reply_text(rq, status, NULL, "", 0);
}

/* Serialises body once (base/json_text.c: jansson's text, written
 * faster); the text is released with the request's arena. Reals get 15
 * significant digits, so a figure rounded to 2 decimals reads 2.94, never
 * 2.9399999999999999. */
static char *
dump(struct api_request *rq, json_t *body, size_t *len)
{
	char *s = body ? json_text(body, len) : NULL;
	if (!s) {	/* only a programming error gets here: answer, never crash */
		static const char fallback[] = "{\"title\":\"Internal error\",\"status\":500,"
					       "\"code\":\"internal_error\"}";
		*len = sizeof fallback - 1;
		return arena_memdup(rq->arena, fallback, *len);
	}
	arena_defer(rq->arena, free, s);	/* encoded once, never copied */
	return s;
}

enum api_result
api_reply_json(struct api_request *rq, int status, json_t *body)
{
	if (status == 200 && api_not_modified(rq)) {	/* conditional GET: RFC 9110 13.1.2 */
		json_decref(body);
		return api_reply_empty(rq, 304);
	}
	size_t len;
	char *text = dump(rq, body, &len);
	json_decref(body);
	return api_reply_text(rq, status, "application/json; charset=utf-8", text, len);
}

/* The problem document of the current error reply, kept so members can be
 * added after api_reply_error. */
static json_t *
problem_of(struct api_request *rq, enum api_error e, const char *detail)
{
	json_t *p = json_pack("{s:s, s:s, s:i, s:s, s:s, s:s}",
		"type", arena_printf(rq->arena, "https://loopd.dev/problems/%s", api_error_code(e)),
		"title", api_error_title(e),
		"status", api_error_status(e),
		"instance", text_utf8_clean(rq->arena, rq->path ? rq->path : "/"),
		"request_id", rq->request_id,
		"code", api_error_code(e));
	json_object_set_new(p, "detail", json_string(text_utf8_clean(rq->arena,
		detail ? detail : api_error_title(e))));
	return p;
}

static void
reply_problem(struct api_request *rq, enum api_error e, json_t *p)
{
	size_t len;
	char *text = dump(rq, p, &len);
	json_decref(p);
	set_response(rq, api_error_status(e), "application/problem+json", text, len);
	rq->resp.error = e;
}

enum api_result
api_reply_error(struct api_request *rq, enum api_error e, const char *detail, ...)
{
	char *text = NULL;
	if (detail) {
		va_list ap;
		va_start(ap, detail);
		text = arena_vprintf(rq->arena, detail, ap);
		va_end(ap);
	}
	reply_problem(rq, e, problem_of(rq, e, text));
	rq->replies++;
	return API_REPLIED;
}

void
api_problem_extend(struct api_request *rq, json_t *members)
{
	enum api_error e = rq->resp.error;
	json_t *p = json_loadb(rq->resp.body, rq->resp.len, 0, NULL);
	if (!p || e == E__COUNT) {
		json_decref(p);
		json_decref(members);
		return;
	}
	json_object_update(p, members);
	json_decref(members);
	reply_problem(rq, e, p);
}

enum api_result
api_reply_invalid(struct api_request *rq, json_t *errors)
{
	size_t n = json_array_size(errors);
	json_t *p = problem_of(rq, E_VALIDATION_FAILED,
			       arena_printf(rq->arena, "%zu invalid field%s", n, n == 1 ? "" : "s"));
	json_object_set_new(p, "errors", errors);
	reply_problem(rq, E_VALIDATION_FAILED, p);
	rq->replies++;
	return API_REPLIED;
}
