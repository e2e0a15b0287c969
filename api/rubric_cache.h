#ifndef API_RUBRIC_CACHE_H
#define API_RUBRIC_CACHE_H
#include <stdbool.h>
#include <stdint.h>
#include "base/arena.h"
#include "rubrics/rubric.h"

/*
 * Rubric versions parsed once per process, by rubric id, for the decision
 * packet (which used to load and parse every pinned document on every
 * read). A published version never changes (rubrics_no_update), so an
 * entry cannot go stale; the cache still follows the invalidation listener
 * like the other in-process caches (emptied on its notifications, bypassed
 * while it is down). An entry remembers the org that owns the version
 * (none: the catalogue's) and is served only to that org. Thread-safe; a
 * rubric handed out stays alive until the arena it was held for is
 * destroyed.
 */

/* Rubric id as org_id sees it, held for a, or NULL with *seen set for a
 * later api_rubric_cache_put. */
const struct rubric *api_rubric_cache_get(struct arena *a, const char *org_id, const char *id,
					  uint64_t *seen);

/* Parses document (rubric id, owned by owner_org; NULL: the catalogue's),
 * holds it for a and caches it unless the cache was emptied since *seen
 * was read. NULL when the document does not parse. */
const struct rubric *api_rubric_cache_put(struct arena *a, uint64_t seen, const char *id,
					  const char *owner_org, const char *document);

/* Empties the cache and (usable false) bypasses it until called with true. */
void api_rubric_cache_reset(bool usable);

#endif
