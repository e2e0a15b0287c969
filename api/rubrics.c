/* Rubrics (catalogue and org versions), loop templates, and the catalogue
 * load at start-up. */
#include <stdlib.h>
#include <string.h>
#include "api/common.h"
#include "base/text.h"
#include "api/handlers.h"
#include "api/repr_cache.h"
#include "api/spec.h"
#include "auth/principal.h"
#include "base/canon.h"
#include "base/log.h"
#include "db/rubrics.h"
#include "rubrics/catalog.h"
#include "rubrics/rubric.h"

#define CURSOR_PREFIX "rubric:"


/* The {key} path segment, or NULL with 400 queued. */
static const char *
key_or_reply(struct api_request *rq)
{
	const char *key = api_param(rq, 0);
	if (text_is_key(key, strlen(key)))
		return key;
	api_reply_error(rq, E_INVALID_PATH_ID, "a rubric key matches ^[a-z][a-z0-9_]{1,63}$");
	return NULL;
}

/* The {n} path segment (1-100000, no sign or leading zero), or 0 with 400 queued. */
static int
version_or_reply(struct api_request *rq)
{
	const char *s = api_param(rq, 1);
	size_t n = s ? strlen(s) : 0;
	long v = n >= 1 && n <= 6 && s[0] != '0' && strspn(s, "0123456789") == n ? atol(s) : 0;
	if (v >= 1 && v <= 100000)
		return (int)v;
	api_reply_error(rq, E_INVALID_PATH_ID, "a rubric version is a whole number from 1 to 100000");
	return 0;
}

/* A stored rubric as served: its document plus id, scope and published_at;
 * a new reference, or NULL when the stored document does not validate. */
static json_t *
rubric_json(struct api_request *rq, const struct db_rubric *r)
{
	json_t *doc = json_loads(r->document, 0, NULL);
	struct rubric parsed;
	json_t *out = doc && rubric_parse(rq->arena, doc, &parsed, NULL) ? rubric_to_json(&parsed)
									  : NULL;
	json_decref(doc);
	if (!out)
		return NULL;
	json_object_set_new(out, "id", json_string(r->id));
	json_object_set_new(out, "scope", json_string(r->org_id ? "org" : "catalog"));
	json_object_set_new(out, "published_at", json_string(r->published_at));
	return out;
}

/* Replies 200 (or 201) with one rubric. */
static enum api_result
reply_rubric(struct api_request *rq, int status, const struct db_rubric *r)
{
	json_t *body = rubric_json(rq, r);
	if (!body) {
		log_kv(LOG_ERROR, "stored rubric does not validate", "rubric_id", r->id, NULL);
		return api_reply_db(rq, DB_HARD, "rubric");
	}
	if (status == 201)
		api_set_location(rq, arena_printf(rq->arena, "/v1/rubrics/%s/versions/%d", r->key,
						  r->version));
	return api_reply_json(rq, status, body);
}

/* ?kind= (a key) and ?cursor= (from a previous page of this list); false
 * with 400 queued when either is malformed. */
static bool
list_query_or_reply(struct api_request *rq, const char **kind, const char **after)
{
	*kind = api_query(rq, "kind");
	*after = NULL;
	if (*kind && !text_is_key(*kind, strlen(*kind))) {
		api_reply_error(rq, E_INVALID_QUERY, "kind must match ^[a-z][a-z0-9_]{1,63}$");
		return false;
	}
	const char *cursor = api_query(rq, "cursor");
	if (!cursor)
		return true;
	const char *text = api_cursor_read(rq, cursor);
	size_t plen = strlen(CURSOR_PREFIX);
	if (text && !strncmp(text, CURSOR_PREFIX, plen) && text_is_key(text + plen, strlen(text + plen))) {
		*after = text + plen;
		return true;
	}
	api_reply_error(rq, E_INVALID_CURSOR, "use next_cursor from a previous page as it is");
	return false;
}

