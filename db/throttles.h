#ifndef DB_THROTTLES_H
#define DB_THROTTLES_H
#include "db/db.h"

/* Login and credential throttles in PostgreSQL, shared by every instance.
 * Keys name an account ("acct:<org>:<user id>", or a keyed hash of an
 * unknown name), an address ("addr:<ip>") or a client ("client:<id>");
 * sign-ins are counted under "ok:" + key. */

struct db_throttle_limits {
	int window, acct_max, addr_max;		/* failures per window (s) */
	int ok_window, ok_acct_max, ok_addr_max;	/* sign-ins per ok_window (s) */
};

/* Failures of key in the last window_s seconds; *retry_after gets the
 * seconds until the oldest of them leaves the window. */
enum db_status db_throttle_count(struct db *db, const char *key, int window_s, int *count,
				 int *retry_after);
enum db_status db_throttle_fail(struct db *db, const char *key, const char *org_id);
enum db_status db_throttle_clear(struct db *db, const char *key);
/* Counts one password attempt before it is checked, atomically: *wait > 0
 * (seconds) when a limit refuses it, else the attempt is recorded as a
 * failure and *addr_row names its address row (in a) for
 * db_throttle_success. */
enum db_status db_throttle_attempt(struct db *db, struct arena *a,
				   const struct db_throttle_limits *l, const char *org_id,
				   const char *acct, const char *addr, char **addr_row, int *wait);
/* The attempt succeeded: forgives the account, takes back the address row,
 * counts the sign-in. */
enum db_status db_throttle_success(struct db *db, const char *org_id, const char *acct,
				   const char *addr, const char *addr_row);

#endif
