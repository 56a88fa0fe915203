# test_95_identity.sh: identity, access and audit through nginx: logins and sessions, tokens,
# CSRF and Origin, the role matrix walked from the route table, rate limits, the trusted proxy,
# sealed credentials that no response or log line shows, /auth/check, and the audit log.

VIEWER_PW="viewer pass phrase $RANDOM"
OP_PW="operator pass phrase $RANDOM"

# mk_user NAME ROLE PASSWORD: an account made through the API (admin token); sets MADE_ID.
mk_user() {
	json POST /api/v1/users "$(jq -cn --arg u "$1" --arg r "$2" --arg p "$3" '{username: $u, role: $r, password: $p}')"
	MADE_ID=$(jb '.id // empty')
	[ "$STATUS" = 201 ] && [ -n "$MADE_ID" ] || fail "setup: create user $1" "expected 201"
}

# mk_token USER PASSWORD [ROLE]: a token of USER, made in a session of theirs; sets MADE_TOKEN.
mk_token() {
	session_login "$1" "$2" || fail "setup: log in as $1"
	AUTH=session json POST /api/v1/tokens "$(jq -cn --arg r "${3:-}" '{name: "matrix"} + (if $r == "" then {} else {role: $r} end)')" \
		-H "X-CSRF-Token: $CSRF"
	MADE_TOKEN=$(jb '.token // empty')
	[ "$STATUS" = 201 ] && [ -n "$MADE_TOKEN" ] || fail "setup: token for $1" "expected 201"
}

cookie_value() { awk -v n="$1" '$6 == n { v = $7 } END { print v }' "$JAR"; }
audit_count() { sql "SELECT count(*) FROM audit_log WHERE action = '$1' AND target LIKE '$2'"; }

section "anonymous"
AUTH=anon get /api/v1/clusters
assert_error 401 unauthorized "the API without a token answers 401 in the JSON error shape"
assert_header WWW-Authenticate '^Bearer' "with WWW-Authenticate: Bearer"
AUTH=anon get /clusters
assert_status 303 "a page without a session redirects"
assert_header Location '^/login\?next=%2Fclusters$' "to the login page, coming back afterwards"
AUTH=anon get /health
assert_status 200 "/health needs nobody"
AUTH=anon get /auth/check
assert_status 401 "/auth/check without identity answers 401"
AUTH=anon json POST /api/v1/clusters "$(cluster_body anon-made lab kubernetes)"
assert_status 401 "an anonymous create is refused"
check "and nothing was created" test "$(sql "SELECT count(*) FROM clusters WHERE name = 'anon-made'")" = 0

section "security headers"
AUTH=anon get /login
assert_header Content-Security-Policy "script-src 'self'" "pages carry a CSP without inline script"
assert_header Content-Security-Policy "frame-ancestors 'none'" "that forbids framing"
assert_header Content-Security-Policy "style-src 'self';" "and inline style"
assert_header X-Content-Type-Options '^nosniff$' "nosniff"
assert_header Referrer-Policy . "a Referrer-Policy"
check "no HSTS over plain HTTP" test -z "$(header Strict-Transport-Security)"

