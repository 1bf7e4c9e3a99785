"""Writes a wrk Lua script that moves each open deal of the benchmark database once, one stage
forward (the last open stage moves back), with the version the database holds: every request is a
real, accepted move, spread over the wrk threads without two of them touching the same card."""
import sqlite3
import sys

database, out = sys.argv[1], sys.argv[2]
db = sqlite3.connect(database)
stages = [row[0] for row in db.execute(
    "SELECT id FROM pipeline_stages WHERE won = 0 AND lost = 0 AND pipeline_id = (SELECT MIN(id) FROM pipelines) ORDER BY position")]
following = {stage: stages[i + 1] if i + 1 < len(stages) else stages[i - 1] for i, stage in enumerate(stages)}
moves = [(deal, version, following[stage]) for deal, version, stage in db.execute(
    "SELECT id, version, stage_id FROM opportunities WHERE stage_id IN (%s) ORDER BY id" % ",".join("?" * len(stages)), stages)]
with open(out, "w") as lua:
    lua.write("local moves = {\n")
    for deal, version, stage in moves:
        lua.write("{%d,%d,%d},\n" % (deal, version, stage))
    lua.write("}\n")
    lua.write("""
local threads = 0
function setup(thread)
  thread:set("tid", threads)
  threads = threads + 1
end
local n = 0
function init(args)
  stride = tonumber(args[1])
end
function request()
  local m = moves[(n * stride + tid) % #moves + 1]
  n = n + 1
  local body = string.format("request[id]=%d&request[version]=%d&request[to_stage_id]=%d", m[1], m[2], m[3])
  -- wrk.format drops the -H headers (the session cookie) when given its own table: merge them.
  local headers = {}
  for key, value in pairs(wrk.headers) do headers[key] = value end
  headers["content-type"] = "application/x-www-form-urlencoded"
  return wrk.format("POST", "/api/pipeline/move", headers, body)
end
""")
print(len(moves))
