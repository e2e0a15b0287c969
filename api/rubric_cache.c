/* The parsed rubric versions of the decision packet (api/rubric_cache.h). */
#include <jansson.h>
#include <stdlib.h>
#include <string.h>
#include "api/rubric_cache.h"
#include "base/shared_cache.h"

/* Past 1 000 entries the cache is emptied and refilled. */
static struct shared_cache cache = SHARED_CACHE_INIT(1000);

/* A parsed rubric version and the org owning it (NULL: the catalogue's),
 * both in arena. */
struct parsed {
	struct arena *arena;
	struct rubric rubric;
	const char *owner;
};

static void
parsed_free(void *p)
{
	struct parsed *v = p;
	arena_destroy(v->arena);
	free(v);
}

const struct rubric *
api_rubric_cache_get(struct arena *a, const char *org_id, const char *id, uint64_t *seen)
{
	const struct parsed *v = shared_cache_get(&cache, a, id, seen);
	/* another org's version is a miss for this one (it is held until a goes) */
	return v && (!v->owner || strcmp(v->owner, org_id) == 0) ? &v->rubric : NULL;
}

const struct rubric *
api_rubric_cache_put(struct arena *a, uint64_t seen, const char *id, const char *owner_org,
		     const char *document)
{
	struct parsed *v = calloc(1, sizeof *v);
	if (!v)
		abort();
	v->arena = arena_create();
	v->owner = owner_org ? arena_strdup(v->arena, owner_org) : NULL;
	json_t *doc = json_loads(document, 0, NULL);
	bool ok = doc && rubric_parse(v->arena, doc, &v->rubric, NULL);
	json_decref(doc);
	if (!ok) {
		parsed_free(v);
		return NULL;
	}
	v = shared_cache_put(&cache, a, seen, id, v, parsed_free);
	return &v->rubric;
}

void
api_rubric_cache_reset(bool now_usable)
{
	shared_cache_reset(&cache, now_usable);
}
