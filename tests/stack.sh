# stack.sh: start and stop a self-contained AIOps stack (PostgreSQL, Redis, aiops-fcgi, nginx) in
# one folder, on loopback and unix sockets only. Sourced by ./dev and by the integration tests,
# which give it a temporary folder and a free port so runs never collide.
# Needs ROOT (the source tree), BUILD (the build tree) and PGBIN (PostgreSQL's bin folder).
# Every stack_start_* returns non-zero when its server did not start, after saying on stderr which
# server failed and where its log is; none relies on set -e (callers test them with ||).

# as_pg runs a command as the user PostgreSQL runs as: postgres when we are root (it refuses root).
as_pg() {
	if [ "$(id -u)" -eq 0 ]; then runuser -u postgres -- "$@"; else "$@"; fi
}

# stack_port_busy PORT: true when something accepts connections on 127.0.0.1:PORT.
stack_port_busy() { (exec 3<>"/dev/tcp/127.0.0.1/$1") 2>/dev/null; }

# stack_port_owner PORT prints what listens on PORT ("nginx, pid 123"), or nothing when ss(8)
# (iproute2) is missing or may not say.
stack_port_owner() {
	command -v ss >/dev/null 2>&1 || return 0
	ss -Hltnp "sport = :$1" 2>/dev/null | sed -n 's/.*users:(("\([^"]*\)",pid=\([0-9]*\).*/\1, pid \2/p' | head -n 1
}

# stack_free_port prints a loopback TCP port nobody listens on, below the kernel's range for
# outgoing connections (32768 and up), so that no client socket can take it meanwhile.
stack_free_port() {
	local p
	for _ in $(seq 1 200); do
		p=$((20000 + RANDOM % 12000))
		if ! stack_port_busy "$p"; then echo "$p"; return 0; fi
	done
	return 1
}

# stack_failed NAME LOG: say on stderr that server NAME did not start, where its log is, and the
# log's last lines.
stack_failed() {
	echo "$1 did not start; its log: $2" >&2
	if [ -s "$2" ]; then tail -n 15 "$2" | sed 's/^/  | /' >&2; fi
}

pid_alive() { [ -f "$1" ] && kill -0 "$(cat "$1" 2>/dev/null)" 2>/dev/null; }

# stack_pg_dir prints where PostgreSQL's files live: DIR/pg, or a folder under /tmp linked from
# there when the postgres user cannot reach DIR (a checkout under /root, say).
stack_pg_dir() {
	local dir=$1
	if [ -L "$dir/pg" ]; then readlink "$dir/pg"; return; fi
	mkdir -p "$dir/pg" || return 1
	if [ "$(id -u)" -eq 0 ]; then
		chown postgres: "$dir/pg" || return 1
		if ! runuser -u postgres -- test -w "$dir/pg"; then
			rmdir "$dir/pg" || return 1
			local tmp
			tmp=$(mktemp -d /tmp/aiops-pg.XXXXXX) || return 1
			chown postgres: "$tmp" && ln -s "$tmp" "$dir/pg" || return 1
			echo "$tmp"
			return
		fi
	fi
	echo "$dir/pg"
}

