/* The authorization endpoint (RFC 6749 4.1, RFC 7636): a server-rendered
 * sign-in page that, on the right password, redirects to the client's
 * registered redirect URI with a single-use code. An unknown client or
 * redirect URI gets an HTML error page (never a redirect); other errors go
 * back to the redirect URI (4.1.2.1). */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "api/common.h"
#include "api/config.h"
#include "api/handlers.h"
#include "api/login.h"
#include "api/oauth.h"
#include "auth/scope.h"
#include "base/crypto.h"
#include "base/email.h"
#include "base/text.h"
#include "db/codes.h"
#include "db/keys.h"
#include "db/orgs.h"

#define CSP "default-src 'none'; style-src 'self'; form-action 'self'; " \
	"frame-ancestors 'none'; base-uri 'none'"
#define FORM_TTL_S 900		/* a sign-in form is good for 15 minutes */
#define COOKIE "loopd_signin"
/* The console's answer for an email in several orgs and no org link: any
 * org's admin can add any email, so no one org is guessed from it. */
#define AMBIGUOUS "Use your organisation's sign-in link to sign in (ask your admin for it)."

/* One authorization request, from the query (GET) or the form (POST).
 * org (the console's only) names the org the person signs in to. */
struct authz {
	const char *response_type, *client_id, *redirect_uri, *challenge, *method, *state, *scope,
		*org;
	struct client_auth c;
};

static const char *const authz_names[] = {"response_type", "client_id", "redirect_uri",
	"code_challenge", "code_challenge_method", "state", "scope", "org"};

#define AUTHZ_N ((int)(sizeof authz_names / sizeof authz_names[0]))

static const char **
authz_slot(struct authz *z, int i)
{
	const char **slots[] = {&z->response_type, &z->client_id, &z->redirect_uri, &z->challenge,
				&z->method, &z->state, &z->scope, &z->org};
	return slots[i];
}

/* s escaped for HTML text and attribute values (in rq's arena). */
static char *
html(struct api_request *rq, const char *s)
{
	struct abuf b;
	abuf_init(&b, rq->arena);
	abuf_puts(&b, "");
	for (; s && *s; s++) {
		switch (*s) {
		case '&': abuf_puts(&b, "&amp;"); break;
		case '<': abuf_puts(&b, "&lt;"); break;
		case '>': abuf_puts(&b, "&gt;"); break;
		case '"': abuf_puts(&b, "&quot;"); break;
		case '\'': abuf_puts(&b, "&#39;"); break;
		default: abuf_add(&b, s, 1);
		}
	}
	return b.data;
}

/* The page headers of every reply here, HTML or not. */
static void
strict_headers(struct api_request *rq)
{
	api_add_header(rq, "Content-Security-Policy", CSP);
	api_add_header(rq, "Referrer-Policy", "no-referrer");
	api_add_header(rq, "Cache-Control", "no-store");
	api_add_header(rq, "X-Frame-Options", "DENY");
}

/* Every answer at /oauth/authorize gets the page headers, also those queued
 * before the handler runs (a repeated or undecodable query parameter, 405,
 * 415, 413): the sign-in page's URL is one a browser opens. */
void
api_authorize_secure(struct api_request *rq)
{
	if (rq->path && !strcmp(rq->path, "/oauth/authorize"))
		strict_headers(rq);
}

static enum api_result
reply_page(struct api_request *rq, int status, const char *title, const char *body)
{
	char *page = arena_printf(rq->arena,
		"<!doctype html>\n<html lang=\"en\"><head><meta charset=\"utf-8\">"
		"<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">"
		"<title>%s · loopd</title></head>\n<body><main>\n<h1>%s</h1>\n%s</main></body></html>\n",
		title, title, body);
	return api_reply_text(rq, status, "text/html; charset=utf-8", page, strlen(page));
}