/* GET /v1/rubrics: the latest version of each key the org sees, in key order. */
enum api_result
api_rubrics_list(struct api_request *rq)
{
	int limit, n;
	const char *kind, *after;
	if (!api_limit_or_reply(rq, &limit) || !list_query_or_reply(rq, &kind, &after))
		return API_REPLIED;
	struct db_rubric *rows;
	enum db_status st = db_rubric_list(rq->db, rq->arena, rq->who->org_id, kind, after,
					   limit + 1, &rows, &n);
	if (st != DB_OK)
		return api_reply_db(rq, st, "rubric");
	json_t *data = json_array();
	int shown = n > limit ? limit : n;
	for (int i = 0; i < shown; i++) {
		json_t *r = rubric_json(rq, &rows[i]);
		if (!r) {
			json_decref(data);
			return api_reply_db(rq, DB_HARD, "rubric");
		}
		json_array_append_new(data, r);
	}
	json_t *next = n > limit ? json_string(api_cursor_make(rq, arena_printf(rq->arena,
				   CURSOR_PREFIX "%s", rows[shown - 1].key))) : json_null();
	return api_reply_json(rq, 200, json_pack("{s:o, s:o}", "data", data, "next_cursor", next));
}

/* Cache-Control of a rubric: a pinned version never changes; the latest
 * version of a key may, so caches revalidate it (a 304 when unchanged). */
#define CACHE_PINNED "private, max-age=86400"
#define CACHE_LATEST "private, no-cache"

/* Replies with rubric key at version (0: the latest) as org sees it,
 * rendered once per process and then served from memory. */
static enum api_result
serve_rubric(struct api_request *rq, const char *key, int version)
{
	const char *ck = arena_printf(rq->arena, "rubric/%s/%s/%d", rq->who->org_id, key, version);
	const char *cc = version ? CACHE_PINNED : CACHE_LATEST;
	uint64_t seen;
	const struct api_repr *hit = api_repr_get(rq, ck, &seen);
	if (hit)
		return api_reply_repr(rq, hit, cc);
	struct db_rubric r;
	enum db_status st = db_rubric_get(rq->db, rq->arena, rq->who->org_id, key, version, &r);
	if (st != DB_OK)
		return api_reply_db(rq, st, version ? "rubric version" : "rubric");
	json_t *body = rubric_json(rq, &r);
	char *text = body ? json_dumps(body, JSON_COMPACT) : NULL;
	json_decref(body);
	if (!text) {
		log_kv(LOG_ERROR, "stored rubric does not validate", "rubric_id", r.id, NULL);
		return api_reply_db(rq, DB_HARD, "rubric");
	}
	return api_reply_repr(rq, api_repr_put(rq, seen, ck, text), cc);
}

/* GET /v1/rubrics/{key}: the latest version the org sees. */
enum api_result
api_rubrics_get(struct api_request *rq)
{
	const char *key = key_or_reply(rq);
	if (!key)
		return API_REPLIED;
	return serve_rubric(rq, key, 0);
}

/* GET /v1/rubrics/{key}/versions/{n} */
enum api_result
api_rubrics_version(struct api_request *rq)
{
	const char *key = key_or_reply(rq);
	int version = key ? version_or_reply(rq) : 0;
	if (!version)
		return API_REPLIED;
	return serve_rubric(rq, key, version);
}

/* Validates the body as a rubric document for key into *r; false with 400
 * or 422 (naming every bad path) queued. */
static bool
document_or_reply(struct api_request *rq, const char *key, struct rubric *r)
{
	if (!json_is_object(rq->json)) {
		api_reply_error(rq, E_BAD_REQUEST, "the body must be a rubric document (a JSON object)");
		return false;
	}
	json_t *errors = json_array();
	rubric_parse(rq->arena, rq->json, r, errors);
	const char *body_key = json_string_value(json_object_get(rq->json, "key"));
	if (body_key && strcmp(body_key, key) != 0)
		spec_error(errors, "key", "mismatch", "must equal the rubric key in the path");
	if (json_array_size(errors) == 0) {
		json_decref(errors);
		return true;
	}
	api_reply_invalid(rq, errors);
	return false;
}

/* The reply for a publication the database refused. */
static enum api_result
reply_refused(struct api_request *rq, enum db_status st, const struct db_rubric_new *in,
	      const struct db_rubric_latest *latest)
{
	if (st == DB_STATE || st == DB_CONFLICT) {
		api_reply_error(rq, E_CONFLICT,
				"version %d of %s is not above its latest version (%d); published "
				"versions are immutable: publish version %d", in->version, in->key,
				latest->version ? latest->version : in->version,
				(latest->version ? latest->version : in->version) + 1);
	} else if (st == DB_INVALID && latest->kind) {
		json_t *errors = json_array();
		spec_error(errors, "kind", "mismatch", arena_printf(rq->arena,
			   "must be %s, the round kind earlier versions of %s grade", latest->kind,
			   in->key));
		api_reply_invalid(rq, errors);
	} else {
		api_reply_db(rq, st, "rubric");
	}
	return API_REPLIED;
}

