#ifndef DB_DECISION_INTERNAL_H
#define DB_DECISION_INTERNAL_H
/* Shared by db/decisions.c, db/decision_record.c and db/reports.c only. */
#include "db/decisions.h"
#include "db/internal.h"

/* Column col of row as a double (0 for SQL NULL). */
double db_float(const PGresult *r, int row, int col);

/* The org's current policy as columns of a row of loops l (or of any
 * relation l with an org_id): all NULL when the org never stored one. */
#define DB_POLICY_COLUMNS \
	"p.version, p.hire_threshold::float8, p.max_split, p.shrinkage_k, p.count_shadows," \
	" p.critical_flag_blocks, p.bar_raiser_no_blocks, " DB_TS("p.created_at")
#define DB_POLICY_JOIN \
	" LEFT JOIN LATERAL (SELECT * FROM decision_policies dp WHERE dp.org_id = l.org_id" \
	" ORDER BY dp.version DESC LIMIT 1) p ON true"

/* The policy whose DB_POLICY_COLUMNS start at col of r's first row into
 * *out, with its round weights (read when it is stored); strings in a. */
enum db_status db_policy_row(struct db *db, struct arena *a, const char *org_id,
			     const PGresult *r, int col, struct db_policy *out);

/* Fills *in (rounds, rubrics, stats, scorecards) for loop_id of org_id, in
 * a; the caller has read the loop with its policy and elapsed days. */
enum db_status db_packet_load(struct db *db, struct arena *a, const char *org_id,
			      const char *loop_id, struct db_packet_inputs *in);

/* The loop's latest submitted scorecards into in (db/decisions.c). */
enum db_status db_packet_load_scorecards(struct db *db, struct arena *a, const char *org_id,
					 const char *loop_id, struct db_packet_inputs *in);

#endif
