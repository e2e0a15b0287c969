/* The process-wide cache of token subjects' standing. */
#include <pthread.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "auth/standing.h"
#include "base/text.h"
#include "db/users.h"

#define BUCKETS 4096
#define MAX_ENTRIES 200000	/* past this the cache is emptied and refilled */
#define TTL_US (300LL * 1000000)	/* a backstop; invalidation is what keeps it right */

struct entry {
	struct entry *next;
	int64_t at;
	bool is_user, exists, active;
	char *grants;		/* NULL when !exists */
	struct db_user *user;	/* the user's row for /v1/me once read; one malloc */
	char key[80];		/* "<org>/<id>" */
};

static pthread_mutex_t lock = PTHREAD_MUTEX_INITIALIZER;
static struct entry *buckets[BUCKETS];
static long n_entries, hits, misses;
static uint64_t epoch;		/* bumped by every drop and reset */
static bool usable;		/* false until the listener is up */

/* FNV-1a of the key, with the kind mixed in. */
static unsigned
bucket_of(bool is_user, const char *key)
{
	uint32_t h = is_user ? 2166136261u : 2166136261u ^ 0x5bd1e995u;
	for (const char *p = key; *p; p++)
		h = (h ^ (unsigned char)*p) * 16777619u;
	return h % BUCKETS;
}

/* The entry's slot in its chain (the pointer to it), or to the chain's end. */
static struct entry **
find(bool is_user, const char *key)
{
	struct entry **e = &buckets[bucket_of(is_user, key)];
	while (*e && ((*e)->is_user != is_user || strcmp((*e)->key, key) != 0))
		e = &(*e)->next;
	return e;
}

/* Unlinks and frees *slot; called with the lock held. */
static void
remove_at(struct entry **slot)
{
	struct entry *e = *slot;
	*slot = e->next;
	free(e->grants);
	free(e->user);
	free(e);
	n_entries--;
}

/* Frees every entry; called with the lock held. */
static void
clear_all(void)
{
	for (int i = 0; i < BUCKETS; i++)
		while (buckets[i])
			remove_at(&buckets[i]);
}

/* Copies a fresh reading in, unless something was invalidated since it
 * was read (seen: the epoch before the read). */
static void
store(uint64_t seen, bool is_user, const char *key, enum db_status st, bool active,
      const char *grants)
{
	pthread_mutex_lock(&lock);
	if (usable && epoch == seen && !*find(is_user, key)) {
		if (n_entries >= MAX_ENTRIES)
			clear_all();
		struct entry *e = calloc(1, sizeof *e);
		char *g = st == DB_OK && grants ? strdup(grants) : NULL;
		if (e && (g || st != DB_OK || !grants)) {
			e->at = text_now_monotonic_us();
			e->is_user = is_user;
			e->exists = st == DB_OK;
			e->active = active;
			e->grants = g;
			snprintf(e->key, sizeof e->key, "%s", key);
			struct entry **head = &buckets[bucket_of(is_user, key)];
			e->next = *head;
			*head = e;
			n_entries++;
		} else {
			free(e);
			free(g);
		}
	}
	pthread_mutex_unlock(&lock);
}

enum db_status
auth_standing_get(struct db *db, struct arena *a, const char *org_id, bool is_user,
		  const char *id, bool *active, char **grants)
{
	char key[80];
	if ((size_t)snprintf(key, sizeof key, "%s/%s", org_id, id) >= sizeof key)
		return db_principal_state(db, a, org_id, is_user, id, active, grants);
	pthread_mutex_lock(&lock);
	struct entry **slot = usable ? find(is_user, key) : NULL;
	if (slot && *slot && text_now_monotonic_us() - (*slot)->at > TTL_US)
		remove_at(slot);
	if (slot && *slot) {
		struct entry *e = *slot;
		enum db_status st = e->exists ? DB_OK : DB_NONE;
		*active = e->active;
		*grants = e->grants ? arena_strdup(a, e->grants) : NULL;
		hits++;
		pthread_mutex_unlock(&lock);
		return st;
	}
	uint64_t seen = epoch;
	misses++;
	pthread_mutex_unlock(&lock);
	*active = false;
	*grants = NULL;
	enum db_status st = db_principal_state(db, a, org_id, is_user, id, active, grants);
	if (st == DB_OK || st == DB_NONE)
		store(seen, is_user, key, st, *active, *grants);
	return st;
}

