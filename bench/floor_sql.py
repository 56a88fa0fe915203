#!/usr/bin/env python3
"""floor_sql.py LOG_EXCERPT SCRIPT DEFS: turn the statements one request executed (PostgreSQL's
log with log_statement = all: "execute NAME: SQL" and the "parameters:" detail after it) into a
pgbench script whose parameters are pgbench variables, defined one per line in DEFS as NAME=VALUE
for pgbench -D. A NULL parameter becomes the literal NULL. Prints how many statements it took."""
import re
import sys

lines = open(sys.argv[1], encoding="utf-8", errors="replace").read().splitlines()
stmts, defs = [], []
for i, line in enumerate(lines):
    m = re.search(r"LOG:  execute [^:]*: (.*)$", line)
    if not m:
        continue
    params = {}
    if i + 1 < len(lines):
        d = re.search(r"DETAIL:  [Pp]arameters: (.*)$", lines[i + 1])
        if d:
            for pm in re.finditer(r"\$(\d+) = (NULL|'((?:[^']|'')*)')", d.group(1)):
                params[int(pm.group(1))] = None if pm.group(2) == "NULL" else pm.group(3).replace("''", "'")
    k = len(stmts)

    def sub(pm, k=k, params=params):
        n = int(pm.group(1))
        if params.get(n) is None:
            return "NULL"
        var = "s%dp%d" % (k, n)
        defs.append("%s=%s" % (var, params[n]))
        return ":" + var

    stmts.append(re.sub(r"\$(\d+)", sub, m.group(1)))
if not stmts:
    sys.exit("no statement was logged")
with open(sys.argv[2], "w") as f:
    f.write("".join(s + ";\n" for s in stmts))
with open(sys.argv[3], "w") as f:
    f.write("".join(d + "\n" for d in defs))
print(len(stmts))
