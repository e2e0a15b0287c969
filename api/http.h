#ifndef API_HTTP_H
#define API_HTTP_H
#include <jansson.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include "base/arena.h"

/* Problem codes, generated from errors.def. */
enum api_error {
#define E(name, code, status, title) E_##name,
#include "api/errors.def"
#undef E
	E__COUNT
};
int api_error_status(enum api_error e);
const char *api_error_code(enum api_error e);
const char *api_error_title(enum api_error e);

/* What a handler did: it queued exactly one reply (the dispatcher checks). */
enum api_result {
	API_REPLIED = 1,
};

struct api_request;
typedef enum api_result api_handler(struct api_request *rq);

/* Route flags. */
#define ROUTE_PUBLIC	0x1	/* no bearer token needed */
#define ROUTE_JSON	0x2	/* takes a JSON body */
#define ROUTE_FORM	0x4	/* takes an application/x-www-form-urlencoded body */

struct route {
	const char *method;
	const char *pattern;	/* "/v1/loops/{id}/rounds"; {x} matches one segment */
	api_handler *handler;
	unsigned scope;		/* scope bits (auth/scope.h) the token needs; 0 = none */
	unsigned flags;
};

#define API_MAX_PARAMS 4
#define API_MAX_HEADERS 16

struct api_response {
	int status;
	const char *content_type;
	const char *body;
	size_t len;
	int nheaders;
	struct { const char *name, *value; } headers[API_MAX_HEADERS];
	enum api_error error;	/* E__COUNT when not a problem */
};

struct auth_principal;
struct db;

/* One HTTP request: everything hangs off its arena and is released when
 * the response has been sent. */
struct api_request {
	struct arena *arena;
	const char *method;
	const char *path;
	const struct route *route;
	int route_index;	/* index in the route table, -1 when unmatched */
	const char *params[API_MAX_PARAMS];	/* path parameters, in pattern order */
	int nparams;
	char request_id[129];
	const char *remote_addr;
	const char *body;	/* NUL-terminated; NULL when there was none */
	size_t body_len;
	json_t *json;		/* parsed body for ROUTE_JSON routes (borrowed) */
	const struct auth_principal *who;	/* NULL on public routes */
	struct db *db;
	struct api_response resp;
	int replies;		/* replies queued (api_reply_*): exactly one is sent */
	void *conn;		/* server-private */
	int64_t started_us;
	bool body_too_large;
	bool deferred;		/* handed to the hashing pool (api_hashing_or_defer) */
	/* Top-level members of the reply that hold a secret shown once: an
	 * idempotent replay gets them as null (they are never stored). */
	const char *secret_members[3];
};

/* Path parameter i ({id} segments are already checked to be UUIDs). */
const char *api_param(struct api_request *rq, int i);
/* A request header or query argument (NULL when absent). */
const char *api_header(struct api_request *rq, const char *name);
const char *api_query(struct api_request *rq, const char *name);


/* Replies: each sets rq->resp and counts one reply; a request gets one. */
enum api_result api_reply_json(struct api_request *rq, int status, json_t *body); /* steals body */
enum api_result api_reply_text(struct api_request *rq, int status, const char *type,
			       const char *text, size_t len);
enum api_result api_reply_empty(struct api_request *rq, int status);
/* A problem document; detail is printf-style and may be NULL. */
enum api_result api_reply_error(struct api_request *rq, enum api_error e, const char *detail, ...)
	__attribute__((format(printf, 3, 4)));
/* 422 with errors[] (stolen): [{"field","code","message"}]. */
enum api_result api_reply_invalid(struct api_request *rq, json_t *errors);
/* Adds a response header (name and value are copied into the arena). */
void api_add_header(struct api_request *rq, const char *name, const char *value);
/* Adds problem members (stolen object merged into the problem body). */
void api_problem_extend(struct api_request *rq, json_t *members);

/* Called by a handler before it hashes a password (argon2id, 50-100 ms of
 * a core). True on a hashing thread: go on. False on an HTTP worker: the
 * request was handed to the hashing pool with no reply queued (return
 * API_REPLIED; the handler then runs again from its start on a hashing
 * thread, with the connection suspended meanwhile, so everything it does
 * before this call must be reads, and response headers it added are
 * dropped), or, when the pool is full, 503 with Retry-After was queued. */
bool api_hashing_or_defer(struct api_request *rq);

/* The route table and its size (api/routes.c). */
extern const struct route api_routes[];
extern const int api_nroutes;

/* Matches method and path. Returns the route index, or -1 with *allow set
 * to a comma-separated method list (in a) when the path exists under other
 * methods, NULL when it does not exist at all. Fills params. */
int api_route_match(struct arena *a, const char *method, const char *path, const char **params,
		    int *nparams, const char **allow);

/* The value of a form field of an application/x-www-form-urlencoded body
 * (NULL when absent). *dup is set when a field appears twice or a value
 * holds a NUL byte (the body is then unusable). */
const char *api_form(struct api_request *rq, const char *name, bool *bad);

/* Makes json owned by the request: released with its arena. */
json_t *api_own(struct api_request *rq, json_t *json);

#endif
