/* application/x-www-form-urlencoded bodies (the OAuth endpoints). */
#include <string.h>
#include "api/http.h"
#include "base/text.h"

static int
hex(char c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	if (c >= 'a' && c <= 'f')
		return c - 'a' + 10;
	if (c >= 'A' && c <= 'F')
		return c - 'A' + 10;
	return -1;
}

/* Decodes n bytes of s into a; NULL when malformed, when the result holds
 * a NUL byte or is not UTF-8. */
static char *
decode(struct arena *a, const char *s, size_t n)
{
	char *out = arena_alloc(a, n + 1);
	size_t j = 0;
	for (size_t i = 0; i < n; i++) {
		if (s[i] == '+') {
			out[j++] = ' ';
		} else if (s[i] == '%') {
			int h = i + 2 < n ? hex(s[i + 1]) : -1, l = h >= 0 ? hex(s[i + 2]) : -1;
			if (h < 0 || l < 0 || (h == 0 && l == 0))
				return NULL;
			out[j++] = (char)(h * 16 + l);
			i += 2;
		} else {
			out[j++] = s[i];
		}
	}
	out[j] = '\0';
	return text_is_utf8(out, j) ? out : NULL;
}

const char *
api_form(struct api_request *rq, const char *name, bool *bad)
{
	const char *found = NULL;
	const char *p = rq->body ? rq->body : "";
	size_t len = strlen(name);
	while (*p) {
		size_t n = strcspn(p, "&");
		const char *eq = memchr(p, '=', n);
		size_t klen = eq ? (size_t)(eq - p) : n;
		char *key = decode(rq->arena, p, klen);
		if (!key || (rq->body_len && strlen(rq->body) != rq->body_len)) {
			*bad = true;
			return NULL;
		}
		if (strlen(key) == len && memcmp(key, name, len) == 0) {
			char *v = eq ? decode(rq->arena, eq + 1, n - klen - 1) : arena_strdup(rq->arena, "");
			if (!v || found) {
				*bad = true;
				return NULL;
			}
			found = v;
		}
		p += n;
		if (*p == '&')
			p++;
	}
	return found;
}
