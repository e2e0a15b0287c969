-- wrk script: an authenticated GET of the path in BENCH_PATH with the first
-- token of the file named by TOKENS.
local token
function init(args)
  for line in io.lines(os.getenv("TOKENS")) do
    token = token or line
  end
end
function request()
  return wrk.format("GET", os.getenv("BENCH_PATH"), {["Authorization"] = "Bearer " .. token})
end
