#ifndef BASE_LOG_H
#define BASE_LOG_H
#include <stdbool.h>

/* One JSON object per line on stderr. Values never include secrets or PII:
 * callers log ids and codes, not request content. */
enum log_level { LOG_DEBUG, LOG_INFO, LOG_WARN, LOG_ERROR };

void log_set_level(enum log_level lvl);
bool log_enabled(enum log_level lvl);
/* Parses "debug", "info", "warn", "error". */
bool log_parse_level(const char *s, enum log_level *out);

/* Logs {"time","level","msg", then each key/value pair given as strings,
 * terminated by NULL}. Values are escaped. */
void log_kv(enum log_level lvl, const char *msg, ...) __attribute__((sentinel));

/* Writes an already-complete JSON object line (must end in '\n') atomically. */
void log_raw(const char *line, unsigned long len);

const char *log_level_name(enum log_level lvl);

#endif
