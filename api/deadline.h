#ifndef API_DEADLINE_H
#define API_DEADLINE_H
#include <microhttpd.h>
#include <stdbool.h>
#include <stddef.h>

/* A deadline for request headers and bodies (LOOP_HEADER_TIMEOUT), which libmicrohttpd
 * 0.9.75 lacks: its connection timeout is an idle timeout that every
 * trickled byte resets. Each connection gets a slot (its socket context);
 * a sweeper thread shuts down the socket of a connection whose headers are
 * overdue, and libmicrohttpd then closes it in its own thread. */

/* Starts the sweeper; false (logged) when the thread cannot start. */
bool deadline_start(void);
/* Stops the sweeper (before the daemons stop). */
void deadline_stop(void);
/* MHD_OPTION_NOTIFY_CONNECTION: makes and frees a connection's slot. */
void deadline_on_connection(void *cls, struct MHD_Connection *c, void **socket_context,
			    enum MHD_ConnectionNotificationCode code);
/* A request line arrived: its headers are due within the timeout. */
void deadline_request_line(struct MHD_Connection *c);
/* Bytes per second a request body must keep up on average, once its first
 * LOOP_HEADER_TIMEOUT seconds are over: a body trickled slower is dropped
 * like overdue headers (a trickled byte resets the idle timeout too). */
#define DEADLINE_BODY_MIN_RATE 1024
/* The headers are complete: the body (if any) is due within the header
 * timeout, plus a second per DEADLINE_BODY_MIN_RATE bytes received. */
void deadline_headers_done(struct MHD_Connection *c);
/* seen body bytes have arrived: moves the body's deadline. */
void deadline_body_progress(struct MHD_Connection *c, size_t seen);
/* The request is complete: no deadline while it runs. */
void deadline_body_done(struct MHD_Connection *c);
/* A request finished: the next one may idle for the connection timeout,
 * then must send its headers within the header timeout. */
void deadline_request_done(struct MHD_Connection *c);

#endif
