#ifndef API_COMMON_H
#define API_COMMON_H
#include "api/http.h"
#include "db/audit.h"
#include "db/db.h"

/* Helpers every resource handler shares. */

/* Who, from where and in which request: the audit context of rq. */
void api_audit_ctx(struct api_request *rq, struct audit_ctx *ctx);

/* Replies for a database status that is not success: 404, 409, 412, 422,
 * 503 or 500. what names the resource for 404 ("loop"). */
enum api_result api_reply_db(struct api_request *rq, enum db_status st, const char *what);

/* Pagination: ?limit= (1-200, default 50) and ?cursor=. On a bad value
 * queues 400 and returns false. */
struct api_page {
	int limit;
	const char *after_created;	/* keyset position from the cursor, or NULL */
	const char *after_id;
	bool desc;			/* ?order=desc: newest first */
	const char *updated_after;	/* ?updated_after= (RFC 3339), or NULL */
	const char *created_after;	/* ?created_after= (RFC 3339), or NULL */
};
bool api_page_or_reply(struct api_request *rq, struct api_page *page);
/* The same for lists that sync: also ?order=asc|desc, ?updated_after= and
 * ?created_after= (bind them to the route's cursor in api/common.c). */
bool api_sync_page_or_reply(struct api_request *rq, struct api_page *page);
/* ?order=asc|desc into *desc; false with 400 queued otherwise (bind
 * "order" to the route's cursor in api/common.c). */
bool api_order_or_reply(struct api_request *rq, bool *desc);
/* ?order=, ?updated_after= and ?created_after= alone, for lists that are one
 * whole page; api_page_keeps says whether a row passes the time filters. */
bool api_sync_filters_or_reply(struct api_request *rq, struct api_page *page);
bool api_page_keeps(const struct api_page *page, const char *created_at,
		    const char *updated_at);
/* ?limit= alone (1-200, default 50). */
bool api_limit_or_reply(struct api_request *rq, int *limit);
/* {"data": data, "next_cursor": ...}; pass the keyset of the last row
 * when another page may follow, NULLs when not. Steals data. */
json_t *api_page_json(struct api_request *rq, json_t *data, const char *last_created,
		      const char *last_id);

/* The cursor MAC key, loaded at start-up from the database. */
void api_cursor_set_key(const unsigned char *key, size_t len);
/* A tamper-evident opaque cursor holding text, and its reading (NULL when
 * malformed or tampered). A cursor is bound to the route it was made on
 * (rq->route->pattern) and to that route's filter query values (the list
 * in api/common.c: q of /v1/candidates, the filters of /v1/loops, ...):
 * read on another route or with other filter values it is NULL too. */
char *api_cursor_make(struct api_request *rq, const char *text);
char *api_cursor_read(struct api_request *rq, const char *cursor);

/* True when a list of entity tags (an If-None-Match value) names etag,
 * by RFC 9110's weak comparison, or is "*". */
bool api_etag_listed(const char *header, const char *etag);

/* ETag: "<version>". A 200 JSON reply to a GET whose If-None-Match names
 * it becomes 304 (api_not_modified, checked by api_reply_json). */
void api_set_etag(struct api_request *rq, int version);
/* True for a GET or HEAD whose If-None-Match names (weakly) the ETag set
 * on the reply so far, or is "*". */
bool api_not_modified(struct api_request *rq);
/* Reads If-Match into *version (0 when absent, or "*": any current
 * version, RFC 9110). With required, a missing header queues 428; a
 * malformed or weak (W/) one queues 412, as If-Match compares strongly. */
bool api_if_match_or_reply(struct api_request *rq, bool required, int *version);

/* The caller's reach over loops (db/scheduling.h DB_REACH_*): admins,
 * recruiters and API clients reach every loop; hiring managers the loops
 * they manage; interviewers the loops they interview in. */
struct db_viewer;
void api_viewer(struct api_request *rq, struct db_viewer *v);

/* Replies for a refused change: the words of why->reason when db/ named
 * one (api_reply_refused), else as api_reply_db. */
struct db_refusal;
enum api_result api_reply_refusal(struct api_request *rq, enum db_status st,
				  const struct db_refusal *why, const char *what);

/* The reply for a refusal that names its reason (why->reason): the words
 * come from api/refusal.c. */
enum api_result api_reply_refused(struct api_request *rq, const struct db_refusal *why);
/* Appends the field errors of every validation refusal in why (the first
 * and why->more) to errors, in the words of api/refusal.c. */
void api_refusal_errors(struct api_request *rq, const struct db_refusal *why, json_t *errors);

/* "a b c" (space-separated names, as roles, grants and scopes are stored)
 * as a JSON array of strings (a new reference). */
json_t *api_words_json(const char *text);
/* True when word (not empty) is one of the space-separated words of list. */
bool api_has_word(const char *list, const char *word);

/* Adds Location: path. */
/* The base URL of links loopd gives out, without a trailing slash:
 * config.public_url when set, else "http://" + the listen address (in
 * rq's arena). */
/* Space-joined distinct strings of a validated array of strings. */
char *api_join_distinct(struct api_request *rq, json_t *arr);
const char *api_public_base(struct api_request *rq);
void api_set_location(struct api_request *rq, const char *path);

#endif