/* The HTML error page for a request that must not be redirected. */
static enum api_result
error_page(struct api_request *rq, int status, const char *why)
{
	return reply_page(rq, status, "Sign-in failed",
			  arena_printf(rq->arena, "<p>%s</p>\n", html(rq, why)));
}

/* 302 to the (validated) redirect URI with params and the state. */
static enum api_result
redirect_back(struct api_request *rq, const struct authz *z, const char *params)
{
	struct abuf b;
	abuf_init(&b, rq->arena);
	abuf_printf(&b, "%s%c%s", z->redirect_uri, strchr(z->redirect_uri, '?') ? '&' : '?', params);
	if (z->state)
		abuf_printf(&b, "&state=%s", text_url_encode(rq->arena, z->state));
	api_add_header(rq, "Location", b.data);
	return api_reply_empty(rq, 302);
}

/* An error sent back to the client (RFC 6749 4.1.2.1). */
static enum api_result
redirect_error(struct api_request *rq, const struct authz *z, const char *error, const char *why)
{
	return redirect_back(rq, z, arena_printf(rq->arena, "error=%s&error_description=%s", error,
						 text_url_encode(rq->arena, why)));
}

/* True when uri is exactly one the client registered. */
static bool
redirect_registered(struct api_request *rq, const struct db_client *c, const char *uri)
{
	if (c->builtin)
		return !strcmp(uri, arena_printf(rq->arena, "%s/app/", api_public_base(rq)));
	return !strchr(uri, ' ') && api_has_word(c->redirect_uris, uri);
}

/* The client and redirect URI; false with the HTML error page queued. */
static bool
client_or_page(struct api_request *rq, struct authz *z)
{
	memset(&z->c, 0, sizeof z->c);
	if (!z->client_id || !z->redirect_uri) {
		error_page(rq, 400, "The request names no client_id or no redirect_uri.");
		return false;
	}
	enum db_status st = DB_NONE;
	if (!strcmp(z->client_id, OAUTH_CONSOLE_CLIENT)) {
		oauth_console_client(&z->c.client);
		st = DB_OK;
	} else if (text_is_uuid(z->client_id)) {
		st = db_client_get(rq->db, rq->arena, z->client_id, &z->c.client);
	}
	if (st != DB_OK && st != DB_NONE) {
		api_reply_db(rq, st, "client");
		return false;
	}
	if (st == DB_NONE || z->c.client.revoked ||
	    !api_has_word(z->c.client.grants, "authorization_code")) {
		error_page(rq, 400, "This application is not known to loopd.");
		return false;
	}
	if (strlen(z->redirect_uri) > 512 || !redirect_registered(rq, &z->c.client, z->redirect_uri)) {
		error_page(rq, 400, "This application asked to return to an address it did not "
			   "register: loopd will not send you there.");
		return false;
	}
	return true;
}

/* The rest of the request, once the redirect URI is trusted; false with
 * the error redirect queued. */
static bool
request_or_redirect(struct api_request *rq, struct authz *z)
{
	unsigned want;
	char *bad;
	/* A state too long to echo is refused, not dropped: the client would
	 * get its code back without the state it checks. */
	bool long_state = z->state && strlen(z->state) > 512;
	if (long_state)
		z->state = NULL;
	if (long_state)
		redirect_error(rq, z, "invalid_request", "state is longer than 512 characters");
	else if (!z->response_type || strcmp(z->response_type, "code") != 0)
		redirect_error(rq, z, "unsupported_response_type", "response_type must be code");
	else if (!z->challenge)
		redirect_error(rq, z, "invalid_request", "code_challenge is required (PKCE)");
	else if (!z->method || strcmp(z->method, "S256") != 0)
		redirect_error(rq, z, "invalid_request", "code_challenge_method must be S256");
	else if (strlen(z->challenge) != 43 || strspn(z->challenge, "ABCDEFGHIJKLMNOPQRSTUVWXYZ"
			"abcdefghijklmnopqrstuvwxyz0123456789-_") != 43)
		redirect_error(rq, z, "invalid_request", "code_challenge must be 43 base64url characters");
	else if (z->scope && (strlen(z->scope) > 512 ||
			      !auth_scope_parse(rq->arena, z->scope, &want, &bad)))
		redirect_error(rq, z, "invalid_scope", "unknown scope");
	else if (z->org && !text_is_uuid(z->org))
		redirect_error(rq, z, "invalid_request", "org must be an organisation id (a UUID)");
	else
		return true;
	return false;
}

