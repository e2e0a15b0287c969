/* libFuzzer driver for decision policy documents (the PUT
 * /v1/decision-policy body): bytes -> JSON (as the server parses a body)
 * -> decision_policy_from_json. A refusal names its fields; an accepted
 * policy validates, and its JSON reads back as the same policy. */
#include <jansson.h>
#include <stdint.h>
#include <stdlib.h>
#include "rubrics/decision.h"

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	json_t *doc = json_loadb((const char *)data, size, JSON_REJECT_DUPLICATES, NULL);
	if (!doc)
		return 0;
	struct arena *a = arena_create();
	json_t *errors = json_array();
	struct decision_policy p, back;
	if (decision_policy_from_json(a, doc, &p, errors)) {
		json_t *text = decision_policy_to_json(&p);
		if (json_array_size(errors) != 0 || !decision_policy_validate(a, &p, NULL) ||
		    !decision_policy_from_json(a, text, &back, NULL))
			abort();
		json_t *text_back = decision_policy_to_json(&back);
		if (!json_equal(text, text_back))
			abort();	/* the policy survives its own JSON */
		json_decref(text_back);
		json_decref(text);
	} else if (json_array_size(errors) == 0) {
		abort();	/* a refusal must say why */
	}
	json_decref(errors);
	json_decref(doc);
	arena_destroy(a);
	return 0;
}
