#ifndef AUTH_SCOPE_H
#define AUTH_SCOPE_H
#include <stdbool.h>
#include "base/arena.h"

/*
 * Scopes and roles as bitmasks, and the policy mapping roles to scopes.
 *
 * A scope is necessary, not sufficient: handlers still check relationships
 * (the hiring manager of this loop, the interviewer of this round, the
 * author of this scorecard) and the org. Reading rubrics, loop templates and
 * /v1/me needs no scope: any valid token may.
 *
 * Role -> scopes (the table in scope.c is the policy; DESIGN.md section 1):
 *
 *   scope              admin  recruiter  interviewer  hiring_manager
 *   candidates:read      x        x           x              x
 *   candidates:write     x        x
 *   loops:read           x        x           x              x
 *   loops:write          x        x
 *   scorecards:write     x                    x
 *   decisions:read       x        x                          x
 *   decisions:write      x                                   x
 *   rubrics:write        x
 *   audit:read           x
 *   users:admin          x
 *   webhooks:admin       x
 *
 * recruiter: creates candidates and loops, schedules rounds, reads every
 *   scorecard and decision packet; never submits scorecards or decides.
 * interviewer: sees their rounds and the candidate's basic profile, writes
 *   their own scorecards; no decision packet.
 * hiring_manager: reads like a recruiter for the loops they manage, reads
 *   the packet, records the decision; never edits scorecards.
 * admin: everything (users, clients, rubrics, keys, audit log, webhooks).
 */

enum auth_scope {
	AUTH_SCOPE_CANDIDATES_READ = 1u << 0,
	AUTH_SCOPE_CANDIDATES_WRITE = 1u << 1,
	AUTH_SCOPE_LOOPS_READ = 1u << 2,
	AUTH_SCOPE_LOOPS_WRITE = 1u << 3,
	AUTH_SCOPE_SCORECARDS_WRITE = 1u << 4,
	AUTH_SCOPE_DECISIONS_READ = 1u << 5,
	AUTH_SCOPE_DECISIONS_WRITE = 1u << 6,
	AUTH_SCOPE_RUBRICS_WRITE = 1u << 7,
	AUTH_SCOPE_AUDIT_READ = 1u << 8,
	AUTH_SCOPE_USERS_ADMIN = 1u << 9,
	AUTH_SCOPE_WEBHOOKS_ADMIN = 1u << 10,
};
#define AUTH_SCOPE_ALL ((1u << 11) - 1)

enum auth_role {
	AUTH_ROLE_ADMIN = 1u << 0,
	AUTH_ROLE_RECRUITER = 1u << 1,
	AUTH_ROLE_INTERVIEWER = 1u << 2,
	AUTH_ROLE_HIRING_MANAGER = 1u << 3,
};
#define AUTH_ROLE_ALL ((1u << 4) - 1)

/* The bit of the scope named name (exact, case-sensitive); 0 if unknown. */
unsigned auth_scope_from_name(const char *name);

/* The static name of a single scope bit; NULL if it is not exactly one scope. */
const char *auth_scope_name(unsigned scope);

/* Parses a space-separated scope list (RFC 6749 3.3; NULL or "" is the empty
 * set) into *out. On an unknown scope returns false and, if bad is not
 * NULL, sets *bad to a copy of the offending token in a. */
bool auth_scope_parse(struct arena *a, const char *s, unsigned *out, char **bad);

/* Space-separated names of the scopes in mask, in canonical order, in a
 * ("" for none; unknown bits ignored). */
char *auth_scope_format(struct arena *a, unsigned mask);

/* The scopes in both x and y. */
unsigned auth_scope_intersect(unsigned x, unsigned y);

/* The bit of the role named name (exact, case-sensitive); 0 if unknown. */
unsigned auth_role_from_name(const char *name);

/* The static name of a single role bit; NULL if it is not exactly one role. */
const char *auth_role_name(unsigned role);

/* Parses a space-separated role list into *out; like auth_scope_parse. */
bool auth_roles_parse(struct arena *a, const char *s, unsigned *out, char **bad);

/* Space-separated names of the roles in mask, canonical order, in a. */
char *auth_roles_format(struct arena *a, unsigned mask);

/* The union of the scopes the given roles allow (the policy table). */
unsigned auth_scopes_for_roles(unsigned roles);

/* The scopes a token gets: all of allowed when requested is empty, else
 * requested & allowed. False (invalid_scope) when that leaves nothing;
 * *granted is set either way. */
bool auth_scope_grant(unsigned requested, unsigned allowed, unsigned *granted);

#endif
