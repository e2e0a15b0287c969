#ifndef DB_THROTTLES_H
#define DB_THROTTLES_H
#include "db/db.h"

/* Failed-login counters in PostgreSQL, shared by every instance. */

/* Failures of key in the last window_s seconds; *retry_after gets the
 * seconds until the oldest of them leaves the window. */
enum db_status db_throttle_count(struct db *db, const char *key, int window_s, int *count,
				 int *retry_after);
enum db_status db_throttle_fail(struct db *db, const char *key, const char *org_id);
enum db_status db_throttle_clear(struct db *db, const char *key);

#endif
