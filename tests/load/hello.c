/* The bench's HTTP baseline: libmicrohttpd in loopd's mode (epoll thread
 * pool) answering every request with a small fixed body, or, under
 * /v1/rubrics/, with the bytes of a file given at start (the rubric loopd
 * serves from memory: the limit of this machine for that many bytes). */
#include <microhttpd.h>
#include <signal.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

static const char body[] = "{\"status\":\"ok\"}";
static char *big;
static size_t big_len;

/* Answers every request with the fixed body once its headers are read,
 * on the second call as loopd does: a response queued on the first call
 * (before libmicrohttpd knows there is no body) is sent with
 * "Connection: close", and the baseline measured a new TCP connection per
 * request (about half loopd's rate on /v1/me). */
static enum MHD_Result
answer(void *cls, struct MHD_Connection *c, const char *url, const char *method,
       const char *version, const char *data, size_t *size, void **state)
{
	static int seen;
	(void)cls, (void)method, (void)version, (void)data;
	if (!*state) {
		*state = &seen;
		return MHD_YES;
	}
	*size = 0;
	bool large = big && !strncmp(url, "/v1/rubrics/", 12);
	struct MHD_Response *r = MHD_create_response_from_buffer(large ? big_len : sizeof body - 1,
								  large ? big : (void *)body,
								  MHD_RESPMEM_PERSISTENT);
	MHD_add_response_header(r, "Content-Type", "application/json");
	enum MHD_Result ok = MHD_queue_response(c, 200, r);
	MHD_destroy_response(r);
	return ok;
}

/* The whole of the file at path, or exits. */
static void
read_big(const char *path)
{
	FILE *f = fopen(path, "rb");
	if (!f || fseek(f, 0, SEEK_END) || (big_len = (size_t)ftell(f), fseek(f, 0, SEEK_SET)))
		exit(1);
	big = malloc(big_len);
	if (!big || fread(big, 1, big_len, f) != big_len)
		exit(1);
	fclose(f);
}

/* hello PORT THREADS [FILE]: serves until killed. */
int
main(int argc, char **argv)
{
	if (argc < 3)
		return 2;
	if (argc > 3)
		read_big(argv[3]);
	struct MHD_Daemon *d = MHD_start_daemon(MHD_USE_EPOLL_INTERNAL_THREAD | MHD_USE_ITC | MHD_USE_ERROR_LOG,
		(unsigned short)atoi(argv[1]), NULL, NULL, answer, NULL,
		MHD_OPTION_THREAD_POOL_SIZE, (unsigned)atoi(argv[2]),
		MHD_OPTION_CONNECTION_LIMIT, (unsigned)4096, MHD_OPTION_END);
	if (!d)
		return 1;
	for (;;)
		pause();
}
