#ifndef HOOKS_ADDRESS_H
#define HOOKS_ADDRESS_H
/* Shared by the files of hooks/ only. */
#include <stdbool.h>
#include <sys/socket.h>
#include "hooks/hooks.h"

/* A receiver's URL split, and the one checked address it resolved to (the
 * connection goes there, CURLOPT_RESOLVE, so a name cannot re-resolve
 * inward between the check and the connect). Strings from libcurl. */
struct hooks_target {
	char *scheme, *host, *port;
	char address[48];	/* numeric; IPv6 in brackets */
};

/* Parses url and resolves its host into *t (free it with
 * hooks_target_free whatever the verdict). */
enum hooks_url_verdict hooks_target_resolve(const char *url, bool allow_insecure,
					    struct hooks_target *t);
void hooks_target_free(struct hooks_target *t);

/* True for an address a public receiver cannot have (loopback, private,
 * link-local, unique local, multicast, unspecified). */
bool hooks_address_inward(const struct sockaddr *sa);

#endif
