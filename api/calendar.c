/* The caller's schedule: JSON, an RFC 5545 feed, and a secret feed URL
 * for calendar apps that cannot send a bearer token. */
#include <string.h>
#include <time.h>
#include "api/common.h"
#include "api/authn.h"
#include "api/handlers.h"
#include "api/scheduling.h"
#include "auth/principal.h"
#include "base/crypto.h"
#include "base/text.h"
#include "db/scheduling.h"

/* One of the caller's rounds: the round, their role, the loop's position
 * and candidate. A new reference. */
static json_t *
my_round_json(const struct db_my_round *m)
{
	return json_pack("{s:o, s:s, s:s, s:{s:s, s:s}}", "round", api_round_json(&m->round),
			 "role", m->role, "position", m->position, "candidate", "id",
			 m->candidate_id, "name", m->candidate_name);
}

/* GET /v1/me/rounds?from=&to=&order=&limit=&cursor= */
enum api_result
api_me_rounds(struct api_request *rq)
{
	const char *from = api_query(rq, "from"), *to = api_query(rq, "to");
	int64_t us;
	if ((from && !text_parse_rfc3339(from, &us)) || (to && !text_parse_rfc3339(to, &us)))
		return api_reply_error(rq, E_INVALID_QUERY, "from and to must be RFC 3339 date-times");
	struct api_page page;
	if (!api_page_or_reply(rq, &page) || !api_order_or_reply(rq, &page.desc))
		return API_REPLIED;
	if (rq->who->kind != AUTH_USER)
		return api_reply_json(rq, 200, json_pack("{s:[], s:n}", "data", "next_cursor"));
	struct db_page list = {page.after_created, page.after_id, page.limit + 1, page.desc,
			       NULL, NULL};
	struct db_my_round *mine;
	int n;
	enum db_status st = db_my_rounds(rq->db, rq->arena, rq->who->org_id, rq->who->sub, from, to,
					 &list, &mine, &n);
	if (st != DB_OK)
		return api_reply_db(rq, st, "round");
	bool more = n > page.limit;
	json_t *data = json_array();
	for (int i = 0; i < n && i < page.limit; i++)
		json_array_append_new(data, my_round_json(&mine[i]));
	/* the keyset of this list is (starts_at, id) */
	return api_reply_json(rq, 200, api_page_json(rq, data,
						     more ? mine[page.limit - 1].round.starts_at : NULL,
						     more ? mine[page.limit - 1].round.id : NULL));
}

/* Appends one content line, escaped text already, folded at 75 octets
 * without splitting a UTF-8 sequence, ended by CRLF. */
static void
ics_line(struct abuf *b, const char *line)
{
	size_t n = strlen(line), col = 0;
	for (size_t i = 0; i < n;) {
		size_t len = 1;
		while (i + len < n && ((unsigned char)line[i + len] & 0xc0) == 0x80)
			len++;
		if (col + len > 75) {
			abuf_add(b, "\r\n ", 3);
			col = 1;
		}
		abuf_add(b, line + i, len);
		col += len;
		i += len;
	}
	abuf_add(b, "\r\n", 2);
}

/* RFC 5545 TEXT escaping: backslash, semicolon, comma, newline. */
static char *
ics_text(struct arena *a, const char *s)
{
	struct abuf b;
	abuf_init(&b, a);
	for (; s && *s; s++) {
		if (*s == '\\' || *s == ';' || *s == ',') {
			char e[2] = {'\\', *s};
			abuf_add(&b, e, 2);
		} else if (*s == '\n') {
			abuf_add(&b, "\\n", 2);
		} else if ((unsigned char)*s >= 0x20 && *s != 0x7f) {
			abuf_add(&b, s, 1);
		}
	}
	return b.data;
}

/* "2026-11-22T10:00:00+05:30" -> "20261122T043000Z"; NULL: now. */
static char *
ics_time(struct arena *a, const char *rfc3339)
{
	int64_t us = 0;
	time_t t = time(NULL);
	if (rfc3339) {
		text_parse_rfc3339(rfc3339, &us);
		t = (time_t)(us / 1000000);
	}
	struct tm tm;
	gmtime_r(&t, &tm);
	return arena_printf(a, "%04d%02d%02dT%02d%02d%02dZ", tm.tm_year + 1900, tm.tm_mon + 1,
			    tm.tm_mday, tm.tm_hour, tm.tm_min, tm.tm_sec);
}

/* "system_design" -> "System design" */
static char *
kind_title(struct arena *a, const char *kind)
{
	char *t = arena_strdup(a, kind);
	for (char *p = t; *p; p++)
		if (*p == '_')
			*p = ' ';
	if (*t >= 'a' && *t <= 'z')
		*t = (char)(*t - 32);
	return t;
}

/* DTSTAMP is the time the feed is generated: the feed is rendered with
 * this stand-in of the same length, hashed for its ETag, then stamped. */
#define STAMP_LINE "\r\nDTSTAMP:"
#define STAMP_SLOT "00000000T000000Z"

/* An interviewer of the round by name, never an email: RFC 5545 wants a
 * URI, and the user's id (urn:uuid) is one that reveals nothing; ROLE
 * from the booking role. */
static void
ics_attendee(struct abuf *b, struct arena *a, const struct db_calendar_attendee *who)
{
	struct abuf name;
	abuf_init(&name, a);
	for (const char *p = who->name; *p; p++)	/* a quoted param-value has no DQUOTE */
		if (*p != '"' && (unsigned char)*p >= 0x20 && *p != 0x7f)
			abuf_add(&name, p, 1);
	const char *role = !strcmp(who->role, "lead") ? "CHAIR"
			   : !strcmp(who->role, "shadow") ? "OPT-PARTICIPANT" : "REQ-PARTICIPANT";
	ics_line(b, arena_printf(a, "ATTENDEE;CN=\"%s\";ROLE=%s;CUTYPE=INDIVIDUAL:urn:uuid:%s",
				 name.data ? name.data : "", role, who->user_id));
}

