// An integrator's workflow against a live loopd, typed only by the client
// generated from openapi/openapi.yaml (openapi-typescript + openapi-fetch):
// if the spec loses a type (a list's items, a problem's extension members,
// a request body), this stops compiling under `tsc --strict`. It is written
// without casts, so every value it reads has the type the spec gives it.
// tests/client/run starts loopd, seeds the demo people and runs it.
import createClient from "openapi-fetch";
import type { components, paths } from "loopd-openapi";

type Schemas = components["schemas"];
// The little of Node this needs (no @types/node in the pinned tools).
declare const process: { env: Record<string, string | undefined>; exit(code: number): never };

const base = env("LOOPD_URL");
const clientId = env("LOOPD_CLIENT_ID");
const api = createClient<paths>({ baseUrl: base });

function env(name: string): string {
	const v = process.env[name];
	if (!v) throw new Error(`${name} is not set`);
	return v;
}

function check(ok: boolean, what: string): void {
	if (!ok) throw new Error(`client check failed: ${what}`);
	console.log(`ok: ${what}`);
}

// A password-grant token for one of the seeded people.
async function login(email: string, password: string): Promise<string> {
	const grant: Schemas["PasswordGrant"] = {
		grant_type: "password", username: email, password, client_id: clientId,
	};
	const { data, error } = await api.POST("/oauth/token", {
		body: grant,
		bodySerializer: () => new URLSearchParams({
			grant_type: grant.grant_type, username: grant.username,
			password: grant.password, client_id: grant.client_id,
		}),
		headers: { "Content-Type": "application/x-www-form-urlencoded" },
	});
	if (!data) throw new Error(`token for ${email}: ${JSON.stringify(error)}`);
	check(data.token_type === "Bearer" && data.expires_in > 0, `token for ${email}`);
	return data.access_token;
}

function bearer(token: string): { Authorization: string } {
	return { Authorization: `Bearer ${token}` };
}

// Every user, page by page (limit 2), so the cursor is followed.
async function allUsers(token: string): Promise<Schemas["User"][]> {
	const users: Schemas["User"][] = [];
	let cursor: string | undefined;
	for (let pages = 0; pages < 50; pages++) {
		const { data } = await api.GET("/v1/users", {
			params: { query: { limit: 2, cursor } }, headers: bearer(token),
		});
		if (!data) throw new Error("GET /v1/users failed");
		users.push(...data.data);
		if (data.next_cursor === null) return users;
		cursor = data.next_cursor;
	}
	throw new Error("GET /v1/users: no last page");
}

function userId(users: Schemas["User"][], email: string): string {
	const u = users.find((x) => x.email === email);
	if (!u) throw new Error(`no user ${email}`);
	return u.id;
}

const TIME = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{6}Z$/;

function hourFromNow(days: number, hours: number): string {
	const t = new Date(Date.now() + (days * 24 + hours) * 3600e3);
	t.setUTCMinutes(0, 0, 0);
	return t.toISOString();
}

async function main(): Promise<void> {
	const admin = await login("admin@demo.loopd.test", env("LOOPD_ADMIN_PASSWORD"));
	const recruiter = await login("recruiter@demo.loopd.test", env("LOOPD_RECRUITER_PASSWORD"));
	const ada = await login("ada@demo.loopd.test", env("LOOPD_ADA_PASSWORD"));

	const users = await allUsers(admin);
	check(users.length >= 6, `a list page of users, followed to its end (${users.length})`);
	const adaId = userId(users, "ada@demo.loopd.test");

	const cand = await api.POST("/v1/candidates", {
		body: { name: "Typed Client", email: `typed-${Date.now()}@example.com` },
		params: { header: { "Idempotency-Key": `typed-${Date.now()}` } },
		headers: bearer(recruiter),
	});
	if (!cand.data) throw new Error(`candidate: ${JSON.stringify(cand.error)}`);
	check(TIME.test(cand.data.created_at), "a candidate, created_at with six fraction digits");

	const newLoop = async (): Promise<Schemas["Loop"]> => {
		if (!cand.data) throw new Error("no candidate");
		const { data, error } = await api.POST("/v1/loops", {
			body: {
				candidate_id: cand.data.id, position: "Typed engineer",
				recruiter_id: userId(users, "recruiter@demo.loopd.test"),
				hiring_manager_id: userId(users, "manager@demo.loopd.test"),
				template: "backend_engineer",
			},
			headers: bearer(recruiter),
		});
		if (!data) throw new Error(`loop: ${JSON.stringify(error)}`);
		return data;
	};
	const loop = await newLoop();
	const first = loop.rounds?.[0];
	if (!first) throw new Error("the template loop has no rounds");
	check(first.status === "unscheduled", `a loop from a template (${loop.rounds?.length} rounds)`);

	const starts = hourFromNow(3, 0), ends = hourFromNow(3, 1);
	const planned = await api.PATCH("/v1/rounds/{id}", {
		params: { path: { id: first.id }, header: { "If-Match": `"${first.version}"` } },
		body: { starts_at: starts, ends_at: ends, location: "Room 7" },
		headers: bearer(recruiter),
	});
	if (!planned.data) throw new Error(`schedule: ${JSON.stringify(planned.error)}`);
	const booked = await api.PUT("/v1/rounds/{id}/interviewers/{user_id}", {
		params: { path: { id: first.id, user_id: adaId } },
		body: { role: "lead" },
		headers: bearer(recruiter),
	});
	if (!booked.data) throw new Error(`booking: ${JSON.stringify(booked.error)}`);
	check(booked.data.status === "scheduled" && booked.data.interviewers.length === 1,
	      "a round scheduled with If-Match and an interviewer booked");

	const other = await newLoop();
	const clash = await api.POST("/v1/loops/{id}/rounds", {
		params: { path: { id: other.id } },
		body: { kind: "system_design", starts_at: starts, ends_at: ends,
			interviewers: [{ user_id: adaId, role: "lead" }] },
		headers: bearer(recruiter),
	});
	check(clash.response.status === 409 && clash.error?.code === "double_booked" &&
	      clash.error.conflict?.round_id === first.id,
	      "a double booking answers 409 naming the round in the way");

	const cal = await api.GET("/v1/me/calendar.ics", { headers: bearer(ada), parseAs: "text" });
	if (cal.data === undefined) throw new Error("calendar failed");
	check(cal.data.startsWith("BEGIN:VCALENDAR") && cal.data.includes(`UID:${first.id}@loopd`),
	      "the calendar as text names the booked round");

	const verdict = await api.GET("/v1/audit-events/verify", { headers: bearer(admin) });
	if (!verdict.data) throw new Error("audit verify failed");
	check(verdict.data.ok && verdict.data.first_break === null,
	      `audit verify (${verdict.data.events_checked} events)`);
}

main().catch((e: unknown) => {
	console.error(e instanceof Error ? e.message : e);
	process.exit(1);
});
