/* Trusted reverse proxies: CIDR ranges parsed with inet_pton, and the
 * client address a trusted proxy reports in X-Forwarded-For. */
#include <arpa/inet.h>
#include <string.h>
#include "api/proxy.h"

#define MAX_TEXT 64		/* longer than any address or range text */

struct api_proxy_list api_trusted_proxies;

static const unsigned char v4_mapped[12] = {0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0xff, 0xff};

bool
api_net_addr_parse(const char *text, size_t len, struct api_net_addr *out)
{
	char buf[MAX_TEXT];
	if (len == 0 || len >= sizeof buf)
		return false;
	memcpy(buf, text, len);
	buf[len] = '\0';
	memset(out, 0, sizeof *out);
	if (inet_pton(AF_INET, buf, out->bytes) == 1) {
		out->family = AF_INET;
		return true;
	}
	if (inet_pton(AF_INET6, buf, out->bytes) != 1)
		return false;
	out->family = AF_INET6;
	if (!memcmp(out->bytes, v4_mapped, sizeof v4_mapped)) {
		memmove(out->bytes, out->bytes + 12, 4);
		memset(out->bytes + 4, 0, 12);
		out->family = AF_INET;
	}
	return true;
}

bool
api_net_range_parse(const char *text, size_t len, struct api_net_range *out)
{
	const char *slash = memchr(text, '/', len);
	size_t alen = slash ? (size_t)(slash - text) : len;
	if (!api_net_addr_parse(text, alen, &out->addr))
		return false;
	int most = out->addr.family == AF_INET ? 32 : 128;
	if (!slash) {
		out->bits = most;
		return true;
	}
	/* A mapped address's prefix counts the 96 bits of ::ffff:0:0/96. */
	bool mapped = out->addr.family == AF_INET && memchr(text, ':', alen);
	const char *p = slash + 1, *end = text + len;
	if (p == end || end - p > 3)
		return false;
	int bits = 0;
	for (; p < end; p++) {
		if (*p < '0' || *p > '9')
			return false;
		bits = bits * 10 + (*p - '0');
	}
	if (mapped)
		bits -= 96;
	if (bits < 0 || bits > most)
		return false;
	out->bits = bits;
	return true;
}

bool
api_net_range_contains(const struct api_net_range *r, const struct api_net_addr *a)
{
	if (r->addr.family != a->family)
		return false;
	int whole = r->bits / 8, rest = r->bits % 8;
	if (memcmp(r->addr.bytes, a->bytes, (size_t)whole))
		return false;
	if (!rest)
		return true;
	unsigned char mask = (unsigned char)(0xff << (8 - rest));
	return (r->addr.bytes[whole] & mask) == (a->bytes[whole] & mask);
}

static bool
is_blank(char c)
{
	return c == ' ' || c == '\t';
}

/* The element of a comma-separated list at *p, blanks trimmed; moves *p
 * past its comma. False at the end of the text. */
static bool
next_element(const char **p, const char **start, size_t *len)
{
	const char *s = *p;
	if (!s)
		return false;
	const char *comma = strchr(s, ',');
	const char *e = comma ? comma : s + strlen(s);
	*p = comma ? comma + 1 : NULL;
	while (s < e && is_blank(*s))
		s++;
	while (e > s && is_blank(e[-1]))
		e--;
	*start = s;
	*len = (size_t)(e - s);
	return true;
}

bool
api_proxy_list_parse(const char *text, struct api_proxy_list *out)
{
	out->n = 0;
	if (!text[strspn(text, " \t")])
		return true;		/* empty: trust no one */
	const char *p = text, *s;
	size_t len;
	while (next_element(&p, &s, &len)) {
		if (out->n == API_PROXY_MAX || !api_net_range_parse(s, len, &out->range[out->n]))
			return false;
		out->n++;
	}
	return true;
}

bool
api_proxy_list_contains(const struct api_proxy_list *l, const struct api_net_addr *a)
{
	for (int i = 0; i < l->n; i++)
		if (api_net_range_contains(&l->range[i], a))
			return true;
	return false;
}

struct api_net_addr
api_proxy_client(const struct api_proxy_list *l, const struct api_net_addr *peer,
		 const char *xff)
{
	if (!xff || !api_proxy_list_contains(l, peer))
		return *peer;
	/* Every element must be an address; the right-most untrusted one
	 * wins, else (all are proxies) the left-most. */
	struct api_net_addr first = *peer, untrusted = *peer, a;
	bool have_untrusted = false;
	const char *p = xff, *s;
	size_t len;
	for (int i = 0; next_element(&p, &s, &len); i++) {
		if (!api_net_addr_parse(s, len, &a))
			return *peer;
		if (i == 0)
			first = a;
		if (!api_proxy_list_contains(l, &a)) {
			untrusted = a;
			have_untrusted = true;
		}
	}
	return have_untrusted ? untrusted : first;
}

bool
api_proxy_configure(const char *text)
{
	return api_proxy_list_parse(text, &api_trusted_proxies);
}
