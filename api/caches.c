/* Wiring the invalidation listener (db/listen.c) to the in-process caches. */
#include <string.h>
#include "api/caches.h"
#include "api/handlers.h"
#include "api/repr_cache.h"
#include "api/rubric_cache.h"
#include "auth/standing.h"
#include "base/log.h"
#include "db/listen.h"

/* The listener is LISTENing: whatever was cached before may be stale. */
static void
on_up(void)
{
	auth_standing_reset(true);
	api_me_cache_reset(true);
	api_repr_reset(true);
	api_rubric_cache_reset(true);
}

/* The listener lost its connection: nothing cached can be trusted. */
static void
on_down(void)
{
	auth_standing_reset(false);
	api_me_cache_reset(false);
	api_repr_reset(false);
	api_rubric_cache_reset(false);
}

/* One notification: "user:<org>:<id>", "client:<org>:<id>", "rubrics" or
 * "templates"; anything else empties every cache. */
static void
on_event(const char *payload)
{
	bool user = !strncmp(payload, "user:", 5), client = !strncmp(payload, "client:", 7);
	if (user || client) {
		char org[40], id[40];
		const char *p = payload + (user ? 5 : 7), *colon = strchr(p, ':');
		size_t n = colon ? (size_t)(colon - p) : 0;
		if (colon && n < sizeof org && strlen(colon + 1) < sizeof id) {
			memcpy(org, p, n);
			org[n] = 0;
			memcpy(id, colon + 1, strlen(colon + 1) + 1);
			auth_standing_drop(user, org, id);
			if (user)
				api_me_cache_reset(true);
			return;
		}
	} else if (!strcmp(payload, "rubrics") || !strcmp(payload, "templates")) {
		api_repr_reset(true);
		api_rubric_cache_reset(true);
		return;
	}
	auth_standing_reset(true);
	api_me_cache_reset(true);
	api_repr_reset(true);
	api_rubric_cache_reset(true);
}

static const struct db_listen_hooks hooks = {on_up, on_down, on_event};

bool
api_caches_start(void)
{
	if (db_listen_start(&hooks))
		return true;
	log_kv(LOG_WARN, "no invalidation listener: caches stay bypassed", NULL);
	return false;
}

void
api_caches_stop(void)
{
	db_listen_stop();
}
