# Calls run after the README's API tour under valgrind (scripts/memcheck),
# in the tour's shell: its tokens ($R recruiter, $I interviewer) and ids
# ($CAND, $NEW_LOOP) are set. The candidate survey (README's candidate
# experience flow, which the tour does not run, and its report), then
# refusals. Each call must answer the status named.
expect() {
	local want=$1 got
	shift
	got=$(command curl -s -o /dev/null -w '%{http_code}' "$@")
	[ "$got" = "$want" ] || { echo "expected $want, got $got: $*"; return 1; }
}
NOBODY=6f1c2e1a-3b4d-4c5e-8f90-a1b2c3d4e5f6
TOKEN=$(command curl -s -X POST $API/v1/loops/$NEW_LOOP/candidate-survey \
	-H "Authorization: Bearer $R" | jq -er .token)
expect 200 $API/v1/surveys/$TOKEN
expect 200 $API/survey/$TOKEN
expect 422 $API/v1/surveys/$TOKEN -H "$H" -d '{"answers": {"stack_explained": "maybe"}}'
ANSWERS='{"stack_explained": "yes", "take_home_fair": "not_applicable", "outage_discussed": "no",
	"tech_debt_concrete": "yes", "operations_clear": "yes", "onboarding_described": "yes"}'
expect 200 $API/v1/surveys/$TOKEN -H "$H" -d "{\"answers\": $ANSWERS, \"overall_rating\": 4}"
expect 409 $API/v1/surveys/$TOKEN -H "$H" -d "{\"answers\": $ANSWERS, \"overall_rating\": 4}"
expect 404 $API/v1/surveys/not-a-token
expect 200 $API/v1/reports/candidate-experience -H "Authorization: Bearer $R"
expect 403 -X POST $API/survey/$TOKEN -H 'Content-Type: application/x-www-form-urlencoded' -d 'x=1'
expect 401 $API/v1/loops
expect 401 $API/v1/loops -H "Authorization: Bearer not.a.token"
expect 401 $API/v1/loops -H "Authorization: Basic dXNlcjpwYXNz"
expect 400 $API/v1/loops/not-a-uuid -H "Authorization: Bearer $R"
expect 404 $API/v1/loops/$NOBODY -H "Authorization: Bearer $R"
expect 404 $API/v1/nowhere -H "Authorization: Bearer $R"
expect 405 -X DELETE $API/v1/loops -H "Authorization: Bearer $R"
expect 400 "$API/v1/loops?limit=0" -H "Authorization: Bearer $R"
expect 400 "$API/v1/loops?cursor=bogus.cursor" -H "Authorization: Bearer $R"
expect 400 $API/v1/candidates -H "Authorization: Bearer $R" -H "$H" -d '{"name": '
expect 422 $API/v1/candidates -H "Authorization: Bearer $R" -H "$H" -d '{"name": 7}'
expect 415 $API/v1/candidates -H "Authorization: Bearer $R" -H 'Content-Type: text/plain' -d 'x'
expect 400 $API/v1/candidates -H "Authorization: Bearer $R" -H "$H" -H 'Idempotency-Key: a b' \
	-d '{"name": "Key With Space", "email": "space@example.com"}'
expect 428 -X PATCH $API/v1/candidates/$CAND -H "Authorization: Bearer $R" -H "$H" -d '{"source": "x"}'
expect 412 -X PATCH $API/v1/candidates/$CAND -H "Authorization: Bearer $R" -H "$H" \
	-H 'If-Match: "+1"' -d '{"source": "x"}'
expect 403 $API/v1/audit-events -H "Authorization: Bearer $I"
expect 404 $API/v1/loops/$NOBODY/decision-packet -H "Authorization: Bearer $R"
