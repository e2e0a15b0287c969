/* Per-caller token buckets, in this process (README, "Rate limits"): one
 * per user or API client, holding the org's limit (its own, else
 * LOOP_RATE_LIMIT) divided by LOOP_RATE_LIMIT_INSTANCES, refilled
 * continuously over a minute. Sharded, one mutex per shard; a full bucket
 * is as good as none, so a new caller takes the slot of the fullest one
 * when its shard is full. The org's limit is read again after
 * ORG_LIMIT_TTL_US, or at once after a change on this instance. */
#include <pthread.h>
#include <stdatomic.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include "api/config.h"
#include "api/ratelimit.h"
#include "auth/principal.h"
#include "base/text.h"
#include "db/rate_limits.h"

#define SHARDS 64
#define SLOTS 256		/* callers per shard */
#define UNIT 1000000LL		/* one request, in micro-requests */
#define MINUTE_US 60000000LL
#define ORG_LIMIT_TTL_US 10000000LL

static atomic_int generation;	/* bumped by api_rate_limit_changed */

struct bucket {
	char key[96];		/* "u:<org>:<user>" or "c:<org>:<client>"; "" = free */
	int64_t level;		/* micro-requests left */
	int64_t at_us;		/* when level was computed */
	int64_t limit;		/* requests a minute in this instance */
	int64_t limit_at_us;	/* when limit was read */
	int limit_generation;
};

static struct shard {
	pthread_mutex_t lock;
	struct bucket slot[SLOTS];
} shards[SHARDS];
static pthread_once_t shards_once = PTHREAD_ONCE_INIT;

static void
init_shards(void)
{
	for (int i = 0; i < SHARDS; i++)
		pthread_mutex_init(&shards[i].lock, NULL);
}

/* What one charge saw, for the headers. */
struct charge {
	bool allowed;
	int64_t level;		/* micro-requests left after the charge */
};

static uint64_t
fnv1a(const char *s)
{
	uint64_t h = 1469598103934665603ULL;
	for (; *s; s++)
		h = (h ^ (unsigned char)*s) * 1099511628211ULL;
	return h;
}

/* The bucket's level refilled up to now (capacity limit * UNIT). */
static int64_t
refilled(const struct bucket *b, int64_t limit, int64_t now)
{
	int64_t dt = now - b->at_us;
	if (dt > MINUTE_US)
		dt = MINUTE_US;
	int64_t level = b->level + (dt > 0 ? dt * limit / 60 : 0);
	return level < limit * UNIT ? level : limit * UNIT;
}

/* The caller's bucket in sh (locked), or the slot to reuse for it. */
static struct bucket *
find_slot(struct shard *sh, const char *key, int64_t limit, int64_t now, bool *fresh)
{
	struct bucket *fullest = NULL;
	int64_t most = -1;
	for (int i = 0; i < SLOTS; i++) {
		struct bucket *b = &sh->slot[i];
		if (!strcmp(b->key, key)) {
			*fresh = false;
			return b;
		}
		int64_t level = b->key[0] ? refilled(b, limit, now) : INT64_MAX;
		if (level > most) {
			most = level;
			fullest = b;
		}
	}
	*fresh = true;
	return fullest;
}

/* The limit the caller's bucket holds while it is fresh, else 0. */
static int64_t
cached_limit(const char *key)
{
	int64_t now = text_now_monotonic_us(), limit = 0;
	struct shard *sh = &shards[fnv1a(key) % SHARDS];
	pthread_once(&shards_once, init_shards);
	pthread_mutex_lock(&sh->lock);
	for (int i = 0; i < SLOTS; i++) {
		struct bucket *b = &sh->slot[i];
		if (!strcmp(b->key, key)) {
			if (now - b->limit_at_us < ORG_LIMIT_TTL_US &&
			    b->limit_generation == atomic_load(&generation))
				limit = b->limit;
			break;
		}
	}
	pthread_mutex_unlock(&sh->lock);
	return limit;
}

/* Charges one request to key's bucket of limit requests a minute; read
 * says limit was just read from the database (fresh for ORG_LIMIT_TTL_US). */
static struct charge
charge(const char *key, int64_t limit, bool read, int gen)
{
	int64_t now = text_now_monotonic_us();
	struct shard *sh = &shards[fnv1a(key) % SHARDS];
	struct charge c;
	pthread_once(&shards_once, init_shards);
	pthread_mutex_lock(&sh->lock);
	bool fresh;
	struct bucket *b = find_slot(sh, key, limit, now, &fresh);
	if (fresh) {
		snprintf(b->key, sizeof b->key, "%s", key);
		b->level = limit * UNIT;
	} else
		b->level = refilled(b, limit, now);
	b->at_us = now;
	if (read || fresh) {
		b->limit = limit;
		b->limit_at_us = now;
		b->limit_generation = gen;
	}
	c.allowed = b->level >= UNIT;
	if (c.allowed)
		b->level -= UNIT;
	c.level = b->level;
	pthread_mutex_unlock(&sh->lock);
	return c;
}

/* Whole seconds (rounded up) to refill micro-requests at limit per minute. */
static int64_t
seconds_to_refill(int64_t micro, int64_t limit)
{
	int64_t us = micro * 60 / limit;
	return (us + 999999) / 1000000;
}

static void
add_number(struct api_request *rq, const char *name, int64_t v)
{
	char text[24];
	snprintf(text, sizeof text, "%lld", (long long)v);
	api_add_header(rq, name, text);
}

void
api_rate_limit_changed(void)
{
	atomic_fetch_add(&generation, 1);
}

long
api_rate_limit_effective(long own)
{
	if (!own)
		return config.rate_limit;
	if (own < API_RATE_LIMIT_ORG_MIN)
		return API_RATE_LIMIT_ORG_MIN;
	return own > config.rate_limit_org_max ? config.rate_limit_org_max : own;
}

/* The org's limit for one instance, read from the database (LOOP_RATE_LIMIT
 * when it has none, or when the database cannot say). */
static int64_t
org_limit(struct api_request *rq, const char *org_id)
{
	long own;
	char *updated_at;
	enum db_status st = db_rate_limit_get(db_thread(), rq->arena, org_id, &own,
					      &updated_at);
	int64_t limit = api_rate_limit_effective(st == DB_OK ? own : 0) / config.rate_limit_instances;
	return limit > 0 ? limit : 1;
}

bool
api_rate_limit_or_reply(struct api_request *rq, const struct auth_principal *who)
{
	if (config.rate_limit == 0)
		return true;
	char key[96];
	snprintf(key, sizeof key, "%c:%s:%s", who->kind == AUTH_USER ? 'u' : 'c', who->org_id,
		 who->sub);
	int gen = atomic_load(&generation);
	int64_t limit = cached_limit(key);
	bool read = !limit;
	if (read)
		limit = org_limit(rq, who->org_id);
	struct charge c = charge(key, limit, read, gen);
	add_number(rq, "RateLimit-Limit", limit);
	add_number(rq, "RateLimit-Remaining", c.level / UNIT);
	add_number(rq, "RateLimit-Reset", seconds_to_refill(limit * UNIT - c.level, limit));
	if (c.allowed)
		return true;
	int64_t wait = seconds_to_refill(UNIT - c.level, limit);
	add_number(rq, "Retry-After", wait > 0 ? wait : 1);
	api_reply_error(rq, E_TOO_MANY_REQUESTS,
			"more than %lld requests a minute; retry in %lld s", (long long)limit,
			(long long)(wait > 0 ? wait : 1));
	return false;
}
