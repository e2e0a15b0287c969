#ifndef API_PROXY_H
#define API_PROXY_H
#include <stdbool.h>
#include <stddef.h>

/* Trusted reverse proxies (LOOP_TRUSTED_PROXIES) and the client address
 * behind them (X-Forwarded-For). Pure functions: no HTTP, no I/O. */

/* An IPv4 or IPv6 address; an IPv4-mapped IPv6 address (::ffff:a.b.c.d)
 * is kept as the IPv4 address it maps. */
struct api_net_addr {
	int family;		/* AF_INET or AF_INET6 */
	unsigned char bytes[16];	/* network order; 4 used for AF_INET */
};

/* An address with a prefix length: a CIDR range, or one address (/32, /128). */
struct api_net_range {
	struct api_net_addr addr;
	int bits;
};

#define API_PROXY_MAX 64

struct api_proxy_list {
	int n;
	struct api_net_range range[API_PROXY_MAX];
};

/* Parses len bytes of text as one address (inet_pton, no brackets or
 * port). False when they are not one. */
bool api_net_addr_parse(const char *text, size_t len, struct api_net_addr *out);

/* Parses "address" or "address/bits" (bits 0-32 or 0-128, digits only). */
bool api_net_range_parse(const char *text, size_t len, struct api_net_range *out);

/* True when a lies in r (of the same family). */
bool api_net_range_contains(const struct api_net_range *r, const struct api_net_addr *a);

/* Parses a comma-separated list of ranges (blanks around each allowed);
 * "" is the empty list. False on any bad element, an empty one, or more
 * than API_PROXY_MAX. */
bool api_proxy_list_parse(const char *text, struct api_proxy_list *out);

/* True when a lies in one of l's ranges. */
bool api_proxy_list_contains(const struct api_proxy_list *l, const struct api_net_addr *a);

/* The client behind peer: peer itself unless peer is trusted and xff (the
 * X-Forwarded-For value, NULL when absent) is well formed; then the
 * right-most address of xff that is not trusted (the left-most when all
 * are). A malformed xff answers peer. */
struct api_net_addr api_proxy_client(const struct api_proxy_list *l,
				     const struct api_net_addr *peer, const char *xff);

/* The list loopd trusts (set once at startup by api_proxy_configure). */
extern struct api_proxy_list api_trusted_proxies;

/* Parses text into api_trusted_proxies; false when it is invalid. */
bool api_proxy_configure(const char *text);

#endif