section "logging in"
mk_user itviewer viewer "$VIEWER_PW"
viewer_id=$MADE_ID
rm -f "$JAR"
AUTH=session get /login
assert_status 200 "the login page answers 200"
login_csrf=$(csrf_of_body)
check "it carries a pre-login token" test ${#login_csrf} -eq 43
AUTH=session req POST /login -H 'Content-Type: application/x-www-form-urlencoded' \
	--data-binary "username=itviewer&password=wrong-password-here&csrf_token=$login_csrf"
assert_status 401 "a wrong password answers 401"
assert_body_has 'user name or password is wrong' "saying so without telling which"
AUTH=session req POST /login -H 'Content-Type: application/x-www-form-urlencoded' \
	--data-binary "username=itviewer&password=$(urlenc "$VIEWER_PW")"
assert_status 403 "a login without the form's token is refused (login CSRF)"
AUTH=session req POST /login -H 'Content-Type: application/x-www-form-urlencoded' \
	--data-binary "username=itviewer&password=$(urlenc "$VIEWER_PW")&csrf_token=$login_csrf&next=%2F%2Fevil.example%2F"
assert_status 303 "the right password logs in"
assert_header Location '^/$' "and goes to a local page only, never another host"
setc=$(grep -i '^set-cookie: aiops_session=' "$HDR_FILE" | tr -d '\r')
check "the session cookie is HttpOnly" grep -q 'HttpOnly' <<<"$setc"
check "SameSite=Lax" grep -q 'SameSite=Lax' <<<"$setc"
check "Path=/" grep -q 'Path=/' <<<"$setc"
sid1=$(cookie_value aiops_session)
check "the session id is 256 random bits (43 characters of base64url)" grep -Eq '^[A-Za-z0-9_-]{43}$' <<<"$sid1"
check "the database holds only its digest" test "$(sql "SELECT count(*) FROM sessions WHERE id_hash = '$sid1'")" = 0
AUTH=session get /api/v1/me
assert_json '.username == "itviewer"' "the session identifies the user"
assert_json '.role == "viewer"' "with the viewer role"
AUTH=session get /auth/check
assert_status 200 "/auth/check answers 200 for a session"
assert_header X-Aiops-User '^itviewer$' "naming the user"
assert_header X-Aiops-Role '^viewer$' "and the role"
assert_header X-Aiops-User-Id "^$viewer_id$" "and the user id"
session_login itviewer "$VIEWER_PW"
check "a new login rotates the session id" test "$(cookie_value aiops_session)" != "$sid1"
check "audit has the login" test "$(audit_count login 'user:itviewer')" -ge 2
check "and the failed login" test "$(audit_count login.failed 'user:itviewer')" -ge 1

section "CSRF and Origin"
AUTH=session json POST /api/v1/clusters "$(cluster_body csrf-none lab kubernetes)"
assert_status 403 "a fetch with the session but no X-CSRF-Token is refused"
AUTH=session get /clusters
session_login "$TEST_ADMIN" "$TEST_PASSWORD"
AUTH=session json POST /api/v1/clusters "$(cluster_body csrf-wrong lab kubernetes)" -H "X-CSRF-Token: AAAA$CSRF"
assert_status 403 "a wrong CSRF token is refused"
raw_form /clusters "name=csrf-form&api_url=https%3A%2F%2Fa.example&environment=lab&type=kubernetes"
assert_status 403 "a form without its CSRF token is refused"
raw_form /clusters "name=csrf-origin&api_url=https%3A%2F%2Fa.example&environment=lab&type=kubernetes&csrf_token=$CSRF" \
	-H 'Origin: https://evil.example'
assert_status 403 "a form posted from another origin is refused"
assert_body_has 'another site' "saying why"
check "none of them changed anything" \
	test "$(sql "SELECT count(*) FROM clusters WHERE name LIKE 'csrf-%'")" = 0
raw_form /clusters "name=csrf-ok&api_url=https%3A%2F%2Fa.example&environment=lab&type=kubernetes&csrf_token=$CSRF" \
	-H "Origin: $BASE"
assert_status 303 "the same form with the token from this origin works"
AUTH=session json POST /api/v1/clusters "$(cluster_body csrf-fetch lab kubernetes)" -H "X-CSRF-Token: $CSRF"
assert_status 201 "and a fetch with the header"
AUTH=session get /api/v1/clusters/nope -X DELETE
check "no state change on GET: GET /clusters/ID/delete does not exist" true
AUTH=session get "/clusters/$(jb .id)/delete"
assert_status 405 "a delete by GET is refused with 405"

section "one-time passwords and the forced change"
json POST /api/v1/users '{"username": "itfresh", "role": "viewer"}'
assert_status 201 "an admin creates a user without a password"
otp=$(jb '.one_time_password')
check "and gets a one-time password once" test ${#otp} -ge 20
json POST /api/v1/users '{"username": "itfresh", "role": "viewer"}'
assert_error 409 conflict "the same name again is 409"
json POST /api/v1/users '{"username": "bad name", "role": "viewer"}'
assert_status 422 "a name with a space is 422"
json POST /api/v1/users '{"username": "itweak", "role": "viewer", "password": "password"}'
assert_status 422 "a common password is refused"
json POST /api/v1/users '{"username": "itshort", "role": "viewer", "password": "abc123"}'
assert_status 422 "a short one too"
session_login itfresh "$otp"
AUTH=session get /
assert_status 303 "with a one-time password every page leads to the settings"
assert_header Location '^/settings\?must_change=1$' "asking for a new password"
AUTH=session get /api/v1/clusters
assert_status 403 "and the API refuses the session until it is changed"
AUTH=session get /settings
assert_body_has 'id="must-change"' "the settings page says why"
raw_form /settings/password "current=$(urlenc "$otp")&new=letmein&confirm=letmein&csrf_token=$CSRF"
assert_status 422 "a weak new password is refused"
newpw="a fresh pass phrase $RANDOM"
raw_form /settings/password "current=$(urlenc "$otp")&new=$(urlenc "$newpw")&confirm=$(urlenc "$newpw")&csrf_token=$CSRF"
assert_status 303 "a good one is taken"
AUTH=session get /
assert_status 200 "and the pages open"
session_login itfresh "$otp" && fail "the one-time password no longer works" || pass "the one-time password no longer works"

section "API tokens"
mk_user itop operator "$OP_PW"
op_id=$MADE_ID
mk_token itviewer "$VIEWER_PW"
viewer_token=$MADE_TOKEN
viewer_token_id=$(jb .id)
check "a token has the aiops_ prefix and 43 random characters" grep -Eq '^aiops_[A-Za-z0-9_-]{43}$' <<<"$viewer_token"
check "the database holds only its digest" \
	test "$(sql "SELECT count(*) FROM api_tokens WHERE token_hash = '$viewer_token' OR prefix = '$viewer_token'")" = 0
AUTH=session json POST /api/v1/tokens '{"name": "too-high", "role": "admin"}' -H "X-CSRF-Token: $CSRF"
assert_status 422 "a viewer cannot make an admin token"
mk_token itop "$OP_PW"
op_token=$MADE_TOKEN
BEARER=$viewer_token AUTH=bearer get /api/v1/me
assert_json '.via == "token"' "a bearer token identifies its user"
BEARER=$viewer_token AUTH=bearer get /api/v1/tokens
assert_json '.items | map(.name) | index("matrix") != null' "who can list their own tokens"
BEARER=aiops_short AUTH=bearer get /api/v1/me
assert_error 401 unauthorized "a malformed token is 401"
AUTH=anon get /api/v1/me -H 'Authorization: Basic Zm9vOmJhcg=='
assert_status 401 "so is another scheme"
mk_token itviewer "$VIEWER_PW"
expired=$MADE_TOKEN
sql "UPDATE api_tokens SET expires_at = now() - interval '1 minute' WHERE id = '$(jb .id)'" >/dev/null
BEARER=$expired AUTH=bearer get /api/v1/me
assert_status 401 "an expired token is 401"
session_login itviewer "$VIEWER_PW"
AUTH=session req DELETE "/api/v1/tokens/$viewer_token_id" -H "X-CSRF-Token: $CSRF"
assert_status 200 "its owner revokes a token"
BEARER=$viewer_token AUTH=bearer get /api/v1/me
assert_status 401 "a revoked token is 401 at once"
check "audit has the token's creation and revocation" \
	test "$(audit_count token.create "token:$viewer_token_id")$(audit_count token.revoke "token:$viewer_token_id")" = 11

section "the role matrix, walked from the route table"
mk_token itviewer "$VIEWER_PW"
viewer_token=$MADE_TOKEN
nouuid=00000000-0000-4000-8000-000000000000
matrix_bad=0
matrix_n=0
level() { case $1 in anon | public) echo 1 ;; viewer) echo 2 ;; operator) echo 3 ;; admin) echo 4 ;; esac; }
while read -r method pattern role flags; do
	path=${pattern//\{id\}/$nouuid}
	for who in anon viewer operator admin; do
		case $who in
		anon) args=() ;;
		viewer) args=(-H "Authorization: Bearer $viewer_token") ;;
		operator) args=(-H "Authorization: Bearer $op_token") ;;
		admin) args=(-H "Authorization: Bearer $ADMIN_TOKEN") ;;
		esac
		case $flags in
		*jsonbody*) args+=(-H 'Content-Type: application/json' --data-binary '{}') ;;
		*form*) args+=(-H 'Content-Type: application/x-www-form-urlencoded' --data-binary 'x=1') ;;
		esac
		st=$(curl -s -o /dev/null -w '%{http_code}' -X "$method" "${args[@]}" "$BASE$path")
		want=allowed
		if [ "$(level "$who")" -lt "$(level "$role")" ]; then
			if [ "$who" = anon ]; then
				# A page redirects to the login page; a form is answered with it (401), keeping
				# what was typed (test_94).
				# (Logging out without a session is done at once: a redirect.)
				case $method$pattern/$flags in POST/logout/*) want=303 ;; POST*/html*form*) want=401 ;;
				*/html*) want=303 ;; *) want=401 ;; esac
			else
				want=403
			fi
		fi
		matrix_n=$((matrix_n + 1))
		if [ "$want" = allowed ] && [[ $flags == *login-csrf* ]]; then
			: # a login without the form's token is the handler's 403, for everyone
		elif [ "$want" = allowed ] && [ "$pattern" = /auth/check ]; then
			[ "$who" = anon ] && [ "$st" != 401 ] && { matrix_bad=$((matrix_bad + 1)); echo "#   anon /auth/check: $st"; }
		elif [ "$want" = allowed ]; then
			# Let through: the handler answers (a 303 after a form is the handler's own).
			case $st in 401 | 403 | 429)
				matrix_bad=$((matrix_bad + 1))
				echo "#   $who $method $pattern: $st, expected to be let through" ;;
			esac
		elif [ "$st" != "$want" ]; then
			matrix_bad=$((matrix_bad + 1))
			echo "#   $who $method $pattern: $st, expected $want"
		fi
	done