/* The key that signs sign-in forms (a server secret). */
static bool
form_key(struct api_request *rq, unsigned char **key, size_t *n)
{
	return db_server_secret(rq->db, rq->arena, "signin-form", key, n) == DB_OK && *n >= 32;
}

/* The CSRF token of this attempt: issued-at and a MAC over the browser's
 * cookie nonce and every parameter, so it fits one form in one browser. */
static char *
csrf_token(struct api_request *rq, const struct authz *z, const char *nonce, long issued)
{
	unsigned char *key, mac[32];
	size_t n;
	if (!form_key(rq, &key, &n))
		return NULL;
	struct abuf b;
	abuf_init(&b, rq->arena);
	abuf_printf(&b, "%ld\n%s", issued, nonce);
	for (int i = 0; i < AUTHZ_N; i++) {
		const char *v = *authz_slot((struct authz *)z, i);
		abuf_printf(&b, "\n%s", v ? v : "");
	}
	crypto_hmac_sha256(key, n, b.data, b.len, mac);
	return arena_printf(rq->arena, "%ld.%s", issued, crypto_b64url_encode(rq->arena, mac, 32));
}

/* The nonce of this browser's sign-in cookie (NULL when absent). */
static const char *
cookie_nonce(struct api_request *rq)
{
	const char *h = api_header(rq, "Cookie");
	for (const char *p = h; p && (p = strstr(p, COOKIE "=")); p += strlen(COOKIE)) {
		if (p != h && p[-1] != ' ' && p[-1] != ';')
			continue;
		p += strlen(COOKIE "=");
		size_t n = strcspn(p, "; ");
		return n >= 16 && n <= 64 ? arena_strndup(rq->arena, p, n) : NULL;
	}
	return NULL;
}

/* True when the form's token was made for this request and browser lately. */
static bool
csrf_ok(struct api_request *rq, const struct authz *z, const char *token)
{
	const char *nonce = cookie_nonce(rq);
	char *end;
	long issued = token ? strtol(token, &end, 10) : 0;
	long now = (long)(text_now_us() / 1000000);
	if (!nonce || !token || *end != '.' || issued > now || now - issued > FORM_TTL_S)
		return false;
	char *want = csrf_token(rq, z, nonce, issued);
	return want && strlen(want) == strlen(token) && crypto_equal(want, token, strlen(want));
}

