#ifndef DB_SCORECARDS_INTERNAL_H
#define DB_SCORECARDS_INTERNAL_H
/* Shared by db/scorecards*.c only. */
#include "db/internal.h"
#include "db/scorecards.h"

/* The statements reading scorecards under one condition: the headers, and
 * their items without or with the notes. */
struct card_queries {
	struct db_stmt head, items, items_notes;
};

/* Scorecards matching q's condition (np parameters p), with their items;
 * notes only with with_notes. *out (in a) is NULL when *n is 0. */
enum db_status db_cards_read(struct db *db, struct arena *a, struct card_queries *q, int np,
			     const char *const *p, bool with_notes, struct db_scorecard **out,
			     int *n);

#endif
