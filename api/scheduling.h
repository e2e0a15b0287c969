#ifndef API_SCHEDULING_H
#define API_SCHEDULING_H
#include <jansson.h>
#include "db/scheduling.h"

/* A round as served, with its interviewers (api/rounds.c); a new reference.
 * Loops and the caller's schedule embed it. */
json_t *api_round_json(const struct db_round *r);

#endif
