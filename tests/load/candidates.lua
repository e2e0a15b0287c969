-- wrk script: POST /v1/candidates with a unique email per request, each
-- request using one of the bearer tokens in the file named by TOKENS.
local tokens = {}
local counter = 0
local thread_tag = ""

function setup(thread)
  thread:set("tag", tostring(math.random(1, 1e9)))
end

function init(args)
  for line in io.lines(os.getenv("TOKENS")) do
    tokens[#tokens + 1] = line
  end
  thread_tag = (os.getenv("BENCH_RUN") or "") .. (tag or tostring(math.random(1, 1e9)))
end

function request()
  counter = counter + 1
  local token = tokens[(counter % #tokens) + 1]
  local body = string.format('{"name":"Bench Candidate","email":"b%s-%d@bench.test"}',
                             thread_tag, counter)
  return wrk.format("POST", "/v1/candidates",
                    {["Authorization"] = "Bearer " .. token,
                     ["Content-Type"] = "application/json"}, body)
end