# stack_start_pg DIR: PostgreSQL, as postgres when we are root, logging to DIR/log/postgresql.log.
# postgres may not reach DIR (a checkout under /root, mode 0700): its files live where
# stack_pg_dir says, and its log is opened here and handed to pg_ctl as its output, which the
# server keeps (pg_ctl -l would open it as postgres).
stack_start_pg() {
	local dir=$1 pg log=$1/log/postgresql.log
	pg=$(stack_pg_dir "$dir") || { echo "PostgreSQL: no folder for its files ($dir/pg)" >&2; return 1; }
	if [ ! -f "$pg/data/PG_VERSION" ]; then
		if ! as_pg mkdir -p "$pg/data" "$pg/sock" >"$dir/log/initdb.log" 2>&1 ||
			! as_pg "$PGBIN/initdb" -D "$pg/data" -U aiops -A trust -E UTF8 --locale=C.UTF-8 ${STACK_FAST:+-N} >>"$dir/log/initdb.log" 2>&1; then
			stack_failed "PostgreSQL (initdb of $pg/data)" "$dir/log/initdb.log"
			return 1
		fi
	fi
	if ! as_pg "$PGBIN/pg_ctl" -D "$pg/data" status >/dev/null 2>&1; then
		local opts="-c listen_addresses='' -c unix_socket_directories=$pg/sock -c max_connections=200"
		[ -n "${STACK_FAST:-}" ] && opts="$opts -c fsync=off -c synchronous_commit=off -c full_page_writes=off"
		if ! as_pg "$PGBIN/pg_ctl" -D "$pg/data" -o "$opts" -w -t 30 start >>"$log" 2>&1 </dev/null; then
			stack_failed PostgreSQL "$log"
			return 1
		fi
	fi
	if ! "$PGBIN/psql" -h "$pg/sock" -U aiops -d postgres -tAc "SELECT 1 FROM pg_database WHERE datname = 'aiops'" 2>>"$log" | grep -q 1 &&
		! "$PGBIN/psql" -h "$pg/sock" -U aiops -d postgres -qc "CREATE DATABASE aiops" >/dev/null 2>>"$log"; then
		echo "PostgreSQL started but the database aiops could not be created; its log: $log" >&2
		return 1
	fi
}

stack_start_redis() {
	local dir=$1
	mkdir -p "$dir/redis"
	pid_alive "$dir/redis/redis.pid" && return 0
	cat >"$dir/redis/redis.conf" <<CONF
port 0
unixsocket $dir/redis/redis.sock
unixsocketperm 700
daemonize yes
pidfile $dir/redis/redis.pid
logfile $dir/log/redis.log
dir $dir/redis
save ""
appendonly no
CONF
	if redis-server "$dir/redis/redis.conf" >>"$dir/log/redis.log" 2>&1; then
		for _ in $(seq 1 100); do
			[ -S "$dir/redis/redis.sock" ] && return 0
			sleep 0.05
		done
	fi
	stack_failed Redis "$dir/log/redis.log"
	return 1
}

stack_write_config() {
	local dir=$1 pg
	pg=$(stack_pg_dir "$dir")
	cat >"$dir/aiops.hdf" <<CONF
server {
  socket = $dir/aiops.sock
  workers = ${AIOPS_WORKERS:-4}
  templates = $ROOT/templates
  openapi = $ROOT/static/openapi.json
  drain_seconds = 20
}
# The slow pool (aiops-fcgi --slow): the fan-out routes, apart from the pages. (Dotted keys, so
# that the tests' "workers = " lines are server.workers alone.)
slow.socket = $dir/aiops-slow.sock
slow.workers = ${AIOPS_SLOW_WORKERS:-4}
db.conninfo = host=$pg/sock dbname=aiops user=aiops
redis.socket = $dir/redis/redis.sock
log.level = ${AIOPS_LOG_LEVEL:-info}
# The stack serves plain HTTP on loopback: the browser would drop a Secure cookie there.
session.secure_cookie = 0
secrets.key_file = $dir/aiops.key
sse.listen = $dir/sse.sock
auth.proxy {
  enabled = ${AIOPS_PROXY_AUTH:-0}
  admin_groups = aiops-admins
  operator_groups = aiops-operators
  viewer_groups = aiops-viewers
}
CONF
	# The key that seals cluster credentials: 32 random bytes in hex, readable by the owner only.
	if [ ! -s "$dir/aiops.key" ]; then
		(umask 077 && od -An -tx1 -N32 /dev/urandom | tr -d ' \n' >"$dir/aiops.key.new" && mv "$dir/aiops.key.new" "$dir/aiops.key")
	fi
}

