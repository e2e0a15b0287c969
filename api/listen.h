#ifndef API_LISTEN_H
#define API_LISTEN_H
#include <stdbool.h>
#include <sys/socket.h>

/* Resolves "host:port" or "[v6]:port" (numeric port) into addr; *v6 tells
 * the family. False when it does not resolve. */
bool listen_resolve(const char *hostport, struct sockaddr_storage *addr, bool *v6);

/* Raises the soft open-file limit toward need descriptors (at most the
 * hard limit); logs a warning when the hard limit is lower. */
void listen_raise_fd_limit(long need);

#endif
