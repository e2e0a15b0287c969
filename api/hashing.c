/* The hashing pool (api/hashing.h): a bounded FIFO of jobs served by a
 * fixed set of threads. */
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <unistd.h>
#include "api/hashing.h"
#include "base/log.h"

static pthread_mutex_t lock = PTHREAD_MUTEX_INITIALIZER;
static pthread_cond_t ready = PTHREAD_COND_INITIALIZER;
static struct api_hashing_job *head, *tail;
static int reserved;		/* jobs reserved, queued or running */
static int capacity;		/* threads + queue; 0 before start: all refused */
static bool stopping;
static pthread_t *threads;
static int nthreads;
static _Thread_local bool on_pool;

/* A pool thread: takes jobs in order until stopped with nothing queued
 * or reserved (a reservation taken before the stop is still run). */
static void *
pool_main(void *arg)
{
	(void)arg;
	on_pool = true;
	pthread_mutex_lock(&lock);
	for (;;) {
		while (!head && !(stopping && reserved == 0))
			pthread_cond_wait(&ready, &lock);
		struct api_hashing_job *job = head;
		if (!job)
			break;
		head = job->next;
		if (!head)
			tail = NULL;
		pthread_mutex_unlock(&lock);
		job->run(job);	/* the job may be gone once run returns */
		pthread_mutex_lock(&lock);
		reserved--;
		if (stopping)
			pthread_cond_broadcast(&ready);
	}
	pthread_mutex_unlock(&lock);
	return NULL;
}

int
api_hashing_default_threads(void)
{
	long n = sysconf(_SC_NPROCESSORS_ONLN);
	return n > 2 ? (int)n - 1 : 1;
}

bool
api_hashing_start(int n, int queue)
{
	if (n < 1)
		n = 1;
	threads = calloc((size_t)n, sizeof *threads);
	if (!threads)
		abort();
	for (nthreads = 0; nthreads < n; nthreads++)
		if (pthread_create(&threads[nthreads], NULL, pool_main, NULL) != 0) {
			log_kv(LOG_ERROR, "cannot start a password-hashing thread", NULL);
			api_hashing_stop();
			return false;
		}
	pthread_mutex_lock(&lock);
	capacity = n + (queue > 0 ? queue : 0);
	pthread_mutex_unlock(&lock);
	char t[16], q[16];
	snprintf(t, sizeof t, "%d", n);
	snprintf(q, sizeof q, "%d", queue);
	log_kv(LOG_INFO, "password hashing pool", "threads", t, "queue", q, NULL);
	return true;
}

void
api_hashing_stop(void)
{
	pthread_mutex_lock(&lock);
	stopping = true;
	capacity = 0;
	pthread_cond_broadcast(&ready);
	pthread_mutex_unlock(&lock);
	for (int i = 0; i < nthreads; i++)
		pthread_join(threads[i], NULL);
	free(threads);
	threads = NULL;
	nthreads = 0;
}

bool
api_hashing_here(void)
{
	return on_pool;
}

bool
api_hashing_reserve(void)
{
	pthread_mutex_lock(&lock);
	bool ok = reserved < capacity;
	if (ok)
		reserved++;
	pthread_mutex_unlock(&lock);
	return ok;
}

void
api_hashing_unreserve(void)
{
	pthread_mutex_lock(&lock);
	reserved--;
	if (stopping)
		pthread_cond_broadcast(&ready);
	pthread_mutex_unlock(&lock);
}

void
api_hashing_submit(struct api_hashing_job *job)
{
	job->next = NULL;
	pthread_mutex_lock(&lock);
	if (tail)
		tail->next = job;
	else
		head = job;
	tail = job;
	pthread_cond_signal(&ready);
	pthread_mutex_unlock(&lock);
}