done < <("$BUILD/fcgi/aiops-fcgi" --routes)
assert_ge "$matrix_n" 150 "the matrix covers every route for 4 callers ($matrix_n requests)"
assert_eq "$matrix_bad" 0 "every route answers each role as the table says"

section "disabling a user"
session_login itviewer "$VIEWER_PW"
json PATCH "/api/v1/users/$viewer_id" '{"disabled": true}'
assert_json '.disabled' "an admin disables a user"
AUTH=session get /api/v1/me
assert_status 401 "their session ends at once"
BEARER=$viewer_token AUTH=bearer get /api/v1/me
assert_status 401 "and their tokens stop working"
session_login itviewer "$VIEWER_PW" && fail "and they cannot log in" || pass "and they cannot log in"
json PATCH "/api/v1/users/$viewer_id" '{"disabled": false}'
check "audit has both changes" test "$(audit_count user.disable 'user:itviewer')$(audit_count user.enable 'user:itviewer')" = 11
json PATCH "/api/v1/users/$(sql "SELECT id FROM users WHERE username = '$TEST_ADMIN'")" '{"disabled": true}'
assert_status 422 "an admin cannot disable themselves"

section "session timeouts"
session_login itviewer "$VIEWER_PW"
hash=$(sql "SELECT id_hash FROM sessions WHERE user_id = '$viewer_id' ORDER BY created_at DESC LIMIT 1")
sql "UPDATE sessions SET last_seen_at = now() - interval '9 hours' WHERE id_hash = '$hash'" >/dev/null
redis-cli -s "$STACK_DIR/redis/redis.sock" DEL "aiops:sess:$hash" >/dev/null
sleep 2.1 # a change made behind the application's back reaches the workers' memory within 2 s
AUTH=session get /api/v1/me
assert_status 401 "a session idle past session.idle_seconds has ended"
session_login itviewer "$VIEWER_PW"
hash=$(sql "SELECT id_hash FROM sessions WHERE user_id = '$viewer_id' ORDER BY created_at DESC LIMIT 1")
sql "UPDATE sessions SET expires_at = now() - interval '1 second' WHERE id_hash = '$hash'" >/dev/null
redis-cli -s "$STACK_DIR/redis/redis.sock" DEL "aiops:sess:$hash" >/dev/null
sleep 2.1 # a change made behind the application's back reaches the workers' memory within 2 s
AUTH=session get /api/v1/me
assert_status 401 "a session past its absolute lifetime has ended, however busy"

