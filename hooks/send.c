/* One delivery attempt over HTTP(S) with libcurl. */
#include <curl/curl.h>
#include <stdatomic.h>
#include <string.h>
#include "base/text.h"
#include "hooks/address.h"
#include "hooks/send.h"

#define BODY_LIMIT (64 * 1024)	/* of the receiver's answer, read and discarded */

struct reading {
	size_t seen;
	bool over;
};

/* Counts the answer's bytes and drops them; stops the transfer past the limit. */
static size_t
discard(char *p, size_t size, size_t n, void *cls)
{
	struct reading *r = cls;
	r->seen += size * n;
	if (r->seen > BODY_LIMIT) {
		r->over = true;
		return 0;
	}
	return size * n;
}

/* Aborts an attempt when loopd stops. */
static int
progress(void *cls, curl_off_t dt, curl_off_t dn, curl_off_t ut, curl_off_t un)
{
	return atomic_load((atomic_bool *)cls) ? 1 : 0;
}

/* The request's headers, the Standard Webhooks ones among them (the caller
 * frees the list). */
static struct curl_slist *
request_headers(struct arena *a, const struct hooks_request *rq)
{
	struct curl_slist *h = NULL;
	h = curl_slist_append(h, "Content-Type: application/json");
	h = curl_slist_append(h, "User-Agent: loopd-webhooks/1");
	h = curl_slist_append(h, "Expect:");
	h = curl_slist_append(h, arena_printf(a, "webhook-id: %s", rq->id));
	h = curl_slist_append(h, arena_printf(a, "webhook-timestamp: %s", rq->timestamp));
	h = curl_slist_append(h, arena_printf(a, "webhook-signature: %s", rq->signature));
	return h;
}

void
hooks_send(struct arena *a, const struct hooks_request *rq, struct hooks_result *out)
{
	*out = (struct hooks_result){0};
	struct hooks_target t;
	enum hooks_url_verdict v = hooks_target_resolve(rq->url, rq->allow_insecure, &t);
	if (v != HOOKS_URL_OK) {
		out->error = v == HOOKS_URL_UNRESOLVED ? "unresolved" : "address_refused";
		hooks_target_free(&t);
		return;
	}
	CURL *c = curl_easy_init();
	struct curl_slist *pin = curl_slist_append(NULL, arena_printf(a, "%s:%s:%s", t.host, t.port,
								       t.address));
	struct curl_slist *headers = request_headers(a, rq);
	struct reading reading = {0};
	curl_easy_setopt(c, CURLOPT_URL, rq->url);
	curl_easy_setopt(c, CURLOPT_RESOLVE, pin);
	curl_easy_setopt(c, CURLOPT_PROTOCOLS_STR, rq->allow_insecure ? "http,https" : "https");
	curl_easy_setopt(c, CURLOPT_FOLLOWLOCATION, 0L);
	curl_easy_setopt(c, CURLOPT_NOSIGNAL, 1L);
	curl_easy_setopt(c, CURLOPT_NOPROXY, "*");
	curl_easy_setopt(c, CURLOPT_CONNECTTIMEOUT, rq->timeout_s);
	curl_easy_setopt(c, CURLOPT_TIMEOUT, rq->timeout_s);
	curl_easy_setopt(c, CURLOPT_POSTFIELDS, rq->body);
	curl_easy_setopt(c, CURLOPT_POSTFIELDSIZE, (long)strlen(rq->body));
	curl_easy_setopt(c, CURLOPT_HTTPHEADER, headers);
	curl_easy_setopt(c, CURLOPT_WRITEFUNCTION, discard);
	curl_easy_setopt(c, CURLOPT_WRITEDATA, &reading);
	curl_easy_setopt(c, CURLOPT_NOPROGRESS, 0L);
	curl_easy_setopt(c, CURLOPT_XFERINFOFUNCTION, progress);
	curl_easy_setopt(c, CURLOPT_XFERINFODATA, rq->stopping);
	int64_t start = text_now_monotonic_us();
	CURLcode rc = curl_easy_perform(c);
	out->latency_ms = (int)((text_now_monotonic_us() - start) / 1000);
	long code = 0;
	curl_easy_getinfo(c, CURLINFO_RESPONSE_CODE, &code);
	out->status_code = (int)code;
	if (rc == CURLE_OPERATION_TIMEDOUT)
		out->error = "timeout";
	else if (rc != CURLE_OK && !(rc == CURLE_WRITE_ERROR && reading.over))
		out->error = code ? "transfer_failed" : "connect_failed";
	else if (code < 200 || code > 299)
		out->error = "status";
	out->delivered = out->error == NULL;
	curl_slist_free_all(headers);
	curl_slist_free_all(pin);
	curl_easy_cleanup(c);
	hooks_target_free(&t);
}
