/* Stands in for api/lookup.c's api_header and api_query (lookups in
 * libmicrohttpd's parsed request) with tables a driver or test fills, so
 * the code that reads headers and query arguments runs without a server.
 * A program that defines them links without api/server.c: only main.c
 * calls its other functions. Include this once per program. */
#ifndef TESTS_FUZZ_FAKE_REQUEST_H
#define TESTS_FUZZ_FAKE_REQUEST_H
#include <strings.h>
#include <string.h>
#include "api/http.h"

#define FAKE_MAX 16

struct fake_field {
	const char *name, *value;
};

static struct fake_field fake_headers[FAKE_MAX], fake_args[FAKE_MAX];
static int fake_nheaders, fake_nargs;

/* Adds a field (both strings borrowed); a full table drops it. */
static void
fake_add(struct fake_field *table, int *n, const char *name, const char *value)
{
	if (*n < FAKE_MAX)
		table[(*n)++] = (struct fake_field){name, value};
}

static void
fake_reset(void)
{
	fake_nheaders = fake_nargs = 0;
}

/* Header names compare case-insensitively, query names exactly; the first
 * field of a name wins (framing refuses repeated ones before this). */
const char *
api_header(struct api_request *rq, const char *name)
{
	for (int i = 0; i < fake_nheaders; i++)
		if (!strcasecmp(fake_headers[i].name, name))
			return fake_headers[i].value;
	return NULL;
}

const char *
api_query(struct api_request *rq, const char *name)
{
	/* The name test keeps GCC's -O2 -Wnonnull quiet in a program that never
	 * adds a query field (fake_args then stays all NULL). */
	for (int i = 0; i < fake_nargs; i++)
		if (fake_args[i].name && !strcmp(fake_args[i].name, name))
			return fake_args[i].value;
	return NULL;
}

/* No hashing pool here: code that would hash runs on the calling thread.
 * Defined so that a Release link that keeps login.c or users.c does not
 * pull api/server.c in for it (and its api_header and api_query with it). */
bool
api_hashing_or_defer(struct api_request *rq)
{
	(void)rq;
	return true;
}

#endif
