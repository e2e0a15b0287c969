/* Header and body deadlines: a slot per connection in one list, and a
 * sweeper thread that shuts down the sockets of connections whose headers
 * or body are overdue. */
#include <pthread.h>
#include <stdatomic.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/socket.h>
#include "api/config.h"
#include "api/deadline.h"
#include "api/metrics.h"
#include "base/log.h"
#include "base/text.h"

struct slot {
	MHD_socket fd;
	int64_t due_us;		/* 0: no deadline now */
	int64_t body_us;	/* when the current request's headers were complete */
	bool cut;		/* already shut down */
	struct slot *prev, *next;
};

static pthread_mutex_t lock = PTHREAD_MUTEX_INITIALIZER;
static pthread_cond_t wake = PTHREAD_COND_INITIALIZER;
static struct slot *slots;
static bool running;
static pthread_t sweeper;

/* LOOP_HEADER_TIMEOUT in microseconds. */
static int64_t
header_timeout_us(void)
{
	return (int64_t)config.header_timeout * 1000000;
}

/* The slot behind a connection, or NULL (a daemon without the callback). */
static struct slot *
slot_of(struct MHD_Connection *c)
{
	const union MHD_ConnectionInfo *ci =
		MHD_get_connection_info(c, MHD_CONNECTION_INFO_SOCKET_CONTEXT);
	return ci ? ci->socket_context : NULL;
}

/* Sets a connection's deadline under the lock; keep_earlier keeps an
 * earlier one already set. */
static void
set_due(struct MHD_Connection *c, int64_t due_us, bool keep_earlier)
{
	struct slot *s = slot_of(c);
	if (!s)
		return;
	pthread_mutex_lock(&lock);
	if (!keep_earlier || !s->due_us || due_us < s->due_us)
		s->due_us = due_us;
	pthread_mutex_unlock(&lock);
}

void
deadline_request_line(struct MHD_Connection *c)
{
	set_due(c, text_now_monotonic_us() + header_timeout_us(), true);
}

void
deadline_headers_done(struct MHD_Connection *c)
{
	struct slot *s = slot_of(c);
	if (!s)
		return;
	int64_t now = text_now_monotonic_us();
	pthread_mutex_lock(&lock);
	s->body_us = now;
	s->due_us = now + header_timeout_us();
	pthread_mutex_unlock(&lock);
}

void
deadline_body_progress(struct MHD_Connection *c, size_t seen)
{
	struct slot *s = slot_of(c);
	if (!s)
		return;
	pthread_mutex_lock(&lock);
	if (s->body_us)
		s->due_us = s->body_us + header_timeout_us() +
			    (int64_t)(seen / DEADLINE_BODY_MIN_RATE) * 1000000;
	pthread_mutex_unlock(&lock);
}

void
deadline_body_done(struct MHD_Connection *c)
{
	struct slot *s = slot_of(c);
	if (!s)
		return;
	pthread_mutex_lock(&lock);
	s->body_us = 0;
	s->due_us = 0;
	pthread_mutex_unlock(&lock);
}

void
deadline_request_done(struct MHD_Connection *c)
{
	int64_t idle = (int64_t)config.conn_timeout * 1000000;
	struct slot *s = slot_of(c);
	if (s) {
		pthread_mutex_lock(&lock);
		s->body_us = 0;
		pthread_mutex_unlock(&lock);
	}
	set_due(c, text_now_monotonic_us() + idle + header_timeout_us(), false);
}

/* Links a new connection's slot (due from accept) or unlinks a closed one;
 * the CLOSED notice comes before libmicrohttpd closes the socket, so the
 * sweeper never touches a descriptor that was reused. */
void
deadline_on_connection(void *cls, struct MHD_Connection *c, void **socket_context,
		       enum MHD_ConnectionNotificationCode code)
{
	(void)cls;
	if (code == MHD_CONNECTION_NOTIFY_STARTED) {
		struct slot *s = calloc(1, sizeof *s);
		if (!s)
			abort();
		const union MHD_ConnectionInfo *ci =
			MHD_get_connection_info(c, MHD_CONNECTION_INFO_CONNECTION_FD);
		s->fd = ci ? ci->connect_fd : MHD_INVALID_SOCKET;
		s->due_us = text_now_monotonic_us() + header_timeout_us();
		pthread_mutex_lock(&lock);
		s->next = slots;
		if (slots)
			slots->prev = s;
		slots = s;
		pthread_mutex_unlock(&lock);
		*socket_context = s;
		return;
	}
	struct slot *s = *socket_context;
	if (!s)
		return;
	pthread_mutex_lock(&lock);
	if (s->prev)
		s->prev->next = s->next;
	else
		slots = s->next;
	if (s->next)
		s->next->prev = s->prev;
	pthread_mutex_unlock(&lock);
	free(s);
	*socket_context = NULL;
}

/* One pass: shuts down every overdue socket (the caller holds the lock).
 * Returns how many were cut. */
static long
sweep(int64_t now)
{
	long n = 0;
	for (struct slot *s = slots; s; s = s->next)
		if (s->due_us && now > s->due_us && !s->cut && s->fd != MHD_INVALID_SOCKET) {
			shutdown(s->fd, SHUT_RDWR);
			s->cut = true;
			n++;
		}
	return n;
}

/* The sweeper: a pass every quarter of a second (a tenth of the timeout
 * when that is shorter), one log line per pass that cut something. */
static void *
sweeper_main(void *arg)
{
	(void)arg;
	int64_t period_us = header_timeout_us() / 10 < 250000 ? header_timeout_us() / 10 : 250000;
	pthread_mutex_lock(&lock);
	while (running) {
		long n = sweep(text_now_monotonic_us());
		if (n) {
			metrics_count(METRIC_HEADER_TIMEOUTS, n);
			char num[24];
			snprintf(num, sizeof num, "%ld", n);
			log_kv(LOG_WARN, "dropped connections whose headers or body were overdue", "count", num,
			       NULL);
		}
		struct timespec until;
		clock_gettime(CLOCK_REALTIME, &until);
		int64_t ns = until.tv_nsec + period_us * 1000;
		until.tv_sec += (time_t)(ns / 1000000000);
		until.tv_nsec = (long)(ns % 1000000000);
		pthread_cond_timedwait(&wake, &lock, &until);
	}
	pthread_mutex_unlock(&lock);
	return NULL;
}

bool
deadline_start(void)
{
	running = true;
	if (pthread_create(&sweeper, NULL, sweeper_main, NULL) != 0) {
		running = false;
		log_kv(LOG_ERROR, "cannot start the header-deadline thread", NULL);
		return false;
	}
	return true;
}

void
deadline_stop(void)
{
	if (!running)
		return;
	pthread_mutex_lock(&lock);
	running = false;
	pthread_cond_signal(&wake);
	pthread_mutex_unlock(&lock);
	pthread_join(sweeper, NULL);
}