stack_start_fcgi() {
	local dir=$1
	stack_stop_fcgi "$dir"
	AIOPS_CONFIG="$dir/aiops.hdf" setsid "$BUILD/fcgi/aiops-fcgi" >>"$dir/log/aiops-fcgi.log" 2>&1 </dev/null &
	echo $! >"$dir/aiops-fcgi.pid"
	for _ in $(seq 1 100); do
		[ -S "$dir/aiops.sock" ] && return 0
		pid_alive "$dir/aiops-fcgi.pid" || break
		sleep 0.05
	done
	stack_failed aiops-fcgi "$dir/log/aiops-fcgi.log"
	return 1
}

# stack_start_sse DIR: the push daemon on DIR/sse.sock, behind nginx's /events and /ws.
stack_start_sse() {
	local dir=$1
	stack_stop_sse "$dir"
	[ -x "$BUILD/sse/aiops-sse" ] || return 0
	AIOPS_CONFIG="$dir/aiops.hdf" setsid "$BUILD/sse/aiops-sse" >>"$dir/log/aiops-sse.log" 2>&1 </dev/null &
	echo $! >"$dir/aiops-sse.pid"
	for _ in $(seq 1 100); do
		[ -S "$dir/sse.sock" ] && return 0
		pid_alive "$dir/aiops-sse.pid" || break
		sleep 0.05
	done
	stack_failed aiops-sse "$dir/log/aiops-sse.log"
	return 1
}

stack_stop_sse() { stop_pidfile "$1/aiops-sse.pid" 100; }

# stop_pidfile FILE TRIES: SIGTERM the process FILE names, wait up to TRIES x 50 ms for it to go
# (aiops-fcgi drains requests in flight meanwhile), SIGKILL it if it has not, remove FILE.
stop_pidfile() {
	local file=$1 tries=$2 pid
	if pid_alive "$file"; then
		pid=$(cat "$file")
		kill -TERM "$pid" 2>/dev/null || true
		for _ in $(seq 1 "$tries"); do
			kill -0 "$pid" 2>/dev/null || break
			sleep 0.05
		done
		kill -KILL "$pid" 2>/dev/null || true
	fi
	rm -f "$file"
}

stack_stop_fcgi() { stop_pidfile "$1/aiops-fcgi.pid" 400; }

# stack_start_fcgi_slow DIR: the slow pool, the same program with --slow on DIR/aiops-slow.sock,
# which nginx sends the routes that wait on clusters (/api/v1/metrics/, /prometheus/).
stack_start_fcgi_slow() {
	local dir=$1
	stack_stop_fcgi_slow "$dir"
	AIOPS_CONFIG="$dir/aiops.hdf" setsid "$BUILD/fcgi/aiops-fcgi" --slow >>"$dir/log/aiops-fcgi-slow.log" 2>&1 </dev/null &
	echo $! >"$dir/aiops-fcgi-slow.pid"
	for _ in $(seq 1 100); do
		[ -S "$dir/aiops-slow.sock" ] && return 0
		pid_alive "$dir/aiops-fcgi-slow.pid" || break
		sleep 0.05
	done
	stack_failed "aiops-fcgi --slow (the slow pool)" "$dir/log/aiops-fcgi-slow.log"
	return 1
}

stack_stop_fcgi_slow() { stop_pidfile "$1/aiops-fcgi-slow.pid" 400; }