/* Appends the VEVENT of one round. */
static void
ics_event(struct abuf *b, struct arena *a, const struct db_calendar_row *r)
{
	ics_line(b, "BEGIN:VEVENT");
	ics_line(b, arena_printf(a, "UID:%s@loopd", r->id));
	ics_line(b, "DTSTAMP:" STAMP_SLOT);
	ics_line(b, arena_printf(a, "LAST-MODIFIED:%s", ics_time(a, r->changed)));
	ics_line(b, arena_printf(a, "DTSTART:%s", ics_time(a, r->starts_at)));
	ics_line(b, arena_printf(a, "DTEND:%s", ics_time(a, r->ends_at)));
	ics_line(b, arena_printf(a, "SEQUENCE:%d", r->sequence));
	ics_line(b, arena_printf(a, "SUMMARY:%s",
				 ics_text(a, arena_printf(a, "%s interview: %s", kind_title(a, r->kind),
							  r->candidate))));
	if (r->location)
		ics_line(b, arena_printf(a, "LOCATION:%s", ics_text(a, r->location)));
	ics_line(b, arena_printf(a, "DESCRIPTION:%s",
				 ics_text(a, arena_printf(a, "Position: %s\nYour role: %s",
							  r->position, r->role))));
	ics_line(b, !strcmp(r->status, "cancelled") ? "STATUS:CANCELLED" : "STATUS:CONFIRMED");
	for (int i = 0; i < r->nattendees; i++)
		ics_attendee(b, a, &r->attendees[i]);
	ics_line(b, "END:VEVENT");
}

/* Writes now (the DTSTAMP value) into every DTSTAMP line of feed. */
static void
stamp(char *feed, const char *now)
{
	for (char *p = feed; (p = strstr(p, STAMP_LINE STAMP_SLOT)); p += sizeof STAMP_LINE - 1)
		memcpy(p + sizeof STAMP_LINE - 1, now, sizeof STAMP_SLOT - 1);
}

/* Replies the calendar of user in org (ETag, 304 on If-None-Match). */
static enum api_result
reply_calendar(struct api_request *rq, const char *org, const char *user)
{
	struct db_calendar_row *rows;
	int n;
	enum db_status st = db_calendar_rounds(rq->db, rq->arena, org, user, &rows, &n);
	if (st != DB_OK)
		return api_reply_db(rq, st, "calendar");
	struct abuf b;
	abuf_init(&b, rq->arena);
	ics_line(&b, "BEGIN:VCALENDAR");
	ics_line(&b, "VERSION:2.0");
	ics_line(&b, "PRODID:-//loopd//interview schedule//EN");
	ics_line(&b, "CALSCALE:GREGORIAN");
	ics_line(&b, "METHOD:PUBLISH");
	ics_line(&b, "X-WR-CALNAME:Interviews (loopd)");
	ics_line(&b, "REFRESH-INTERVAL;VALUE=DURATION:PT1H");
	ics_line(&b, "X-PUBLISHED-TTL:PT1H");
	for (int i = 0; i < n; i++)
		ics_event(&b, rq->arena, &rows[i]);
	ics_line(&b, "END:VCALENDAR");
	/* the ETag names the content, not the moment it was generated */
	api_add_header(rq, "ETag", arena_printf(rq->arena, "\"%.32s\"",
						 crypto_sha256_hex(rq->arena, b.data, b.len)));
	if (api_not_modified(rq))
		return api_reply_empty(rq, 304);
	stamp(b.data, ics_time(rq->arena, NULL));
	return api_reply_text(rq, 200, "text/calendar; charset=utf-8", b.data, b.len);
}

/* GET /v1/me/calendar.ics */
enum api_result
api_me_calendar(struct api_request *rq)
{
	if (rq->who->kind != AUTH_USER)
		return api_reply_forbidden(rq, E_FORBIDDEN, "only users have calendars");
	return reply_calendar(rq, rq->who->org_id, rq->who->sub);
}

/* POST /v1/me/calendar-token: a new secret feed URL; the old one stops working. */
enum api_result
api_me_calendar_token(struct api_request *rq)
{
	if (rq->who->kind != AUTH_USER)
		return api_reply_forbidden(rq, E_FORBIDDEN, "only users have calendars");
	char *token = crypto_token(rq->arena, 32);
	struct audit_ctx ctx;
	api_audit_ctx(rq, &ctx);
	enum db_status st = db_calendar_token_set(rq->db, &ctx,
		crypto_sha256_hex(rq->arena, token, strlen(token)));
	if (st != DB_OK)
		return api_reply_db(rq, st, "user");
	const char *base = api_public_base(rq);
	char *path = arena_printf(rq->arena, "/v1/calendar-feeds/%s", token);
	rq->secret_members[0] = "token";
	rq->secret_members[1] = "url";
	return api_reply_json(rq, 201, json_pack("{s:s, s:s}", "token", token, "url",
						 arena_printf(rq->arena, "%s%s", base, path)));
}

/* GET /v1/calendar-feeds/{token}: the feed, authenticated by its URL. */
enum api_result
api_calendar_feed(struct api_request *rq)
{
	const char *token = api_param(rq, 0);
	char *org, *user;
	enum db_status st = strlen(token) > 100 ? DB_NONE
		: db_calendar_token_user(rq->db, rq->arena,
					 crypto_sha256_hex(rq->arena, token, strlen(token)), &org, &user);
	if (st != DB_OK)
		return api_reply_db(rq, st, "calendar feed");
	return reply_calendar(rq, org, user);
}
