#ifndef DB_DECISION_INTERNAL_H
#define DB_DECISION_INTERNAL_H
/* Shared by db/decisions.c, db/decision_record.c and db/reports.c only. */
#include "db/decisions.h"
#include "db/internal.h"

/* Column col of row as a double (0 for SQL NULL). */
double db_float(const PGresult *r, int row, int col);

/* Fills *in (policy, rounds, rubrics, stats, scorecards) for loop_id of
 * org_id, in a; the caller has checked the loop is there. */
enum db_status db_packet_load(struct db *db, struct arena *a, const char *org_id,
			      const char *loop_id, struct db_packet_inputs *in);

/* The loop's latest submitted scorecards into in (db/decisions.c). */
enum db_status db_packet_load_scorecards(struct db *db, struct arena *a, const char *org_id,
					 const char *loop_id, struct db_packet_inputs *in);

#endif
