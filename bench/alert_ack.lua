-- alert_ack.lua: wrk script of bench/alerts: POST /api/v1/alerts/{id}/ack with a comment, taking
-- the alert ids of a file (one a line, given after --) in turn, each thread from its own place.
local threads = 0

function setup(thread)
	thread:set("offset", threads * 997)
	threads = threads + 1
end

local ids, i = {}, 0

function init(args)
	for line in io.lines(args[1]) do
		ids[#ids + 1] = line
	end
	i = (offset or 0) % #ids
	wrk.headers["Content-Type"] = "application/json"
end

function request()
	i = i % #ids + 1
	return wrk.format("POST", "/api/v1/alerts/" .. ids[i] .. "/ack", nil,
		'{"comment":"on it: draining the node and moving the workload"}')
end
