#ifndef BASE_JSON_TEXT_H
#define BASE_JSON_TEXT_H
#include <jansson.h>
#include <stddef.h>

/*
 * Compact JSON text of any value, byte for byte what jansson's
 * json_dumps(v, JSON_COMPACT | JSON_ENCODE_ANY | JSON_REAL_PRECISION(15))
 * writes (members in insertion order, only \\, " and control characters
 * escaped, reals formatted by jansson itself), without its per-container
 * snprintf of the address, hash table and final copy: those made
 * encoding a fifth of loopd's CPU on a small answer.
 *
 * Returns a malloc'd NUL-terminated text (its length in *len), or NULL for
 * what jansson also refuses (a string that is not UTF-8, a real it cannot
 * format) or when memory runs out.
 */
char *json_text(const json_t *v, size_t *len);

#endif
