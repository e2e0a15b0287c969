/* The org's directory: the people a recruiter books, for anyone who reads loops. */
#include <string.h>
#include "api/common.h"
#include "api/handlers.h"
#include "auth/principal.h"
#include "auth/scope.h"
#include "db/users.h"

/* The role filter (empty counts as absent, as in the cursor's binding);
 * false with 400 queued when it names no role. */
static bool
role_or_reply(struct api_request *rq, const char **role)
{
	*role = api_query(rq, "role");
	if (*role && !**role)
		*role = NULL;
	if (!*role || auth_role_from_name(*role))
		return true;
	api_reply_error(rq, E_INVALID_QUERY, "role must be one of admin, recruiter, interviewer, "
			"hiring_manager");
	return false;
}

/* The basic profile: never the email, whoever asks. */
static json_t *
person_json(const struct db_person *p)
{
	return json_pack("{s:s, s:s, s:o}", "id", p->id, "name", p->name, "roles",
			 api_words_json(p->roles));
}

/* GET /v1/people?role=&q=&order=&limit=&cursor= */
enum api_result
api_people_list(struct api_request *rq)
{
	struct api_page page;
	const char *role, *q = api_query(rq, "q");
	if (!api_page_or_reply(rq, &page) || !api_order_or_reply(rq, &page.desc) ||
	    !role_or_reply(rq, &role))
		return API_REPLIED;
	if (q && strlen(q) > 200)
		return api_reply_error(rq, E_INVALID_QUERY, "q may be at most 200 characters");
	struct db_page p = {page.after_created, page.after_id, page.limit + 1, page.desc, NULL,
			    NULL};
	struct db_person *people;
	int n;
	enum db_status st = db_people_list(rq->db, rq->arena, rq->who->org_id, role, q, &p, &people,
					   &n);
	if (st != DB_OK)
		return api_reply_db(rq, st, "user");
	bool more = n > page.limit;
	json_t *data = json_array();
	for (int i = 0; i < n && i < page.limit; i++)
		json_array_append_new(data, person_json(&people[i]));
	return api_reply_json(rq, 200, api_page_json(rq, data,
						     more ? people[page.limit - 1].created_at : NULL,
						     more ? people[page.limit - 1].id : NULL));
}
