/* The candidate experience survey as a small HTML form (GET and POST
 * /survey/{token}): no script, a strict Content-Security-Policy, and a
 * double-submit anti-forgery token (a cookie and a hidden field that must
 * match). */
#include <stdlib.h>
#include <string.h>
#include "api/config.h"
#include "api/handlers.h"
#include "api/surveys.h"
#include "base/crypto.h"

#define CSRF_COOKIE "loopd_survey_csrf"
#define CSRF_FIELD "csrf_token"
#define CSRF_LEN 43	/* crypto_token of 32 bytes */

/* s with &, <, >, " and ' escaped for HTML text and attribute values. */
static const char *
esc(struct arena *a, const char *s)
{
	struct abuf b;
	abuf_init(&b, a);
	for (; s && *s; s++) {
		const char *e = *s == '&' ? "&amp;" : *s == '<' ? "&lt;" : *s == '>' ? "&gt;"
			: *s == '"' ? "&quot;" : *s == '\'' ? "&#39;" : NULL;
		if (e)
			abuf_puts(&b, e);
		else
			abuf_add(&b, s, 1);
	}
	return b.data;
}

/* The headers every survey page carries: nothing loads, nothing frames
 * it, the token in its URL goes to no other site and into no cache
 * (X-Content-Type-Options: nosniff comes with every reply, api/server.c). */
static void
page_headers(struct api_request *rq)
{
	api_add_header(rq, "Content-Security-Policy",
		       "default-src 'none'; form-action 'self'; frame-ancestors 'none'; base-uri 'none'");
	api_add_header(rq, "X-Frame-Options", "DENY");
	api_add_header(rq, "Referrer-Policy", "no-referrer");
	api_add_header(rq, "Cache-Control", "no-store");
}

static void
page_open(struct abuf *b, struct arena *a, const char *title)
{
	const char *head = arena_printf(a,
		"<!DOCTYPE html>\n<html lang=\"en\"><head><meta charset=\"utf-8\">"
		"<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">"
		"<meta name=\"referrer\" content=\"no-referrer\"><title>%s</title></head>"
		"<body><main><h1>%s</h1>\n", esc(a, title), esc(a, title));
	abuf_puts(b, head);
}

static enum api_result
page_reply(struct api_request *rq, int status, struct abuf *b)
{
	abuf_puts(b, "</main></body></html>\n");
	page_headers(rq);
	return api_reply_text(rq, status, "text/html; charset=utf-8", b->data, b->len);
}

/* A page of one message: errors and the thank-you. */
static enum api_result
message_page(struct api_request *rq, int status, const char *title, const char *text)
{
	struct abuf b;
	abuf_init(&b, rq->arena);
	page_open(&b, rq->arena, title);
	abuf_puts(&b, arena_printf(rq->arena, "<p>%s</p>\n", esc(rq->arena, text)));
	return page_reply(rq, status, &b);
}

static enum api_result
error_page(struct api_request *rq, enum api_error e)
{
	if (api_error_status(e) == 503)
		api_add_header(rq, "Retry-After", "2");
	return message_page(rq, api_error_status(e), "Survey", api_error_title(e));
}

/* One radio button of group name. */
/* One radio button, checked when it is what was sent (sent: NULL or text). */
static void
radio(struct abuf *b, struct arena *a, const char *name, const char *value, const char *label,
      const char *sent)
{
	abuf_puts(b, arena_printf(a, "<label><input type=\"radio\" name=\"%s\" value=\"%s\"%s required> %s"
			    "</label>\n", name, value, sent && !strcmp(sent, value) ? " checked" : "",
			    esc(a, label)));
}

/* The questions, showing the answers of sent (a refused form's JSON, or
 * NULL), so that a candidate corrects one answer instead of retyping all. */
static void
question_fields(struct abuf *b, struct arena *a, const struct survey_questions *qs, json_t *sent)
{
	json_t *answers = json_object_get(sent, "answers"), *rating = json_object_get(sent, "overall_rating");
	const char *comment = json_string_value(json_object_get(sent, "comment"));
	const char *rating_text = json_is_integer(rating)
		? arena_printf(a, "%lld", (long long)json_integer_value(rating)) : NULL;
	static const char *const labels[] = {"Yes", "No", "Does not apply"};
	for (size_t i = 0; i < qs->n_questions; i++) {
		const struct survey_question *q = &qs->questions[i];
		abuf_puts(b, arena_printf(a, "<fieldset><legend>%s</legend>\n", esc(a, q->text)));
		for (int k = 0; k < API_SURVEY_ANSWERS_MAX; k++)
			radio(b, a, q->key, api_survey_answers[k], labels[k],
			      json_string_value(json_object_get(answers, q->key)));
		abuf_puts(b, "</fieldset>\n");
	}
	abuf_puts(b, arena_printf(a, "<fieldset><legend>%s</legend>\n", esc(a, qs->rating_text)));
	for (int v = SURVEY_RATING_MIN; v <= SURVEY_RATING_MAX; v++)
		radio(b, a, "overall_rating", arena_printf(a, "%d", v), arena_printf(a, "%d", v),
		      rating_text);
	abuf_puts(b, "</fieldset>\n");
	abuf_puts(b, arena_printf(a, "<p><label>%s<br><textarea name=\"comment\" rows=\"6\" cols=\"60\""
			    " maxlength=\"%d\">%s</textarea></label></p>\n", esc(a, qs->comment_text),
			    qs->comment_max, comment ? esc(a, comment) : ""));
}

