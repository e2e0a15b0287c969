#ifndef API_CACHES_H
#define API_CACHES_H
#include <stdbool.h>

/* Starts the invalidation listener that keeps the in-process caches (the
 * standing of token subjects, rendered rubrics and templates, parsed rubric
 * versions) in step with
 * the database; until it is up the caches are bypassed. */
bool api_caches_start(void);

/* Stops the listener; the caches are emptied and bypassed. */
void api_caches_stop(void);

#endif
