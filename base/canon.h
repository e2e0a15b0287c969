#ifndef BASE_CANON_H
#define BASE_CANON_H
#include <jansson.h>
#include "base/arena.h"

/*
 * Canonical JSON: object keys sorted by code point, no whitespace, strings
 * as UTF-8 with only '"', '\\' and control characters escaped (\b \f \n \r
 * \t, others as \u00xx in lowercase hex), integers in decimal, reals in
 * the shortest form that reads back exactly (".0" on integral values).
 * Byte-identical to Python's
 * json.dumps(v, sort_keys=True, separators=(",", ":"), ensure_ascii=False)
 * (reals are written as Python's repr() writes them).
 * Returns text allocated in a.
 */
char *canon_json(struct arena *a, json_t *v);

#endif
