#ifndef API_SERVER_H
#define API_SERVER_H
#include <stdbool.h>

/* Starts the HTTP server with the loaded config; false (logged) on failure. */
bool server_start(void);
/* Port actually bound (useful with port 0). */
int server_port(void);
/* Stops accepting, waits for in-flight requests up to the drain timeout,
 * then closes every connection. */
void server_stop(void);

#endif
