-- wrk script: each request places a new order (a fresh Idempotency-Key per request, unique
-- across wrk's threads). Env: TOKEN (a customer token), SKU, EARLIEST, LATEST.
local counter = 0
local thread_id = 0
local threads = {}

function setup(thread)
  thread_id = thread_id + 1
  thread:set("tid", thread_id)
  table.insert(threads, thread)
end

function init(args)
  math.randomseed(os.time() + tid)
  run = tostring(os.time()) .. "-" .. tostring(math.random(1, 1000000000))
end

local body = string.format(
  '{"sku":"%s","quantity":1,"earliest":"%s","latest":"%s","price_usd_per_unit":300000}',
  os.getenv("SKU") or "trn2-server", os.getenv("EARLIEST") or "2027-06", os.getenv("LATEST") or "2027-12")

function request()
  counter = counter + 1
  local headers = {
    ["Authorization"] = "Bearer " .. os.getenv("TOKEN"),
    ["Content-Type"] = "application/json",
    ["Idempotency-Key"] = "wrk-" .. run .. "-" .. tid .. "-" .. counter,
  }
  return wrk.format("POST", "/api/orders", headers, body)
end

function response(status, headers, body)
  if status ~= 201 then
    errors = (errors or 0) + 1
  end
end

done = function(summary, latency, requests)
  io.write(string.format("non-2xx: %d\n", summary.errors.status))
  io.write(string.format("p50_us %d p99_us %d\n", latency:percentile(50), latency:percentile(99)))
end
