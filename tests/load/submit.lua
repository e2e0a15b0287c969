-- wrk script: POST /v1/rounds/{id}/scorecard/submit, each request a different
-- seeded draft. The file named by TOKENS holds "round_id token" lines; wrk
-- thread k of n takes lines k, k+n, k+2n, ... from BENCH_OFFSET on.
local rounds, tokens, i, step = {}, {}, 0, 1
local counter = 0
function setup(thread)
  thread:set("k", counter)
  counter = counter + 1
end
function init(args)
  for line in io.lines(os.getenv("TOKENS")) do
    local r, t = line:match("(%S+) (%S+)")
    rounds[#rounds + 1], tokens[#tokens + 1] = r, t
  end
  step = tonumber(os.getenv("BENCH_THREADS_N") or "2")
  i = tonumber(os.getenv("BENCH_OFFSET") or "0") + k
end
function request()
  local n = (i % #rounds) + 1
  i = i + step
  return wrk.format("POST", "/v1/rounds/" .. rounds[n] .. "/scorecard/submit",
                    {["Authorization"] = "Bearer " .. tokens[n],
                     ["Idempotency-Key"] = "bench-" .. rounds[n],
                     ["Content-Type"] = "application/json"}, "{}")
end