stack_start_nginx() {
	local dir=$1 port=$2
	mkdir -p "$dir/nginx/tmp"
	# The deploy configuration, with this stack's paths and port.
	sed -e "s#unix:/run/aiops/aiops.sock#unix:$dir/aiops.sock#" \
		-e "s#unix:/run/aiops/aiops-slow.sock#unix:$dir/aiops-slow.sock#" \
		-e "s#/usr/local/share/aiops/#$ROOT/#g" \
		-e "s#listen 80;#listen 127.0.0.1:$port;#" \
		-e "s#include fastcgi_params;#include /etc/nginx/fastcgi_params;#" \
		-e "s#include aiops_fastcgi.conf;#include $dir/nginx/aiops_fastcgi.conf;#" \
		-e "s#include aiops_sse.conf;#include $dir/nginx/aiops_sse.conf;#" \
		-e "s#server 127.0.0.1:8090;#server unix:$dir/sse.sock;#" \
		-e "s#rate=10r/m;#rate=${AIOPS_LOGIN_RATE:-10r/m};#" \
		-e "s#rate=50r/s;#rate=${AIOPS_API_RATE:-50r/s};#" \
		-e "s@# 10.0.0.5 1;.*@${AIOPS_TRUSTED_PROXY:+$AIOPS_TRUSTED_PROXY 1;}@" \
		"$ROOT/nginx/aiops.conf" >"$dir/nginx/aiops.conf"
	cp "$ROOT/nginx/aiops_fastcgi.conf" "$dir/nginx/aiops_fastcgi.conf"
	cp "$ROOT/nginx/aiops_sse.conf" "$dir/nginx/aiops_sse.conf"
	{
		[ "$(id -u)" -eq 0 ] && echo "user root;"
		# A benchmark holding many streams raises both (each stream is two connections here).
		[ -n "${STACK_NGINX_NOFILE:-}" ] && echo "worker_rlimit_nofile $STACK_NGINX_NOFILE;"
		cat <<CONF
worker_processes 2;
pid $dir/nginx/nginx.pid;
error_log $dir/log/nginx-error.log warn;
events { worker_connections ${STACK_NGINX_CONNECTIONS:-16384}; }
http {
	include /etc/nginx/mime.types;
	default_type application/octet-stream;
	access_log $dir/log/nginx-access.log;
	client_body_temp_path $dir/nginx/tmp/body;
	proxy_temp_path $dir/nginx/tmp/proxy;
	fastcgi_temp_path $dir/nginx/tmp/fastcgi;
	uwsgi_temp_path $dir/nginx/tmp/uwsgi;
	scgi_temp_path $dir/nginx/tmp/scgi;
	sendfile on;
	include $dir/nginx/aiops.conf;
}
CONF
	} >"$dir/nginx/nginx.conf"
	# nginx says on stderr too why it did not start (a port in use, say): callers look for that.
	if pid_alive "$dir/nginx/nginx.pid"; then
		nginx -p "$dir/nginx" -c "$dir/nginx/nginx.conf" -e "$dir/log/nginx-error.log" -s reload && return 0
	else
		nginx -p "$dir/nginx" -c "$dir/nginx/nginx.conf" -e "$dir/log/nginx-error.log" && return 0
	fi
	echo "nginx did not start; its log: $dir/log/nginx-error.log (its configuration: $dir/nginx/nginx.conf)" >&2
	return 1
}

# stack_start DIR PORT: everything, then wait until /ready answers through nginx.
stack_start() {
	local dir=$1 port=$2
	mkdir -p "$dir/log" || return 1
	stack_start_pg "$dir" || return 1
	stack_start_redis "$dir" || return 1
	stack_write_config "$dir" || { echo "cannot write $dir/aiops.hdf" >&2; return 1; }
	stack_start_fcgi "$dir" || return 1
	stack_start_fcgi_slow "$dir" || return 1
	stack_start_sse "$dir" || return 1
	stack_start_nginx "$dir" "$port" || return 1
	for _ in $(seq 1 100); do
		# Ours, not another server on the port: the master nginx of this folder is alive.
		if pid_alive "$dir/nginx/nginx.pid" && curl -fsS -o /dev/null "http://127.0.0.1:$port/health" 2>/dev/null; then
			return 0
		fi
		sleep 0.1
	done
	echo "the stack did not answer on http://127.0.0.1:$port/health; logs: $dir/log/nginx-error.log, $dir/log/aiops-fcgi.log" >&2
	return 1
}

