#ifndef API_HYGIENE_H
#define API_HYGIENE_H
#include <jansson.h>
#include <stdbool.h>

/* Loop hygiene as served: the warnings of take-home rounds and a loop's
 * elapsed days (computed in SQL, db/internal.h DB_TAKE_HOME_WARNINGS and
 * DB_LOOP_ELAPSED_DAYS). */

/* Appends to list one warning object per code of words (space-separated)
 * about round_id: {"code", "round_id", "message", "source"}. */
void api_warnings_append(json_t *list, const char *round_id, const char *words);

/* A new array of the warnings of words about round_id. */
json_t *api_warnings_json(const char *round_id, const char *words);

/* The org-wide count of rounds warned with code, with its message and
 * source: {"code", "rounds", "message", "source"}. A new reference. */
json_t *api_warning_count_json(const char *code, long long rounds);

/* elapsed_days with one decimal, or null when not known. */
json_t *api_elapsed_json(bool known, double days);

#endif