void
auth_standing_drop(bool is_user, const char *org_id, const char *id)
{
	char key[80];
	snprintf(key, sizeof key, "%s/%s", org_id, id);
	pthread_mutex_lock(&lock);
	epoch++;
	struct entry **slot = find(is_user, key);
	if (*slot)
		remove_at(slot);
	pthread_mutex_unlock(&lock);
}

void
auth_standing_reset(bool now_usable)
{
	pthread_mutex_lock(&lock);
	epoch++;
	clear_all();
	usable = now_usable;
	pthread_mutex_unlock(&lock);
}

void
auth_standing_stats(long *entries, long *h, long *m)
{
	pthread_mutex_lock(&lock);
	*entries = n_entries;
	*h = hits;
	*m = misses;
	pthread_mutex_unlock(&lock);
}

/* A copy of u in one malloc block (strings after the struct; no password
 * hash), or NULL when out of memory. The caller frees it. */
static struct db_user *
user_dup(const struct db_user *u)
{
	const char *src[] = {u->id, u->org_id, u->email, u->name, u->roles, u->created_at,
			     u->updated_at};
	size_t len[7], total = sizeof(struct db_user);
	for (int i = 0; i < 7; i++)
		total += (len[i] = src[i] ? strlen(src[i]) + 1 : 0);
	struct db_user *c = malloc(total);
	if (!c)
		return NULL;
	*c = (struct db_user){.disabled = u->disabled, .version = u->version};
	char **dst[] = {&c->id, &c->org_id, &c->email, &c->name, &c->roles, &c->created_at,
			&c->updated_at};
	char *p = (char *)(c + 1);
	for (int i = 0; i < 7; i++) {
		if (!src[i])
			continue;
		memcpy(p, src[i], len[i]);
		*dst[i] = p;
		p += len[i];
	}
	return c;
}

/* Keeps u with the subject's entry, unless something was invalidated since
 * it was read (seen) or the entry is gone. */
static void
store_user(uint64_t seen, const char *key, const struct db_user *u)
{
	pthread_mutex_lock(&lock);
	struct entry **slot = usable && epoch == seen ? find(true, key) : NULL;
	if (slot && *slot && !(*slot)->user)
		(*slot)->user = user_dup(u);
	pthread_mutex_unlock(&lock);
}

enum db_status
auth_standing_user(struct db *db, struct arena *a, const char *org_id, const char *id,
		   struct db_user *out)
{
	char key[80];
	if ((size_t)snprintf(key, sizeof key, "%s/%s", org_id, id) >= sizeof key)
		return db_user_get(db, a, org_id, id, out);
	pthread_mutex_lock(&lock);
	struct entry **slot = usable ? find(true, key) : NULL;
	if (slot && *slot && (*slot)->user &&
	    text_now_monotonic_us() - (*slot)->at <= TTL_US) {
		const struct db_user *u = (*slot)->user;
		*out = (struct db_user){
			.id = arena_strdup(a, u->id), .org_id = arena_strdup(a, u->org_id),
			.email = arena_strdup(a, u->email), .name = arena_strdup(a, u->name),
			.roles = u->roles ? arena_strdup(a, u->roles) : NULL,
			.disabled = u->disabled, .version = u->version,
			.created_at = arena_strdup(a, u->created_at),
			.updated_at = arena_strdup(a, u->updated_at)};
		hits++;
		pthread_mutex_unlock(&lock);
		return DB_OK;
	}
	uint64_t seen = epoch;
	misses++;
	pthread_mutex_unlock(&lock);
	enum db_status st = db_user_get(db, a, org_id, id, out);
	if (st == DB_OK)
		store_user(seen, key, out);
	return st;
}
