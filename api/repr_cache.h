#ifndef API_REPR_CACHE_H
#define API_REPR_CACHE_H
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include "api/http.h"

/*
 * Representations of immutable (or rarely changed) data, rendered once per
 * process and served from memory with a strong ETag: published rubric
 * versions and loop templates. Emptied by the invalidation listener when a
 * rubric is published or a template stored (on any instance), and bypassed
 * while the listener is down. Thread-safe; an entry in use by a response
 * stays alive until that request's arena is released.
 */
struct api_repr;

/* The cached representation under key, held for rq (released with its
 * arena), or NULL with *seen set for a later api_repr_put. */
const struct api_repr *api_repr_get(struct api_request *rq, const char *key, uint64_t *seen);

/* Makes a representation of body (stolen: json_dumps output, malloc'd),
 * held for rq, and caches it under key unless an invalidation happened
 * since *seen was read. Never NULL. */
const struct api_repr *api_repr_put(struct api_request *rq, uint64_t seen, const char *key,
				    char *body);

/* Replies 200 with the representation (304 when If-None-Match names its
 * ETag), with ETag and the given Cache-Control. */
enum api_result api_reply_repr(struct api_request *rq, const struct api_repr *r,
			       const char *cache_control);

/* Empties the cache (after a local publication; the NOTIFY of its
 * transaction tells the other instances). */
void api_repr_flush(void);

/* Empties the cache and (usable false) bypasses it until called with true. */
void api_repr_reset(bool usable);

#endif
