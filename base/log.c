#include <stdarg.h>
#include <string.h>
#include <unistd.h>
#include "base/arena.h"
#include "base/log.h"
#include "base/text.h"

static enum log_level current = LOG_INFO;
static const char *names[] = {"debug", "info", "warn", "error"};

void
log_set_level(enum log_level lvl)
{
	current = lvl;
}

bool
log_enabled(enum log_level lvl)
{
	return lvl >= current;
}

const char *
log_level_name(enum log_level lvl)
{
	return names[lvl];
}

bool
log_parse_level(const char *s, enum log_level *out)
{
	for (int i = 0; i < 4; i++)
		if (strcmp(s, names[i]) == 0) {
			*out = (enum log_level)i;
			return true;
		}
	return false;
}

void
log_raw(const char *line, unsigned long len)
{
	while (len > 0) {
		ssize_t n = write(STDERR_FILENO, line, len);
		if (n <= 0)
			return;
		line += n;
		len -= (unsigned long)n;
	}
}

void
log_kv(enum log_level lvl, const char *msg, ...)
{
	if (!log_enabled(lvl))
		return;
	struct arena *a = arena_create();
	struct abuf b;
	abuf_init(&b, a);
	abuf_printf(&b, "{\"time\":\"%s\",\"level\":\"%s\",\"msg\":\"",
		    text_format_rfc3339(a, text_now_us() / 1000 * 1000), names[lvl]);
	text_json_escape(&b, msg);
	abuf_puts(&b, "\"");
	va_list ap;
	va_start(ap, msg);
	for (const char *k; (k = va_arg(ap, const char *));) {
		const char *v = va_arg(ap, const char *);
		abuf_puts(&b, ",\"");
		text_json_escape(&b, k);
		abuf_puts(&b, "\":\"");
		text_json_escape(&b, v ? v : "");
		abuf_puts(&b, "\"");
	}
	va_end(ap);
	abuf_puts(&b, "}\n");
	log_raw(b.data, b.len);
	arena_destroy(a);
}
