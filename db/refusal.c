/* Refusals: a request may have several refused fields, reported at once. */
#include "db/scheduling.h"

enum db_status
db_refusal_add(struct db_refusal *why, enum db_refused reason, int index, const char *value)
{
	if (why->reason == DB_REFUSED_NONE) {
		why->reason = reason;
		why->index = index;
		why->value = value;
	} else if (why->nmore < DB_MAX_REFUSALS) {
		why->more[why->nmore++] = (struct db_refusal_item){reason, index, value};
	}
	return DB_INVALID;
}
