#ifndef API_DECISIONS_H
#define API_DECISIONS_H
/* Shared by the decision policy, packet, decision and report handlers. */
#include "api/http.h"
#include "db/decisions.h"
#include "rubrics/decision.h"

/* The stored policy row as the engine's policy (the defaults when the org
 * never stored one); round weights in a. */
void api_policy_from_db(struct arena *a, const struct db_policy *row, struct decision_policy *out);

/* What the judge needs and keeps for the handler: the packet it built. */
struct api_judge {
	struct db *db;			/* the request's, inside db/'s transaction: */
	const char *org_id;		/* rubric documents the cache lacks are read there */
	bool with_contributions;	/* a decision: compute each interviewer's share */
	struct decision_packet packet;
	struct db_loop_hygiene hygiene;	/* the loop's warnings and elapsed days */
};

/* The db_judge of db/decisions.h: runs the engine on the loop's rows (ctx:
 * a struct api_judge, whose packet lives in a). */
enum db_status api_judge(void *ctx, struct arena *a, const struct db_packet_inputs *in,
			 struct db_judgement *out);

/* The packet as served (a new reference). */
json_t *api_packet_json(const char *loop_id, const struct decision_packet *p);

#endif