/* POST /v1/rubrics/{key}/versions: publishes an org version (admins). */
enum api_result
api_rubrics_publish(struct api_request *rq)
{
	const char *key = key_or_reply(rq);
	struct rubric r;
	if (!key || !document_or_reply(rq, key, &r))
		return API_REPLIED;
	struct db_rubric_new in = {r.key, r.kind, r.title, r.version, r.duration_minutes,
				   canon_json(rq->arena, rq->json), rubric_digest(rq->arena, rq->json)};
	struct audit_ctx ctx;
	api_audit_ctx(rq, &ctx);
	struct db_rubric out;
	struct db_rubric_latest latest;
	enum db_status st = db_rubric_publish(rq->db, rq->arena, &ctx, &in, &out, &latest);
	if (st != DB_OK)
		return reply_refused(rq, st, &in, &latest);
	api_repr_flush();
	return reply_rubric(rq, 201, &out);
}

/* GET /v1/loop-templates: rendered once per process, served from memory. */
enum api_result
api_loop_templates_list(struct api_request *rq)
{
	uint64_t seen;
	const struct api_repr *hit = api_repr_get(rq, "templates", &seen);
	if (hit)
		return api_reply_repr(rq, hit, CACHE_LATEST);
	struct db_template *t;
	int n;
	enum db_status st = db_template_list(rq->db, rq->arena, &t, &n);
	if (st != DB_OK)
		return api_reply_db(rq, st, "loop template");
	json_t *data = json_array();
	for (int i = 0; i < n; i++) {
		json_t *doc = json_loads(t[i].document, 0, NULL);
		if (doc)
			json_array_append_new(data, doc);
	}
	json_t *body = json_pack("{s:o, s:n}", "data", data, "next_cursor");
	char *text = json_dumps(body, JSON_COMPACT);
	json_decref(body);
	if (!text)
		return api_reply_db(rq, DB_HARD, "loop template");
	return api_reply_repr(rq, api_repr_put(rq, seen, "templates", text), CACHE_LATEST);
}

/* --- start-up --- */

/* Stores one catalogue rubric; false with *why when its stored digest differs. */
static bool
store_rubric(struct db *db, struct arena *a, const struct catalog *c,
	     const struct catalog_rubric *cr, char **why)
{
	const struct rubric *r = &cr->rubric;
	struct db_rubric_new in = {r->key, r->kind, r->title, r->version, r->duration_minutes,
				   cr->document, cr->digest};
	char *stored = NULL;
	enum db_status st = db_catalog_publish(db, a, &in, cr->file, &stored);
	if (st != DB_OK) {
		*why = arena_printf(a, "storing %s: %s", cr->file,
				    db_error_message(db) ? db_error_message(db) : "database error");
		return false;
	}
	if (strcmp(stored, cr->digest) == 0)
		return true;
	*why = arena_printf(a, "%s changed after version %d was published; published versions are "
			    "immutable: add %s.v%d.json", cr->file, r->version, r->key,
			    catalog_rubric(c, r->key, 0)->rubric.version + 1);
	return false;
}

/* Stores the catalogue: new rubric versions and every template. */
static bool
store_catalog(struct db *db, struct arena *a, const struct catalog *c, char **why)
{
	for (size_t i = 0; i < c->n_rubrics; i++)
		if (!store_rubric(db, a, c, &c->rubrics[i], why))
			return false;
	for (size_t i = 0; i < c->n_templates; i++) {
		const struct catalog_template *t = &c->templates[i];
		if (db_template_put(db, t->key, t->document, t->digest) != DB_OK) {
			*why = arena_printf(a, "storing %s: %s", t->file,
					    db_error_message(db) ? db_error_message(db) : "database error");
			return false;
		}
	}
	return true;
}

/* Start-up: validates the catalogue, stores it, or says why not (malloc'd). */
bool
api_rubrics_load_catalog(char **why)
{
	struct arena *a = arena_create();
	struct catalog c;
	char *reason = NULL;
	bool ok = catalog_load(a, &c, &reason) && store_catalog(db_thread(), a, &c, &reason);
	if (ok)
		log_kv(LOG_INFO, "rubric catalogue loaded", "rubrics",
		       arena_printf(a, "%zu", c.n_rubrics), "templates",
		       arena_printf(a, "%zu", c.n_templates), NULL);
	else
		*why = strdup(reason ? reason : "the rubric catalogue could not be loaded");
	arena_destroy(a);
	return ok;
}