/* The sign-in form (again, with error, after a failure). */
static enum api_result
sign_in_page(struct api_request *rq, const struct authz *z, const char *error, const char *email)
{
	const char *nonce = cookie_nonce(rq);
	if (!nonce) {
		nonce = crypto_token(rq->arena, 24);
		bool https = !strncmp(api_public_base(rq), "https://", 8);
		api_add_header(rq, "Set-Cookie", arena_printf(rq->arena, COOKIE "=%s; Path=/oauth/authorize;"
			       " Max-Age=%d; HttpOnly; SameSite=Strict%s", nonce, FORM_TTL_S,
			       https ? "; Secure" : ""));
	}
	char *token = csrf_token(rq, z, nonce, (long)(text_now_us() / 1000000));
	if (!token)
		return api_reply_db(rq, DB_UNAVAILABLE, "key");
	struct abuf b;
	abuf_init(&b, rq->arena);
	abuf_printf(&b, "<p>%s wants to use loopd as you.</p>\n",
		    html(rq, z->c.client.name ? z->c.client.name : "An application"));
	if (error)
		abuf_printf(&b, "<p role=\"alert\" id=\"error\">%s</p>\n", html(rq, error));
	abuf_puts(&b, "<form method=\"post\" action=\"/oauth/authorize\">\n");
	for (int i = 0; i < AUTHZ_N; i++) {
		const char *v = *authz_slot((struct authz *)z, i);
		if (v)
			abuf_printf(&b, "<input type=\"hidden\" name=\"%s\" value=\"%s\">\n",
				    authz_names[i], html(rq, v));
	}
	abuf_printf(&b, "<input type=\"hidden\" name=\"csrf_token\" value=\"%s\">\n"
		    "<p><label for=\"email\">Email</label><br><input id=\"email\" name=\"email\" "
		    "type=\"email\" autocomplete=\"username\" required maxlength=\"254\" value=\"%s\"></p>\n"
		    "<p><label for=\"password\">Password</label><br><input id=\"password\" "
		    "name=\"password\" type=\"password\" autocomplete=\"current-password\" required "
		    "maxlength=\"1024\"></p>\n<p><button type=\"submit\">Sign in</button></p>\n</form>\n",
		    token, html(rq, email));
	return reply_page(rq, 200, "Sign in to loopd", b.data);
}

/* GET /oauth/authorize */
enum api_result
api_oauth_authorize(struct api_request *rq)
{
	struct authz z;
	strict_headers(rq);
	for (int i = 0; i < AUTHZ_N; i++)
		*authz_slot(&z, i) = api_query(rq, authz_names[i]);
	if (!client_or_page(rq, &z) || !request_or_redirect(rq, &z))
		return API_REPLIED;
	return sign_in_page(rq, &z, NULL, NULL);
}

/* The scopes the code carries: requested (or all the user's roles allow)
 * ∩ the client's; 0 when none can be granted. */
static unsigned
code_scopes(struct api_request *rq, const struct authz *z, const struct db_user *u)
{
	unsigned roles = 0, client = 0, want = AUTH_SCOPE_ALL, granted = 0;
	char *bad;
	auth_roles_parse(rq->arena, u->roles, &roles, &bad);
	auth_scope_parse(rq->arena, z->c.client.scopes, &client, &bad);
	if (z->scope)
		auth_scope_parse(rq->arena, z->scope, &want, &bad);
	return auth_scope_grant(want, auth_scopes_for_roles(roles) & client, &granted) ? granted : 0;
}

/* Stores the code and redirects back with it. */
static enum api_result
issue_code(struct api_request *rq, struct authz *z, const struct db_user *u, unsigned scopes)
{
	char *code = crypto_token(rq->arena, 32);
	struct db_code in = {.org_id = u->org_id, .client_id = z->c.client.id, .user_id = u->id,
			     .redirect_uri = (char *)z->redirect_uri, .challenge = (char *)z->challenge,
			     .scopes = auth_scope_format(rq->arena, scopes)};
	struct audit_ctx ctx = {u->org_id, "user", u->id, rq->request_id, rq->remote_addr};
	enum db_status st = db_code_issue(rq->db, rq->arena, &ctx,
					  crypto_sha256_hex(rq->arena, code, strlen(code)), &in,
					  (int)config.code_ttl);
	if (st != DB_OK)
		return api_reply_db(rq, st, "code");
	return redirect_back(rq, z, arena_printf(rq->arena, "code=%s", code));
}

/* The org a sign-in names: the client's; for the console the org of the
 * request's org parameter (an org link), else the one org the email
 * belongs to. NULL (an unknown name) when there is none; *several is set
 * when, without org, the email is in several orgs. The returned id is in
 * rq's arena or the client's. */
static const char *
sign_in_org(struct api_request *rq, const struct authz *z, const char *email, bool *several)
{
	*several = false;
	if (!z->c.client.builtin)
		return z->c.client.org_id;
	if (z->org) {	/* exactly that org; an unknown id is a name no one has */
		struct db_org o;
		return db_org_get(rq->db, rq->arena, z->org, &o) == DB_OK ? o.id : NULL;
	}
	char *norm, *org;
	if (email_normalize(rq->arena, email, &norm) != EMAIL_OK)
		return NULL;
	enum db_status st = db_org_of_email(rq->db, rq->arena, norm, &org);
	*several = st == DB_CONFLICT;
	return st == DB_OK ? org : NULL;
}

