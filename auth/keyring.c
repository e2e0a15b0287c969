/* A short-lived process-wide cache of the signing keys. */
#include <pthread.h>
#include <string.h>
#include "auth/keyring.h"
#include "base/text.h"
#include "db/keys.h"

#define CACHE_US 2000000	/* a rotation or removal is seen within 2 s */

static pthread_mutex_t lock = PTHREAD_MUTEX_INITIALIZER;
static struct arena *cache_arena;
static struct db_key *cache_keys;
static int cache_n;
static int64_t cache_at;

void
auth_keyring_flush(void)
{
	pthread_mutex_lock(&lock);
	cache_at = 0;
	pthread_mutex_unlock(&lock);
}

/* Reloads the cache when stale; called with the lock held. */
static bool
refresh(struct db *db)
{
	int64_t now = text_now_monotonic_us();
	if (cache_arena && now - cache_at < CACHE_US)
		return true;
	struct arena *a = arena_create();
	struct db_key *keys;
	int n;
	if (db_keys_load(db, a, AUTH_ACCESS_TTL + AUTH_TOKEN_LEEWAY, &keys, &n) != DB_OK) {
		arena_destroy(a);
		return false;
	}
	arena_destroy(cache_arena);
	cache_arena = a;
	cache_keys = keys;
	cache_n = n;
	cache_at = now;
	return true;
}

bool
auth_keyring_get(struct db *db, struct arena *a, struct auth_keyring *ring,
		 const struct auth_key **signing)
{
	pthread_mutex_lock(&lock);
	bool ok = refresh(db) && cache_n > 0;
	if (ok) {
		struct auth_key *keys = arena_alloc(a, sizeof *keys * (size_t)cache_n);
		*signing = NULL;
		for (int i = 0; i < cache_n; i++) {
			keys[i].kid = arena_strdup(a, cache_keys[i].kid);
			keys[i].secret = arena_memdup(a, cache_keys[i].secret, cache_keys[i].len);
			keys[i].secret_len = cache_keys[i].len;
			if (cache_keys[i].signing && !*signing)
				*signing = &keys[i];
		}
		ring->keys = keys;
		ring->n = (size_t)cache_n;
		ok = *signing != NULL;
	}
	pthread_mutex_unlock(&lock);
	return ok;
}
