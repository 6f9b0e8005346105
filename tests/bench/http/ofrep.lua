-- ofrep.lua - wrk script: POST {"context": {...}} to an OFREP route.
--
--   wrk -t1 -c32 -d5s -s ofrep.lua http://127.0.0.1:PORT -- PATH [TOKEN]
--
-- 1,024 contexts (targetingKey user-N, email, appVersion, country, age: the
-- attributes gen_state.c's constraints read) are formatted once per wrk
-- thread in init() and cycled, so that request() costs wrk nothing but a
-- table lookup. done() prints one line run.sh parses:
--   WRK rps=... requests=... p50_us=... p99_us=... errors=... status_errors=...
-- (status_errors: answers with a status of 400 or more.)
local reqs = {}
local n = 0
local i = 0

function init(args)
  local path = args[1] or "/"
  local token = args[2]
  local headers = {}
  headers["Content-Type"] = "application/json"
  if token ~= nil and token ~= "" then
    headers["Authorization"] = "Bearer " .. token
  end
  n = 1024
  for u = 0, n - 1 do
    local body = string.format(
      '{"context":{"targetingKey":"user-%d","email":"user%d@example.com",' ..
      '"appVersion":"2.%d.0","country":"C%02d","age":%d}}',
      u, u, u % 7, u % 100, 18 + u % 50)
    reqs[u + 1] = wrk.format("POST", path, headers, body)
  end
end

function request()
  i = i % n + 1
  return reqs[i]
end

function done(summary, latency, requests)
  local e = summary.errors
  io.write(string.format(
    "WRK rps=%.1f requests=%d p50_us=%d p99_us=%d errors=%d status_errors=%d\n",
    summary.requests / (summary.duration / 1e6), summary.requests,
    latency:percentile(50), latency:percentile(99),
    e.connect + e.read + e.write + e.timeout, e.status))
end