/* POST /oauth/authorize: the sign-in form. */
enum api_result
api_oauth_authorize_submit(struct api_request *rq)
{
	struct authz z;
	const char *email, *pw, *csrf;
	bool bad = false;
	strict_headers(rq);
	for (int i = 0; i < AUTHZ_N; i++)
		*authz_slot(&z, i) = api_form(rq, authz_names[i], &bad);
	email = api_form(rq, "email", &bad);
	pw = api_form(rq, "password", &bad);
	csrf = api_form(rq, "csrf_token", &bad);
	if (bad)
		return error_page(rq, 400, "The sign-in form was malformed.");
	if (!client_or_page(rq, &z) || !request_or_redirect(rq, &z))
		return API_REPLIED;
	if (!csrf_ok(rq, &z, csrf))
		return error_page(rq, 403, "This sign-in form expired or was not sent from loopd's "
				  "page: go back to the application and start again.");
	if (!email || !pw || !*email || strlen(email) > 254 || strlen(pw) > 4096)
		return sign_in_page(rq, &z, "Enter your email and password.", email);
	bool several;
	const char *org = sign_in_org(rq, &z, email, &several);
	struct db_user u;
	struct api_login_attempt at;
	/* With no org for several, the password is not tried in any of them:
	 * the dummy hash runs and the answer is the same for any password. */
	enum api_login st = api_login_password(rq, org, email, pw, &u, &at);
	if (st == API_LOGIN_REPLIED)
		return API_REPLIED;
	if (st == API_LOGIN_WRONG)
		return sign_in_page(rq, &z, several ? AMBIGUOUS : "The email or password is wrong.",
				    email);
	if (!oauth_console_row_or_reply(rq, &z.c, org))
		return API_REPLIED;
	unsigned scopes = code_scopes(rq, &z, &u);
	if (!scopes)
		return redirect_error(rq, &z, "invalid_scope", "none of the requested scopes can be granted");
	api_login_succeeded(rq, org, &at);
	return issue_code(rq, &z, &u, scopes);
}

/* GET /.well-known/oauth-authorization-server (RFC 8414). */
enum api_result
api_oauth_metadata(struct api_request *rq)
{
	const char *base = api_public_base(rq);
	json_t *scopes = json_array();
	for (unsigned bit = 1; bit & AUTH_SCOPE_ALL; bit <<= 1)
		json_array_append_new(scopes, json_string(auth_scope_format(rq->arena, bit)));
	json_t *doc = json_pack("{s:s, s:s, s:s, s:s, s:s, s:[s,s,s,s], s:[s], s:[s], s:o, s:[s,s,s],"
				" s:[s,s,s]}",
		"issuer", base,
		"authorization_endpoint", arena_printf(rq->arena, "%s/oauth/authorize", base),
		"token_endpoint", arena_printf(rq->arena, "%s/oauth/token", base),
		"revocation_endpoint", arena_printf(rq->arena, "%s/oauth/revoke", base),
		"introspection_endpoint", arena_printf(rq->arena, "%s/oauth/introspect", base),
		"grant_types_supported", "authorization_code", "refresh_token", "client_credentials",
		"password",
		"response_types_supported", "code",
		"code_challenge_methods_supported", "S256",
		"scopes_supported", scopes,
		"token_endpoint_auth_methods_supported", "client_secret_basic", "client_secret_post",
		"none",
		"revocation_endpoint_auth_methods_supported", "client_secret_basic",
		"client_secret_post", "none");
	api_add_header(rq, "Cache-Control", "max-age=300");
	return api_reply_json(rq, 200, doc);
}
