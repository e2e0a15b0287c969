#ifndef DB_LISTEN_H
#define DB_LISTEN_H
#include <stdbool.h>

/*
 * The invalidation listener: one thread with a connection of its own that
 * LISTENs on loopd_invalidate (notified by triggers in the changing
 * transaction, so only committed changes are heard). The hooks run on the
 * listener thread: up() once LISTEN is in place (after every reconnect),
 * event(payload) for each notification, down() as soon as the connection
 * is found lost (or silent past the heartbeat), before reconnecting.
 */
struct db_listen_hooks {
	void (*up)(void);
	void (*down)(void);
	void (*event)(const char *payload);
};

/* Starts the listener thread with the connection settings of db_configure;
 * false when the thread cannot be made. hooks must outlive the listener. */
bool db_listen_start(const struct db_listen_hooks *hooks);

/* Stops and joins the listener thread (down() is called once more). */
void db_listen_stop(void);

#endif
