/* Loop hygiene warnings as served (api/hygiene.h). */
#include <string.h>
#include "api/hygiene.h"

static const struct {
	const char *code, *message;
} warnings[] = {
	{"take_home_deadline_short",
	 "The take-home is due less than 7 days after it is assigned (or has no due time): "
	 "candidates read a rushed take-home as a team that does not respect their time."},
	{"take_home_effort_missing",
	 "The take-home states no expected effort in hours: candidates read an unstated "
	 "length as a warning sign."},
};

void
api_warnings_append(json_t *list, const char *round_id, const char *words)
{
	for (size_t i = 0; words && i < sizeof warnings / sizeof warnings[0]; i++)
		if (strstr(words, warnings[i].code))
			json_array_append_new(list, json_pack("{s:s, s:s, s:s, s:{s:s, s:s}}",
				"code", warnings[i].code, "round_id", round_id, "message",
				warnings[i].message, "source", "document", "003_d95efa6b9180d125.txt",
				"section", "Red Flags to Watch For > 2"));
}

json_t *
api_warning_count_json(const char *code, long long rounds)
{
	json_t *list = json_array();
	api_warnings_append(list, "", code);
	json_t *w = json_incref(json_array_get(list, 0));
	json_decref(list);
	json_object_del(w, "round_id");
	json_object_set_new(w, "rounds", json_integer(rounds));
	return w;
}

json_t *
api_warnings_json(const char *round_id, const char *words)
{
	json_t *list = json_array();
	api_warnings_append(list, round_id, words);
	return list;
}

json_t *
api_elapsed_json(bool known, double days)
{
	return known ? json_real((double)(long long)(days * 10 + (days < 0 ? -0.5 : 0.5)) / 10)
		     : json_null();
}
