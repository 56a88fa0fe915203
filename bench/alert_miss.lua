-- alert_miss.lua: wrk script of bench/alerts: every request asks its URL with a query parameter
-- of its own that no handler reads, so that each one misses the render cache.
local threads = 0

function setup(thread)
	thread:set("tid", threads)
	threads = threads + 1
end

local n = 0

function request()
	n = n + 1
	local sep = string.find(wrk.path, "?", 1, true) and "&" or "?"
	return wrk.format(nil, wrk.path .. sep .. "bench_miss=" .. (tid or 0) .. "-" .. n)
end