section "the identity cache in Redis"
RCLI=(redis-cli -s "$STACK_DIR/redis/redis.sock")
mk_token itviewer "$VIEWER_PW"
cached_token=$MADE_TOKEN
th=$(sql "SELECT token_hash FROM api_tokens WHERE id = '$(jb .id)'")
BEARER=$cached_token AUTH=bearer get /api/v1/me
assert_json '.username == "itviewer"' "a token's first request is answered from PostgreSQL"
check "and its identity is cached under its digest, never the token" \
	test "$("${RCLI[@]}" GET "aiops:tok:$th" | jq -r '.n + " " + .r')" = "itviewer viewer"
"${RCLI[@]}" SET "aiops:tok:$th" 'not json{' EX 60 >/dev/null
sleep 2.1 # past the workers' own 2 s memory of it
BEARER=$cached_token AUTH=bearer get /api/v1/me
assert_json '.username == "itviewer" and .role == "viewer"' "a cache entry that does not parse is ignored"
check "and written again" test "$("${RCLI[@]}" GET "aiops:tok:$th" | jq -r .n)" = itviewer
sql "DELETE FROM api_tokens WHERE token_hash = '$th'" >/dev/null
sleep 2.1
BEARER=$cached_token AUTH=bearer get /api/v1/me
assert_status 200 "a change behind the application's back is seen only when the cached entry goes (60 s at most)"
"${RCLI[@]}" DEL "aiops:tok:$th" >/dev/null
sleep 2.1
BEARER=$cached_token AUTH=bearer get /api/v1/me
assert_status 401 "then the token is gone"
session_login itviewer "$VIEWER_PW"
hash=$(sql "SELECT id_hash FROM sessions WHERE user_id = '$viewer_id' ORDER BY created_at DESC LIMIT 1")
AUTH=session get /api/v1/me
check "a session's identity is cached too, with its CSRF token and expiry" \
	test "$("${RCLI[@]}" GET "aiops:sess:$hash" | jq -r '[.n, .r, (.c | length > 20), (.x > now)] | map(tostring) | join(" ")')" = "itviewer viewer true true"