/* The form, with the messages of errors (a 422's fields) above it and the
 * answers of sent (NULL for an empty form) filled in. */
static enum api_result
form_page(struct api_request *rq, int status, const struct survey_questions *qs,
	  const char *csrf, json_t *errors, json_t *sent)
{
	struct abuf b;
	abuf_init(&b, rq->arena);
	page_open(&b, rq->arena, qs->title);
	abuf_puts(&b, arena_printf(rq->arena, "<p>%s</p>\n", esc(rq->arena, qs->intro)));
	if (json_array_size(errors)) {
		abuf_puts(&b, "<p><strong>Please check these answers:</strong></p><ul>\n");
		size_t i;
		json_t *e;
		json_array_foreach(errors, i, e)
			abuf_puts(&b, arena_printf(rq->arena, "<li>%s: %s</li>\n",
				esc(rq->arena, json_string_value(json_object_get(e, "field"))),
				esc(rq->arena, json_string_value(json_object_get(e, "message")))));
		abuf_puts(&b, "</ul>\n");
	}
	abuf_puts(&b, "<form method=\"post\">\n");
	abuf_puts(&b, arena_printf(rq->arena, "<input type=\"hidden\" name=\"" CSRF_FIELD "\" value=\"%s\">\n",
			     csrf));
	question_fields(&b, rq->arena, qs, sent);
	abuf_puts(&b, "<p><button type=\"submit\">Send</button></p>\n</form>\n");
	return page_reply(rq, status, &b);
}

/* GET /survey/{token} */
enum api_result
api_survey_page(struct api_request *rq)
{
	struct db_survey_link link;
	struct survey_questions qs;
	enum api_error e = api_survey_find(rq, api_param(rq, 0), &link, &qs);
	if (e != E__COUNT)
		return error_page(rq, e);
	char *csrf = crypto_token(rq->arena, 32);
	bool https = !strncmp(config.public_url, "https://", 8);
	api_add_header(rq, "Set-Cookie", arena_printf(rq->arena,
		CSRF_COOKIE "=%s; Path=/survey/; HttpOnly; SameSite=Strict%s", csrf,
		https ? "; Secure" : ""));
	return form_page(rq, 200, &qs, csrf, NULL, NULL);
}

/* The anti-forgery cookie's value, or NULL. */
static const char *
csrf_cookie(struct api_request *rq)
{
	const char *c = api_header(rq, "Cookie");
	size_t n = strlen(CSRF_COOKIE "=");
	for (const char *p = c; p && (p = strstr(p, CSRF_COOKIE "=")); p += n)
		if (p == c || p[-1] == ' ' || p[-1] == ';') {
			size_t len = strcspn(p + n, "; ");
			char *v = arena_alloc(rq->arena, len + 1);
			memcpy(v, p + n, len);
			return v;
		}
	return NULL;
}

/* True when the form's field and the cookie hold the same token. */
static bool
csrf_ok(struct api_request *rq, const char *field)
{
	const char *cookie = csrf_cookie(rq);
	return field && cookie && strlen(field) == CSRF_LEN && strlen(cookie) == CSRF_LEN &&
	       crypto_equal(field, cookie, CSRF_LEN);
}

/* The form's fields as the JSON answer api_survey_answer_parse reads (a
 * rating that is not a number stays text, so it is refused as such). */
static json_t *
form_json(struct api_request *rq, const struct survey_questions *qs, bool *bad)
{
	json_t *answers = json_object();
	for (size_t i = 0; i < qs->n_questions; i++) {
		const char *v = api_form(rq, qs->questions[i].key, bad);
		if (v)
			json_object_set_new(answers, qs->questions[i].key, json_string(v));
	}
	json_t *body = api_own(rq, json_pack("{s:o}", "answers", answers));
	const char *rating = api_form(rq, "overall_rating", bad), *comment = api_form(rq, "comment", bad);
	char *end = NULL;
	long r = rating ? strtol(rating, &end, 10) : 0;
	if (rating)
		json_object_set_new(body, "overall_rating", *rating && end && !*end ? json_integer(r)
										   : json_string(rating));
	if (comment && *comment)
		json_object_set_new(body, "comment", json_string(comment));
	return body;
}

/* POST /survey/{token} (a form, as a browser without script sends it) */
enum api_result
api_survey_page_post(struct api_request *rq)
{
	bool bad = false;
	const char *csrf = api_form(rq, CSRF_FIELD, &bad);
	if (bad || !csrf_ok(rq, csrf))
		return message_page(rq, 403, "Survey",
				    "This form has expired or was not sent from this page. Open the link again.");
	struct db_survey_link link;
	struct survey_questions qs;
	enum api_error e = api_survey_find(rq, api_param(rq, 0), &link, &qs);
	if (e != E__COUNT)
		return error_page(rq, e);
	json_t *body = form_json(rq, &qs, &bad), *errors = api_own(rq, json_array());
	struct db_survey_answer in;
	if (bad)
		return message_page(rq, 400, "Survey", "The form could not be read.");
	if (!api_survey_answer_parse(rq, &qs, body, errors, &in))
		return form_page(rq, 422, &qs, csrf, errors, body);
	if ((e = api_survey_submit(rq, api_param(rq, 0), &in)) != E__COUNT)
		return error_page(rq, e);
	return message_page(rq, 200, "Thank you", "Your answers were received.");
}
