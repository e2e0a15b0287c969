/* A shared cache of immutable values (base/shared_cache.h). */
#include <stdatomic.h>
#include <stdlib.h>
#include <string.h>
#include "base/shared_cache.h"

#define NBUCKETS (sizeof ((struct shared_cache *)0)->buckets / sizeof (struct shared_entry *))

struct shared_entry {
	atomic_int refs;	/* the cache's own, plus one per arena holding it */
	struct shared_entry *next;
	void *value;
	void (*destroy)(void *);
	char key[];
};

/* Drops one reference; the last destroys the value. */
static void
release(void *p)
{
	struct shared_entry *e = p;
	if (atomic_fetch_sub(&e->refs, 1) == 1) {
		e->destroy(e->value);
		free(e);
	}
}

/* Takes a reference for a, released with it. */
static void *
hold(struct arena *a, struct shared_entry *e)
{
	atomic_fetch_add(&e->refs, 1);
	arena_defer(a, release, e);
	return e->value;
}

/* FNV-1a of key. */
static unsigned
bucket_of(const char *key)
{
	uint32_t h = 2166136261u;
	for (const char *p = key; *p; p++)
		h = (h ^ (unsigned char)*p) * 16777619u;
	return h % NBUCKETS;
}

/* The entry of key, or NULL; lock held. */
static struct shared_entry *
find(struct shared_cache *c, const char *key)
{
	struct shared_entry *e = c->buckets[bucket_of(key)];
	while (e && strcmp(e->key, key) != 0)
		e = e->next;
	return e;
}

/* Drops every entry (arenas holding one keep theirs); lock held. */
static void
clear_all(struct shared_cache *c)
{
	for (size_t i = 0; i < NBUCKETS; i++)
		while (c->buckets[i]) {
			struct shared_entry *e = c->buckets[i];
			c->buckets[i] = e->next;
			release(e);
		}
	c->n = 0;
}

void *
shared_cache_get(struct shared_cache *c, struct arena *a, const char *key, uint64_t *seen)
{
	pthread_mutex_lock(&c->lock);
	*seen = c->epoch;
	struct shared_entry *e = c->usable ? find(c, key) : NULL;
	void *value = e ? hold(a, e) : NULL;
	pthread_mutex_unlock(&c->lock);
	return value;
}

void *
shared_cache_put(struct shared_cache *c, struct arena *a, uint64_t seen, const char *key,
		 void *value, void (*destroy)(void *))
{
	size_t len = strlen(key);
	struct shared_entry *e = calloc(1, sizeof *e + len + 1);
	if (!e)
		abort();
	memcpy(e->key, key, len + 1);
	e->value = value;
	e->destroy = destroy;
	atomic_init(&e->refs, 1);
	pthread_mutex_lock(&c->lock);
	if (c->usable && c->epoch == seen && !find(c, key)) {
		if (c->n >= c->max)
			clear_all(c);
		unsigned b = bucket_of(key);
		atomic_fetch_add(&e->refs, 1);	/* the cache's */
		e->next = c->buckets[b];
		c->buckets[b] = e;
		c->n++;
	}
	pthread_mutex_unlock(&c->lock);
	arena_defer(a, release, e);	/* our creation reference, now a's */
	return value;
}

void
shared_cache_reset(struct shared_cache *c, bool usable)
{
	pthread_mutex_lock(&c->lock);
	c->epoch++;
	clear_all(c);
	c->usable = usable;
	pthread_mutex_unlock(&c->lock);
}

void
shared_cache_flush(struct shared_cache *c)
{
	pthread_mutex_lock(&c->lock);
	c->epoch++;
	clear_all(c);
	pthread_mutex_unlock(&c->lock);
}
