#ifndef API_HASHING_H
#define API_HASHING_H
#include <stdbool.h>

/* The hashing pool: a few threads of their own that run the requests which
 * hash a password (argon2id, 50-100 ms of a core each), so an HTTP worker
 * never makes the other connections it serves wait behind a hash. The
 * dispatcher suspends such a request's connection and queues the request
 * here; a pool thread runs it and resumes the connection (api/server.c).
 * The pool holds at most threads + queue requests; past that a request is
 * refused (503) rather than queued. */

struct api_hashing_job {
	void (*run)(struct api_hashing_job *job);	/* called once, on a pool thread */
	struct api_hashing_job *next;
};

/* Starts threads (at least 1) pool threads, admitting queue waiting jobs
 * besides the running ones; false (logged) when a thread cannot start. */
bool api_hashing_start(int threads, int queue);
/* Runs every job already queued, then stops the threads. */
void api_hashing_stop(void);
/* True on a pool thread. */
bool api_hashing_here(void);
/* Reserves room for one job; false when the pool is full. */
bool api_hashing_reserve(void);
/* Gives back a reservation that will not be used. */
void api_hashing_unreserve(void);
/* Queues a job under a reservation taken by api_hashing_reserve(). The job
 * (owned by the caller) must stay valid until its run is called; the pool
 * does not touch it after that. */
void api_hashing_submit(struct api_hashing_job *job);
/* The default thread count: one core is left to the HTTP workers (one
 * thread on 2 cores, nproc - 1 above). */
int api_hashing_default_threads(void);

#endif