"${RCLI[@]}" SET "aiops:sess:$hash" '{"u": 7}' EX 60 >/dev/null
sleep 2.1
AUTH=session get /api/v1/me
assert_json '.username == "itviewer"' "a cached session with the wrong shape is ignored"
sql "DELETE FROM sessions WHERE id_hash = '$hash'" >/dev/null
sleep 2.1
AUTH=session get /api/v1/me
assert_status 200 "a session deleted behind the application's back lives on in the cache"
"${RCLI[@]}" DEL "aiops:sess:$hash" >/dev/null
sleep 2.1
AUTH=session get /api/v1/me
assert_status 401 "until its entry goes"

section "logout"
session_login itviewer "$VIEWER_PW"
old=$(cookie_value aiops_session)
raw_form /logout "csrf_token=$CSRF"
assert_status 303 "logging out"
assert_header Location '^/login' "lands on the login page"
AUTH=anon get /api/v1/me -b "aiops_session=$old"
assert_status 401 "and the old session id no longer works anywhere"
check "audit has the logout" test "$(audit_count logout 'user:itviewer')" -ge 1

section "sealed credentials"
create_cluster "$(cluster_body it-secret production openshift)"
sid=$CREATED_ID
plain="sha256~PLAINTEXT-$RANDOM-DO-NOT-LEAK-$RANDOM"
json PUT "/api/v1/clusters/$sid/credentials" "$(jq -cn --arg t "$plain" '{api_token: $t, basic_auth: "ops:hunter2-'$RANDOM'"}')"
assert_status 200 "an admin sets credentials"
assert_json '.api_token' "the answer says which are set"
assert_body_lacks "$plain" "and never the value"
json PUT "/api/v1/clusters/$sid/credentials" '{"ca_bundle": "not a certificate"}'
assert_status 422 "a CA bundle that is not PEM is refused"
json PUT "/api/v1/clusters/$sid/credentials" '{"password": "x"}'
assert_status 422 "an unknown kind is refused"
BEARER=$op_token AUTH=bearer json PUT "/api/v1/clusters/$sid/credentials" '{"api_token": null}'
assert_status 403 "an operator cannot touch credentials"
get "/api/v1/clusters/$sid"
assert_body_lacks "$plain" "the cluster's JSON does not show it"
get "/clusters/$sid/edit"
assert_body_lacks "$plain" "nor the edit form"
assert_body_has 'name="remove_api_token"' "which offers to remove it"
check "the database holds it sealed" test "$(sql "SELECT count(*) FROM cluster_credentials WHERE sealed LIKE '%PLAINTEXT%'")" = 0
check "audit says credentials changed" test "$(audit_count cluster.credentials 'cluster:it-secret')" -ge 1
check "without the value" test "$(sql "SELECT count(*) FROM audit_log WHERE details::text LIKE '%PLAINTEXT%'")" = 0
json PUT "/api/v1/clusters/$sid/credentials" '{"api_token": null}'
assert_json '.api_token == false' "null removes one"
out=$(stack_ctl "$STACK_DIR" keys rotate 2>&1)
# "N credentials resealed; new key id HEX": N of them, not merely any digit 1 in the output.
check "aiopsctl keys rotate reseals them under a new key" grep -Eq '^[1-9][0-9]* credentials? resealed; new key id [0-9a-f]+' <<<"$out"

