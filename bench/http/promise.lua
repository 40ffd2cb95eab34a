-- wrk script: available-to-promise queries. Env: TOKEN, SKU.
local path = "/api/promise?sku=" .. (os.getenv("SKU") or "trn2-server") .. "&qty=40&by=2027-12"
function request()
  return wrk.format("GET", path, { ["Authorization"] = "Bearer " .. os.getenv("TOKEN") })
end
done = function(summary, latency, requests)
  io.write(string.format("non-2xx: %d\n", summary.errors.status))
  io.write(string.format("p50_us %d p99_us %d\n", latency:percentile(50), latency:percentile(99)))
end
