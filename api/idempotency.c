/* Idempotency-Key on POST: a replay returns the stored reply, the same
 * key with another body is 422, a replay while the first runs is 409.
 * Only successful replies are stored: a failed request leaves no key, so
 * a retry does the work. A reply erased with its candidate answers 410. */
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include "api/common.h"
#include "api/idempotency.h"
#include "auth/principal.h"
#include "base/crypto.h"
#include "base/json_text.h"
#include "base/text.h"
#include "db/idempotency.h"

static char *
request_hash(struct api_request *rq)
{
	char *text = arena_printf(rq->arena, "%s\n%s\n", rq->method, rq->path);
	size_t n = strlen(text);
	char *all = arena_alloc(rq->arena, n + rq->body_len + 1);
	memcpy(all, text, n);
	if (rq->body_len)
		memcpy(all + n, rq->body, rq->body_len);
	return crypto_sha256_hex(rq->arena, all, n + rq->body_len);
}

static enum api_result
replay(struct api_request *rq, const struct db_idem_reply *r)
{
	json_t *headers = api_own(rq, json_loads(r->headers, 0, NULL));
	const char *name;
	json_t *value;
	json_object_foreach(headers, name, value) api_add_header(rq, name, json_string_value(value));
	api_add_header(rq, "Idempotent-Replayed", "true");
	return api_reply_text(rq, r->status, r->content_type, r->body, strlen(r->body));
}

bool
api_idempotency_key_ok(const char *key)
{
	return text_is_visible_ascii(key, 255);
}

bool
api_idempotency_begin(struct api_request *rq, struct api_idempotency *idem)
{
	const char *key = api_header(rq, "Idempotency-Key");
	idem->key = idem->hash = NULL;
	if (!key || strcmp(rq->method, "POST") != 0 || !rq->who)
		return true;
	if (!api_idempotency_key_ok(key)) {
		api_reply_error(rq, E_BAD_REQUEST, "Idempotency-Key must be 1-255 visible ASCII characters");
		return false;
	}
	struct db_idem_reply stored;
	char *hash = request_hash(rq);
	enum db_status st = db_idem_begin(rq->db, rq->arena, rq->who->org_id, rq->who->sub, key,
					  &stored);
	if (st == DB_NONE) {
		idem->key = key;
		idem->hash = hash;
		return true;
	}
	if (st == DB_CONFLICT)
		api_reply_error(rq, E_IDEMPOTENCY_IN_FLIGHT, "retry when the first request has finished");
	else if (st != DB_OK)
		api_reply_db(rq, st, "idempotency key");
	else if (strcmp(stored.request_hash, hash) != 0)
		api_reply_error(rq, E_IDEMPOTENCY_MISMATCH, "use a new key for a different request");
	else if (stored.erased)
		api_reply_error(rq, E_REPLY_ERASED, "the candidate this request concerned was erased;"
				" the request is not done again");
	else
		replay(rq, &stored);
	return false;
}

/* The reply as stored: members holding a secret shown once become null. */
static const char *
stored_body(struct api_request *rq)
{
	const char *body = arena_strndup(rq->arena, rq->resp.body, rq->resp.len);
	if (!rq->secret_members[0])
		return body;
	json_t *doc = api_own(rq, json_loads(body, 0, NULL));
	for (int i = 0; i < 3 && rq->secret_members[i]; i++)
		if (json_object_get(doc, rq->secret_members[i]))
			json_object_set_new(doc, rq->secret_members[i], json_null());
	size_t len;
	char *text = json_text(doc, &len);
	char *copy = arena_strdup(rq->arena, text ? text : body);
	free(text);
	return copy;
}

void
api_idempotency_end(struct api_request *rq, const struct api_idempotency *idem)
{
	struct api_response *r = &rq->resp;
	bool ok = r->status >= 200 && r->status < 300;
	json_t *headers = json_object();
	for (int i = 0; i < r->nheaders; i++)
		if (!strcasecmp(r->headers[i].name, "Location") || !strcasecmp(r->headers[i].name, "ETag"))
			json_object_set_new(headers, r->headers[i].name, json_string(r->headers[i].value));
	char *text = json_dumps(headers, JSON_COMPACT);
	json_decref(headers);
	const char *body = ok ? stored_body(rq) : "";
	struct db_idem_reply reply = {(char *)idem->hash, r->status, (char *)r->content_type,
				      arena_strdup(rq->arena, text),
				      (char *)body};
	free(text);
	enum db_status st = db_idem_end(rq->db, rq->who->org_id, rq->who->sub, idem->key, &reply,
					ok);
	if (ok && st != DB_OK)
		api_reply_db(rq, st, "idempotency key");	/* the work was not committed */
}
