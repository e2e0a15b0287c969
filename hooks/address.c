/* Where a webhook may point: https, and only public addresses. */
#include <arpa/inet.h>
#include <curl/curl.h>
#include <netdb.h>
#include <string.h>
#include "hooks/address.h"

/* True for an IPv4 address (host order) no public receiver has. */
static bool
inward_v4(uint32_t a)
{
	static const struct { uint32_t net; int bits; } nets[] = {
		{0x00000000, 8},	/* this network */
		{0x0a000000, 8},	/* private */
		{0x64400000, 10},	/* carrier-grade NAT */
		{0x7f000000, 8},	/* loopback */
		{0xa9fe0000, 16},	/* link-local, cloud metadata */
		{0xac100000, 12},	/* private */
		{0xc0000000, 24},	/* IETF protocol assignments */
		{0xc0a80000, 16},	/* private */
		{0xc6120000, 15},	/* benchmarking */
		{0xe0000000, 3},	/* multicast, reserved, broadcast */
	};
	for (size_t i = 0; i < sizeof nets / sizeof nets[0]; i++)
		if ((a & ~(0xffffffffu >> nets[i].bits)) == nets[i].net)
			return true;
	return false;
}

bool
hooks_address_inward(const struct sockaddr *sa)
{
	if (sa->sa_family == AF_INET)
		return inward_v4(ntohl(((const struct sockaddr_in *)sa)->sin_addr.s_addr));
	if (sa->sa_family != AF_INET6)
		return true;
	const unsigned char *b = ((const struct sockaddr_in6 *)sa)->sin6_addr.s6_addr;
	/* Forms that carry an IPv4 address, which a host, a NAT64 or a 6to4
	 * relay may deliver to: judged by that address. */
	static const unsigned char mapped[12] = {0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0xff, 0xff};
	static const unsigned char nat64[12] = {0, 0x64, 0xff, 0x9b};	/* 64:ff9b::/96 */
	static const unsigned char compat[12] = {0};			/* ::/96 (deprecated) */
	static const unsigned char translated[12] = {0, 0, 0, 0, 0, 0, 0, 0, 0xff, 0xff}; /* SIIT */
	if (!memcmp(b, mapped, 12) || !memcmp(b, nat64, 12) || !memcmp(b, compat, 12) ||
	    !memcmp(b, translated, 12))
		return inward_v4((uint32_t)b[12] << 24 | (uint32_t)b[13] << 16 |
				 (uint32_t)b[14] << 8 | b[15]);
	if (b[0] == 0x20 && b[1] == 0x02)	/* 6to4: 2002:AABB:CCDD::/48 */
		return inward_v4((uint32_t)b[2] << 24 | (uint32_t)b[3] << 16 |
				 (uint32_t)b[4] << 8 | b[5]);
	return (b[0] & 0xfe) == 0xfc		/* unique local */
	       || (b[0] == 0xfe && (b[1] & 0xc0) == 0x80)	/* link-local */
	       || (b[0] == 0xfe && (b[1] & 0xc0) == 0xc0)	/* site-local (deprecated) */
	       || (b[0] == 0x00 && b[1] == 0x64 && b[2] == 0xff && b[3] == 0x9b
		   && b[4] == 0x00 && b[5] == 0x01)		/* 64:ff9b:1::/48, local NAT64 */
	       || b[0] == 0xff;			/* multicast */
}

void
hooks_target_free(struct hooks_target *t)
{
	curl_free(t->scheme);
	curl_free(t->host);
	curl_free(t->port);
	*t = (struct hooks_target){0};
}

/* Splits url into t; false unless it is an absolute http(s) URL with a host. */
static bool
parse(const char *url, struct hooks_target *t)
{
	CURLU *u = curl_url();
	bool ok = u && curl_url_set(u, CURLUPART_URL, url, 0) == CURLUE_OK
		  && curl_url_get(u, CURLUPART_SCHEME, &t->scheme, 0) == CURLUE_OK
		  && curl_url_get(u, CURLUPART_HOST, &t->host, 0) == CURLUE_OK
		  && curl_url_get(u, CURLUPART_PORT, &t->port, CURLU_DEFAULT_PORT) == CURLUE_OK
		  && (!strcmp(t->scheme, "https") || !strcmp(t->scheme, "http"));
	curl_url_cleanup(u);
	return ok;
}

enum hooks_url_verdict
hooks_target_resolve(const char *url, bool allow_insecure, struct hooks_target *t)
{
	*t = (struct hooks_target){0};
	if (strlen(url) > 2048 || !parse(url, t))
		return HOOKS_URL_MALFORMED;
	if (strcmp(t->scheme, "https") != 0 && !allow_insecure)
		return HOOKS_URL_INSECURE;
	/* An IPv6 literal comes bracketed; getaddrinfo wants it bare. */
	char host[256];
	size_t n = strlen(t->host);
	bool bracketed = n > 2 && t->host[0] == '[' && t->host[n - 1] == ']';
	if (n >= sizeof host)
		return HOOKS_URL_MALFORMED;
	snprintf(host, sizeof host, "%.*s", (int)(bracketed ? n - 2 : n), t->host + bracketed);
	struct addrinfo hints = {.ai_socktype = SOCK_STREAM}, *res;
	if (getaddrinfo(host, NULL, &hints, &res) != 0)
		return HOOKS_URL_UNRESOLVED;
	enum hooks_url_verdict v = HOOKS_URL_OK;
	for (struct addrinfo *ai = res; ai; ai = ai->ai_next)
		if (!allow_insecure && hooks_address_inward(ai->ai_addr))
			v = HOOKS_URL_INWARD;
	const void *addr = res->ai_family == AF_INET
		? (const void *)&((struct sockaddr_in *)res->ai_addr)->sin_addr
		: (const void *)&((struct sockaddr_in6 *)res->ai_addr)->sin6_addr;
	char text[INET6_ADDRSTRLEN];
	inet_ntop(res->ai_family, addr, text, sizeof text);
	snprintf(t->address, sizeof t->address, res->ai_family == AF_INET6 ? "[%s]" : "%s", text);
	freeaddrinfo(res);
	return v;
}

enum hooks_url_verdict
hooks_url_check(const char *url, bool allow_insecure)
{
	struct hooks_target t;
	enum hooks_url_verdict v = hooks_target_resolve(url, allow_insecure, &t);
	hooks_target_free(&t);
	return v;
}

bool
hooks_url_has_userinfo(const char *url)
{
	CURLU *u = curl_url();
	char *user = NULL, *password = NULL;
	bool has = u && curl_url_set(u, CURLUPART_URL, url, 0) == CURLUE_OK
		   && (curl_url_get(u, CURLUPART_USER, &user, 0) == CURLUE_OK
		       || curl_url_get(u, CURLUPART_PASSWORD, &password, 0) == CURLUE_OK);
	curl_free(user);
	curl_free(password);
	curl_url_cleanup(u);
	return has;
}
