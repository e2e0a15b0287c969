#ifndef BASE_SHARED_CACHE_H
#define BASE_SHARED_CACHE_H
#include <pthread.h>
#include <stdbool.h>
#include <stdint.h>
#include "base/arena.h"

/*
 * A process-wide cache of immutable values by string key, shared by the
 * threads (api/repr_cache.c, api/rubric_cache.c). A value handed out is
 * reference-counted and stays alive until the arena it was held for is
 * destroyed, even if the cache is emptied meanwhile.
 *
 * Invalidation follows the listener: shared_cache_reset empties the cache
 * and, with usable false, bypasses it (every get misses, every put only
 * hands the value back). A reader takes an epoch with its miss and gives
 * it to its put: a value read before an emptying is never cached after it.
 * Past max entries the cache is emptied and refilled.
 */

struct shared_entry;

struct shared_cache {
	pthread_mutex_t lock;
	unsigned max;		/* entries before the cache is emptied */
	struct shared_entry *buckets[1024];
	unsigned n;
	uint64_t epoch;
	bool usable;
};

#define SHARED_CACHE_INIT(max_entries) {PTHREAD_MUTEX_INITIALIZER, (max_entries), {0}, 0, 0, false}

/* The value of key held for a, or NULL with *seen set for a later put. */
void *shared_cache_get(struct shared_cache *c, struct arena *a, const char *key, uint64_t *seen);

/* Caches value under key (unless the cache was emptied since seen, or key
 * is there already) and holds it for a; destroy frees it once nothing
 * holds it. Returns value. */
void *shared_cache_put(struct shared_cache *c, struct arena *a, uint64_t seen, const char *key,
		       void *value, void (*destroy)(void *));

/* Empties the cache; usable says whether it is used from now on. */
void shared_cache_reset(struct shared_cache *c, bool usable);

/* Empties the cache, keeping whether it is used. */
void shared_cache_flush(struct shared_cache *c);

#endif
