/* Client authentication at the OAuth endpoints (RFC 6749 2.3) and their
 * error bodies (5.2). Wrong secrets are throttled and audited per client
 * and address, like wrong passwords. */
#include <string.h>
#include <strings.h>
#include "api/common.h"
#include "api/login.h"
#include "api/metrics.h"
#include "api/oauth.h"
#include "base/crypto.h"
#include "base/text.h"

enum api_result
oauth_error(struct api_request *rq, int status, const char *error, const char *description)
{
	api_add_header(rq, "Pragma", "no-cache");
	return api_reply_json(rq, status, json_pack("{s:s, s:s}", "error", error, "error_description",
					     text_utf8_clean(rq->arena, description)));
}

void
oauth_invalid_client(struct api_request *rq, const struct client_auth *c)
{
	metrics_auth_failed(METRIC_AUTH_CLIENT);
	if (c->basic)
		api_add_header(rq, "WWW-Authenticate", "Basic realm=\"loopd\"");
	oauth_error(rq, 401, "invalid_client", "client authentication failed");
}

bool
oauth_field(struct api_request *rq, const char *name, const char **out)
{
	bool bad = false;
	*out = api_form(rq, name, &bad);
	if (bad)
		oauth_error(rq, 400, "invalid_request",
			    arena_printf(rq->arena, "the parameter %s is repeated or malformed", name));
	return !bad;
}

/* Reads HTTP Basic credentials (RFC 6749 2.3.1: form-encoded, then base64). */
static bool
basic_credentials(struct api_request *rq, struct client_auth *c)
{
	const char *h = api_header(rq, "Authorization");
	if (!h || strncasecmp(h, "Basic ", 6) != 0)
		return true;
	size_t n;
	unsigned char *raw = crypto_b64_decode(rq->arena, h + 6, &n);
	char *colon = raw && !memchr(raw, 0, n) ? strchr((char *)raw, ':') : NULL;
	if (!colon)
		return false;
	*colon = '\0';
	struct api_request tmp = *rq;
	tmp.body = arena_printf(rq->arena, "id=%s&secret=%s", (char *)raw, colon + 1);
	tmp.body_len = strlen(tmp.body);
	bool bad = false;
	c->id = api_form(&tmp, "id", &bad);
	c->secret = api_form(&tmp, "secret", &bad);
	c->basic = true;
	return !bad && c->id && c->secret;
}

/* Checks the presented secret against the client's (constant time). */
static bool
secret_matches(struct api_request *rq, const struct client_auth *c)
{
	if (!c->client.secret_hash)
		return !c->secret;	/* a public client has no secret to present */
	char *got = c->secret ? crypto_sha256_hex(rq->arena, c->secret, strlen(c->secret)) : NULL;
	return got && crypto_equal(got, c->client.secret_hash, 64);
}

bool
oauth_client_or_reply(struct api_request *rq, struct client_auth *c)
{
	memset(c, 0, sizeof *c);
	const char *body_id, *body_secret;
	if (!oauth_field(rq, "client_id", &body_id) || !oauth_field(rq, "client_secret", &body_secret))
		return false;
	if (!basic_credentials(rq, c)) {
		oauth_invalid_client(rq, c);
		return false;
	}
	if (c->basic && (body_secret || (body_id && strcmp(body_id, c->id) != 0))) {
		oauth_error(rq, 400, "invalid_request", "use one client authentication method");
		return false;
	}
	if (!c->basic) {
		c->id = body_id;
		c->secret = body_secret;
	}
	if (!c->id) {	/* RFC 6749 5.2: no client authentication is invalid_client */
		oauth_invalid_client(rq, c);
		return false;
	}
	bool console = !strcmp(c->id, OAUTH_CONSOLE_CLIENT) && !c->secret;
	enum db_status st = text_is_uuid(c->id) ? db_client_get(rq->db, rq->arena, c->id, &c->client)
						: DB_NONE;
	if (st != DB_OK && st != DB_NONE) {
		api_reply_db(rq, st, "client");
		return false;
	}
	bool known = st == DB_OK && !c->client.revoked;
	if (!api_address_throttle_or_reply(rq))
		return false;
	if (console) {
		oauth_console_client(&c->client);
		return true;	/* public: its org comes from the code or token */
	}
	if (known && secret_matches(rq, c))
		return true;	/* a client's failures never lock out its right secret */
	if (!api_client_throttle_or_reply(rq, known ? c->client.id : NULL))
		return false;
	api_client_failed(rq, known ? c->client.org_id : NULL, known ? c->client.id : NULL,
			  "client.authentication_failed", known ? "wrong_secret" : "unknown_client");
	oauth_invalid_client(rq, c);
	return false;
}

void
oauth_console_client(struct db_client *out)
{
	static const struct db_client console = {
		.id = OAUTH_CONSOLE_CLIENT, .name = "loopd console",
		.grants = "authorization_code refresh_token", .first_party = true, .public = true,
		.builtin = true};
	*out = console;
}

bool
oauth_console_row_or_reply(struct api_request *rq, struct client_auth *c, const char *org)
{
	if (!c->client.builtin || c->client.org_id)
		return true;
	enum db_status st = db_client_console(rq->db, rq->arena, org, &c->client);
	if (st != DB_OK) {
		api_reply_db(rq, st, "client");
		return false;
	}
	if (c->client.revoked) {
		oauth_invalid_client(rq, c);
		return false;
	}
	return true;
}