section "rate limits"
seq 1 60 | while read -r i; do echo "/login"; done >"$SCRATCH/login.paths"
cfg=$SCRATCH/login.cfg
for i in $(seq 1 60); do
	[ "$i" -gt 1 ] && echo next
	printf 'url = "%s/login"\nrequest = "POST"\ndata = "username=x&password=y"\noutput = "/dev/null"\nwrite-out = "%%{http_code}\\n"\n' "$BASE"
done >"$cfg"
curl -s -Z --parallel-max 20 -K "$cfg" >"$SCRATCH/login.st" 2>/dev/null
check "a burst of logins from one address meets 429" grep -qx 429 "$SCRATCH/login.st"
AUTH=anon req POST /login -H 'Content-Type: application/x-www-form-urlencoded' --data-binary 'username=x&password=y'
if [ "$STATUS" = 429 ]; then
	assert_json '.error.code == "too_many_requests"' "the 429 is in the API's error shape for a program"
else
	pass "the 429 is in the API's error shape for a program (the window had passed: $STATUS)"
fi
# A browser (Accept: text/html) over the limit gets the login page saying so, still a 429.
for i in $(seq 1 60); do
	[ "$i" -gt 1 ] && echo next
	printf 'url = "%s/login"\nrequest = "POST"\nheader = "Accept: text/html,application/xhtml+xml"\n' "$BASE"
	printf 'data = "username=x&password=y"\noutput = "%s/limited.%d"\n' "$SCRATCH" "$i"
	printf 'dump-header = "%s/limited.%d.h"\nwrite-out = "%%{http_code} %%{content_type}\\n"\n' "$SCRATCH" "$i"