# stack_start_collectors DIR: run the collectors every minute, as etc/cron.d/aiops does on a
# deploy, without a system cron: a loop in the background, logging to DIR/log/collect.log.
stack_start_collectors() {
	local dir=$1
	stack_stop_collectors "$dir"
	AIOPS_CONFIG="$dir/aiops.hdf" setsid bash -c '
		while :; do
			"$0/collectors/aiops-collect" health
			"$0/collectors/aiops-collect" alerts
			sleep 60 & wait $!
		done' "$BUILD" >>"$dir/log/collect.log" 2>&1 </dev/null &
	echo $! >"$dir/collect.pid"
}

stack_stop_collectors() {
	local dir=$1
	if pid_alive "$dir/collect.pid"; then
		kill -TERM -- "-$(cat "$dir/collect.pid")" 2>/dev/null || kill -TERM "$(cat "$dir/collect.pid")" 2>/dev/null || true
	fi
	rm -f "$dir/collect.pid"
}

stack_stop() {
	local dir=$1 pg
	stack_stop_collectors "$dir"
	stack_stop_sse "$dir"
	if pid_alive "$dir/nginx/nginx.pid"; then
		nginx -p "$dir/nginx" -c "$dir/nginx/nginx.conf" -e "$dir/log/nginx-error.log" -s stop 2>/dev/null || true
	fi
	stack_stop_fcgi "$dir"
	stack_stop_fcgi_slow "$dir"
	if pid_alive "$dir/redis/redis.pid"; then
		kill -TERM "$(cat "$dir/redis/redis.pid")" 2>/dev/null || true
	fi
	if [ -e "$dir/pg" ]; then
		pg=$(stack_pg_dir "$dir")
		if [ -f "$pg/data/PG_VERSION" ]; then
			as_pg "$PGBIN/pg_ctl" -D "$pg/data" -m fast -w stop >/dev/null 2>&1 || true
		fi
	fi
}

stack_status() {
	local dir=$1 port=$2 pg state
	pg=$(stack_pg_dir "$dir" 2>/dev/null || true)
	if [ -n "$pg" ] && as_pg "$PGBIN/pg_ctl" -D "$pg/data" status >/dev/null 2>&1; then state=running; else state=stopped; fi
	printf '%-12s %s\n' postgresql "$state"
	if pid_alive "$dir/redis/redis.pid"; then state=running; else state=stopped; fi
	printf '%-12s %s\n' redis "$state"
	if pid_alive "$dir/aiops-fcgi.pid"; then state="running ($(pgrep -c -P "$(cat "$dir/aiops-fcgi.pid")") workers)"; else state=stopped; fi
	printf '%-12s %s\n' aiops-fcgi "$state"
	if pid_alive "$dir/aiops-fcgi-slow.pid"; then state="running ($(pgrep -c -P "$(cat "$dir/aiops-fcgi-slow.pid")") workers: /api/v1/metrics/, /prometheus/)"; else state=stopped; fi
	printf '%-12s %s\n' slow-pool "$state"
	if pid_alive "$dir/nginx/nginx.pid"; then state="running on http://127.0.0.1:$port"; else state=stopped; fi
	printf '%-12s %s\n' nginx "$state"
	if pid_alive "$dir/aiops-sse.pid"; then state="running (/events, /ws)"; else state=stopped; fi
	printf '%-12s %s\n' aiops-sse "$state"
	if pid_alive "$dir/collect.pid"; then state="running (every minute)"; else state=stopped; fi
	printf '%-12s %s\n' collectors "$state"
	if curl -fsS -o /dev/null "http://127.0.0.1:$port/ready" 2>/dev/null; then state=yes; else state=no; fi
	printf '%-12s %s\n' ready "$state"
}

stack_ctl() {
	local dir=$1
	shift
	AIOPS_CONFIG="$dir/aiops.hdf" "$BUILD/ctl/aiopsctl" "$@"
}
