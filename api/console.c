/* The web console: the files under console/, embedded in the binary and
 * served at /app/ with a strict Content-Security-Policy. */
#include <stdio.h>
#include <string.h>
#include "api/common.h"
#include "api/handlers.h"
#include "base/crypto.h"
#include "base/embedded.h"

#define CONSOLE_CSP "default-src 'none'; script-src 'self'; style-src 'self'; " \
	"img-src 'self' data:; connect-src 'self'; base-uri 'none'; form-action 'self'; " \
	"frame-ancestors 'none'"

struct media_type { const char *ext, *type; };

static const struct media_type media_types[] = {
	{".html", "text/html; charset=utf-8"},
	{".js", "text/javascript; charset=utf-8"},
	{".css", "text/css; charset=utf-8"},
};

/* The media type of a console file name, or NULL when it is not one we serve. */
static const char *
media_type_of(const char *name)
{
	size_t n = strlen(name);
	for (size_t i = 0; i < sizeof media_types / sizeof media_types[0]; i++) {
		size_t e = strlen(media_types[i].ext);
		if (n > e && !strcmp(name + n - e, media_types[i].ext))
			return media_types[i].type;
	}
	return NULL;
}

/* Every answer under /app/ gets the console's policy (nosniff is global). */
void
api_console_secure(struct api_request *rq)
{
	if (!rq->path || strncmp(rq->path, "/app/", 5) != 0)
		return;
	api_add_header(rq, "Content-Security-Policy", CONSOLE_CSP);
	api_add_header(rq, "Referrer-Policy", "no-referrer");
}

/* A strong ETag of a file's bytes (in rq's arena): 16 bytes of its SHA-256. */
static const char *
file_etag(struct api_request *rq, const struct embedded_file *f)
{
	unsigned char d[32];
	crypto_sha256(f->data, f->len, d);
	char hex[33];
	for (int i = 0; i < 16; i++)
		snprintf(hex + 2 * i, 3, "%02x", d[i]);
	return arena_printf(rq->arena, "\"%s\"", hex);
}

/* Replies with console/<name>: 200, 304 when If-None-Match names it, 404. */
static enum api_result
reply_console_file(struct api_request *rq, const char *name)
{
	const char *type = media_type_of(name);
	/* {file} is one path segment, so only files of console/ itself match. */
	const struct embedded_file *f =
		type ? embedded_find(arena_printf(rq->arena, "console/%s", name)) : NULL;
	if (!f)
		return api_reply_error(rq, E_NOT_FOUND, "no console file %s", name);
	const char *etag = file_etag(rq, f);
	api_add_header(rq, "ETag", etag);
	api_add_header(rq, "Cache-Control", "no-cache");
	const char *inm = api_header(rq, "If-None-Match");
	if (inm && api_etag_listed(inm, etag))
		return api_reply_empty(rq, 304);
	return api_reply_text(rq, 200, type, f->data, f->len);
}

/* GET /app/: the console's page. */
enum api_result
api_console_index(struct api_request *rq)
{
	return reply_console_file(rq, "index.html");
}

/* GET /app/{file}: a module, the style sheet or the page of the console. */
enum api_result
api_console_file(struct api_request *rq)
{
	return reply_console_file(rq, api_param(rq, 0));
}
