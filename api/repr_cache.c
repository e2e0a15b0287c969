/* The cache of rendered representations (rubric versions, loop templates). */
#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "api/common.h"
#include "api/repr_cache.h"
#include "base/crypto.h"

#define BUCKETS 1024
#define MAX_ENTRIES 20000	/* past this the cache is emptied and refilled */

struct api_repr {
	atomic_int refs;	/* the cache's own, plus one per response using it */
	struct api_repr *next;
	char etag[36];		/* "\"" + 32 hex digits of the body's SHA-256 + "\"" */
	size_t len;
	char *body;
	char key[];
};

static pthread_mutex_t lock = PTHREAD_MUTEX_INITIALIZER;
static struct api_repr *buckets[BUCKETS];
static long n_entries;
static uint64_t epoch;
static bool usable;

/* Drops one reference; the last frees the representation. */
static void
release(void *p)
{
	struct api_repr *r = p;
	if (atomic_fetch_sub(&r->refs, 1) == 1) {
		free(r->body);
		free(r);
	}
}

/* Takes a reference for rq, released with its arena. */
static const struct api_repr *
hold(struct api_request *rq, struct api_repr *r)
{
	atomic_fetch_add(&r->refs, 1);
	arena_defer(rq->arena, release, r);
	return r;
}

/* FNV-1a of key. */
static unsigned
bucket_of(const char *key)
{
	uint32_t h = 2166136261u;
	for (const char *p = key; *p; p++)
		h = (h ^ (unsigned char)*p) * 16777619u;
	return h % BUCKETS;
}

/* Drops every entry (responses in flight keep theirs); lock held. */
static void
clear_all(void)
{
	for (int i = 0; i < BUCKETS; i++)
		while (buckets[i]) {
			struct api_repr *r = buckets[i];
			buckets[i] = r->next;
			release(r);
		}
	n_entries = 0;
}

const struct api_repr *
api_repr_get(struct api_request *rq, const char *key, uint64_t *seen)
{
	const struct api_repr *out = NULL;
	pthread_mutex_lock(&lock);
	*seen = epoch;
	struct api_repr *r = usable ? buckets[bucket_of(key)] : NULL;
	while (r && strcmp(r->key, key) != 0)
		r = r->next;
	if (r)
		out = hold(rq, r);
	pthread_mutex_unlock(&lock);
	return out;
}

const struct api_repr *
api_repr_put(struct api_request *rq, uint64_t seen, const char *key, char *body)
{
	size_t klen = strlen(key);
	struct api_repr *r = calloc(1, sizeof *r + klen + 1);
	if (!r)
		abort();
	memcpy(r->key, key, klen + 1);
	r->body = body;
	r->len = strlen(body);
	unsigned char d[32];
	crypto_sha256(body, r->len, d);
	char *p = r->etag;
	*p++ = '"';
	for (int i = 0; i < 16; i++)
		p += snprintf(p, 3, "%02x", d[i]);
	*p++ = '"';
	*p = 0;
	atomic_init(&r->refs, 1);
	pthread_mutex_lock(&lock);
	if (usable && epoch == seen) {
		if (n_entries >= MAX_ENTRIES)
			clear_all();
		unsigned b = bucket_of(key);
		struct api_repr *old = buckets[b];
		while (old && strcmp(old->key, key) != 0)
			old = old->next;
		if (!old) {
			atomic_fetch_add(&r->refs, 1);	/* the cache's */
			r->next = buckets[b];
			buckets[b] = r;
			n_entries++;
		}
	}
	pthread_mutex_unlock(&lock);
	arena_defer(rq->arena, release, r);	/* our creation reference, now rq's */
	return r;
}

enum api_result
api_reply_repr(struct api_request *rq, const struct api_repr *r, const char *cache_control)
{
	const char *inm = api_header(rq, "If-None-Match");
	api_add_header(rq, "ETag", r->etag);
	api_add_header(rq, "Cache-Control", cache_control);
	if (inm && api_etag_listed(inm, r->etag))
		return api_reply_empty(rq, 304);
	return api_reply_text(rq, 200, "application/json; charset=utf-8", r->body, r->len);
}

void
api_repr_reset(bool now_usable)
{
	pthread_mutex_lock(&lock);
	epoch++;
	clear_all();
	usable = now_usable;
	pthread_mutex_unlock(&lock);
}

void
api_repr_flush(void)
{
	pthread_mutex_lock(&lock);
	epoch++;
	clear_all();
	pthread_mutex_unlock(&lock);
}
