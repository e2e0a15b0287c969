/* GET /v1/rounds: the org's schedule, as far as the caller reaches it. */
#include <string.h>
#include "api/common.h"
#include "api/handlers.h"
#include "api/scheduling.h"
#include "base/text.h"
#include "db/scheduling.h"

static const char *const statuses[] = {"scheduled", "completed", "cancelled", "no_show", NULL};

/* The filters of the query into f; false with 400 queued when malformed. */
static bool
filters_or_reply(struct api_request *rq, struct db_schedule_filter *f)
{
	int64_t us;
	*f = (struct db_schedule_filter){api_query(rq, "starts_after"), api_query(rq, "starts_before"),
					 api_query(rq, "status"), api_query(rq, "interviewer")};
	if ((f->starts_after && !text_parse_rfc3339(f->starts_after, &us)) ||
	    (f->starts_before && !text_parse_rfc3339(f->starts_before, &us))) {
		api_reply_error(rq, E_INVALID_QUERY,
				"starts_after and starts_before must be RFC 3339 date-times");
		return false;
	}
	if (f->interviewer && !text_is_uuid(f->interviewer)) {
		api_reply_error(rq, E_INVALID_QUERY, "interviewer must be a UUID");
		return false;
	}
	bool known = !f->status;
	for (const char *const *s = statuses; *s && !known; s++)
		known = !strcmp(*s, f->status);
	if (!known) {
		api_reply_error(rq, E_INVALID_QUERY,
				"status must be one of scheduled, completed, cancelled, no_show");
		return false;
	}
	return true;
}

/* GET /v1/rounds?starts_after=&starts_before=&interviewer=&status=&order=&limit=&cursor= */
enum api_result
api_schedule(struct api_request *rq)
{
	struct db_schedule_filter f;
	struct api_page page;
	if (!filters_or_reply(rq, &f) || !api_page_or_reply(rq, &page) ||
	    !api_order_or_reply(rq, &page.desc))
		return API_REPLIED;
	struct db_viewer v;
	api_viewer(rq, &v);
	struct db_page list = {page.after_created, page.after_id, page.limit + 1, page.desc,
			       NULL, NULL};
	struct db_round *rounds;
	int n;
	enum db_status st = db_schedule(rq->db, rq->arena, &v, &f, &list, &rounds, &n);
	if (st != DB_OK)
		return api_reply_db(rq, st, "round");
	bool more = n > page.limit;
	json_t *data = json_array();
	for (int i = 0; i < n && i < page.limit; i++)
		json_array_append_new(data, api_round_json(&rounds[i]));
	/* the keyset of this list is (starts_at, id) */
	return api_reply_json(rq, 200, api_page_json(rq, data,
						     more ? rounds[page.limit - 1].starts_at : NULL,
						     more ? rounds[page.limit - 1].id : NULL));
}