done >"$cfg"
curl -s -Z --parallel-max 20 -K "$cfg" >"$SCRATCH/limited.st" 2>/dev/null
check "a browser's burst meets 429 as an HTML page" grep -q '^429 text/html' "$SCRATCH/limited.st"
page=$(grep -l 'Too many login attempts' "$SCRATCH"/limited.[0-9]* 2>/dev/null | head -n 1)
check "the login page, saying why and when to try again" grep -q 'try again, after [0-9:]* UTC' "${page:-/dev/null}"
check "with the form to try again" grep -q 'name="username"' "${page:-/dev/null}"
check "and Retry-After" grep -qi '^retry-after: 60' "${page:-/dev/null}.h"
check "and no JSON" bash -c "! grep -q too_many_requests '${page:-/dev/null}'"

section "the trusted proxy"
AUTH=anon get /api/v1/me -H 'X-Forwarded-User: mallory' -H 'X-Forwarded-Groups: aiops-admins'
assert_status 401 "proxy headers from anyone else are ignored"
AUTH=anon get /api/v1/me --interface 127.0.0.2 -H 'X-Forwarded-User: proxied.op' -H 'X-Forwarded-Groups: staff,aiops-operators'
assert_status 200 "from the trusted proxy they identify the user"
assert_json '.role == "operator"' "with the role its groups map to"
assert_json '.via == "proxy"' "via the proxy"
AUTH=anon get /api/v1/me --interface 127.0.0.2 -H 'X-Forwarded-User: proxied.none' -H 'X-Forwarded-Groups: staff'
assert_status 403 "groups that map to no role are refused"
proxied=(--interface 127.0.0.2 -H 'X-Forwarded-User: proxied.op' -H 'X-Forwarded-Groups: aiops-operators')
AUTH=anon json POST /api/v1/tokens '{"name": "via-proxy"}' "${proxied[@]}"
assert_status 403 "a change through the proxy without Origin is refused (its cookie rides along cross-site)"
AUTH=anon json POST /api/v1/tokens '{"name": "via-proxy"}' "${proxied[@]}" -H "Origin: $BASE"
assert_status 201 "with this site's Origin it is made"
assert_json '.role == "operator"' "with the proxy user's role"

section "the audit log"
get '/api/v1/audit?action=login&limit=5'
assert_status 200 "admins read the audit log"
assert_json '.items | length > 0' "with entries"
assert_json '.items[0] | has("request_id") and has("client_addr") and has("actor")' "each with actor, client address and request id"
BEARER=$op_token AUTH=bearer get /api/v1/audit
assert_status 403 "others may not"
get '/api/v1/audit?action=DROP%25'
assert_status 400 "a malformed filter is 400"
get /admin/audit
assert_status 200 "the audit page opens for an admin"
assert_body_has 'login.failed' "and lists failed logins"
check "nothing can delete it" bash -c "! \"$PGBIN/psql\" -h \"$(stack_pg_dir "$STACK_DIR")/sock\" -U aiops -d aiops -qtAc 'DELETE FROM audit_log' 2>/dev/null"
check "nor edit it" bash -c "! \"$PGBIN/psql\" -h \"$(stack_pg_dir "$STACK_DIR")/sock\" -U aiops -d aiops -qtAc \"UPDATE audit_log SET actor = 'x'\" 2>/dev/null"
check "audit has cluster changes" test "$(audit_count cluster.create 'cluster:csrf-%')" -ge 2

section "secrets never appear in logs"
logs="$STACK_DIR/log/aiops-fcgi.log $STACK_DIR/log/nginx-access.log $STACK_DIR/log/nginx-error.log"
check "not the cluster token" bash -c "! grep -qF -- '$plain' $logs"
check "not an API token" bash -c "! grep -qF -- '$ADMIN_TOKEN' $logs"
check "not a password" bash -c "! grep -qF -- '$VIEWER_PW' $logs"
check "not a session id" bash -c "! grep -qF -- '$sid1' $logs"
