/* Listening addresses and the descriptor budget of the HTTP daemons. */
#include <netdb.h>
#include <stdio.h>
#include <string.h>
#include <sys/resource.h>
#include "api/listen.h"
#include "base/log.h"

bool
listen_resolve(const char *hostport, struct sockaddr_storage *addr, bool *v6)
{
	char host[256];
	const char *colon = strrchr(hostport, ':');
	size_t n = (size_t)(colon - hostport);
	if (n >= sizeof host)
		return false;
	memcpy(host, hostport, n);
	host[n] = '\0';
	char *h = host;
	if (h[0] == '[' && n > 1 && h[n - 1] == ']') {
		h[n - 1] = '\0';
		h++;
	}
	struct addrinfo hints = {.ai_family = AF_UNSPEC, .ai_socktype = SOCK_STREAM,
				 .ai_flags = AI_PASSIVE | AI_NUMERICSERV}, *res;
	if (getaddrinfo(*h ? h : NULL, colon + 1, &hints, &res) != 0)
		return false;
	memcpy(addr, res->ai_addr, res->ai_addrlen);
	*v6 = res->ai_family == AF_INET6;
	freeaddrinfo(res);
	return true;
}


void
listen_raise_fd_limit(long need)
{
	struct rlimit rl;
	if (getrlimit(RLIMIT_NOFILE, &rl) != 0 || rl.rlim_cur >= (rlim_t)need)
		return;
	rl.rlim_cur = rl.rlim_max < (rlim_t)need ? rl.rlim_max : (rlim_t)need;
	setrlimit(RLIMIT_NOFILE, &rl);
	if (rl.rlim_cur < (rlim_t)need) {
		char have[24], want[24];
		snprintf(have, sizeof have, "%llu", (unsigned long long)rl.rlim_cur);
		snprintf(want, sizeof want, "%ld", need);
		log_kv(LOG_WARN, "the open-file limit is below what LOOP_MAX_CONNS needs", "limit",
		       have, "needed", want, NULL);
	}
}
