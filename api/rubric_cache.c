/* The parsed rubric versions of the decision packet (api/rubric_cache.h). */
#include <jansson.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdlib.h>
#include <string.h>
#include "api/rubric_cache.h"

#define BUCKETS 256
#define MAX_ENTRIES 1000	/* past this the cache is emptied and refilled */

struct entry {
	atomic_int refs;	/* the cache's own, plus one per arena holding it */
	struct entry *next;
	struct arena *arena;	/* the parsed rubric's */
	struct rubric rubric;
	char *owner;		/* NULL: the catalogue's */
	char id[];
};

static pthread_mutex_t lock = PTHREAD_MUTEX_INITIALIZER;
static struct entry *buckets[BUCKETS];
static long n_entries;
static uint64_t epoch;
static bool usable;

/* Drops one reference; the last frees the entry. */
static void
release(void *p)
{
	struct entry *e = p;
	if (atomic_fetch_sub(&e->refs, 1) == 1) {
		arena_destroy(e->arena);
		free(e);
	}
}

/* Takes a reference for a, released with it. */
static const struct rubric *
hold(struct arena *a, struct entry *e)
{
	atomic_fetch_add(&e->refs, 1);
	arena_defer(a, release, e);
	return &e->rubric;
}

/* FNV-1a of id. */
static unsigned
bucket_of(const char *id)
{
	uint32_t h = 2166136261u;
	for (const char *p = id; *p; p++)
		h = (h ^ (unsigned char)*p) * 16777619u;
	return h % BUCKETS;
}

/* The entry of id, or NULL; lock held. */
static struct entry *
find(const char *id)
{
	struct entry *e = buckets[bucket_of(id)];
	while (e && strcmp(e->id, id) != 0)
		e = e->next;
	return e;
}

/* Drops every entry (arenas holding one keep theirs); lock held. */
static void
clear_all(void)
{
	for (int i = 0; i < BUCKETS; i++)
		while (buckets[i]) {
			struct entry *e = buckets[i];
			buckets[i] = e->next;
			release(e);
		}
	n_entries = 0;
}

const struct rubric *
api_rubric_cache_get(struct arena *a, const char *org_id, const char *id, uint64_t *seen)
{
	const struct rubric *out = NULL;
	pthread_mutex_lock(&lock);
	*seen = epoch;
	struct entry *e = usable ? find(id) : NULL;
	if (e && (!e->owner || strcmp(e->owner, org_id) == 0))
		out = hold(a, e);
	pthread_mutex_unlock(&lock);
	return out;
}

/* A new entry of document with one reference, or NULL when it does not parse. */
static struct entry *
parsed(const char *id, const char *owner_org, const char *document)
{
	size_t len = strlen(id);
	struct entry *e = calloc(1, sizeof *e + len + 1);
	if (!e)
		abort();
	memcpy(e->id, id, len + 1);
	e->arena = arena_create();
	e->owner = owner_org ? arena_strdup(e->arena, owner_org) : NULL;
	atomic_init(&e->refs, 1);
	json_t *doc = json_loads(document, 0, NULL);
	bool ok = doc && rubric_parse(e->arena, doc, &e->rubric, NULL);
	json_decref(doc);
	if (!ok) {
		release(e);
		return NULL;
	}
	return e;
}

const struct rubric *
api_rubric_cache_put(struct arena *a, uint64_t seen, const char *id, const char *owner_org,
		     const char *document)
{
	struct entry *e = parsed(id, owner_org, document);
	if (!e)
		return NULL;
	pthread_mutex_lock(&lock);
	if (usable && epoch == seen && !find(id)) {
		if (n_entries >= MAX_ENTRIES)
			clear_all();
		unsigned b = bucket_of(id);
		atomic_fetch_add(&e->refs, 1);	/* the cache's */
		e->next = buckets[b];
		buckets[b] = e;
		n_entries++;
	}
	pthread_mutex_unlock(&lock);
	arena_defer(a, release, e);	/* our creation reference, now a's */
	return &e->rubric;
}

void
api_rubric_cache_reset(bool now_usable)
{
	pthread_mutex_lock(&lock);
	epoch++;
	clear_all();
	usable = now_usable;
	pthread_mutex_unlock(&lock);
}
