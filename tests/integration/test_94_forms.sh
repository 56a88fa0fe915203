# test_94_forms.sh: no dead ends for a person at the browser. Every form answers with a redirect to
# an address that can be reloaded and bookmarked (a new secret is shown once, never in the
# address); a form sent after its session ended comes back after the login, keeping what can be
# kept; error pages show who is logged in; GET /logout asks; disabling a user says what happened;
# the audit page reads its details, links its targets and filters by time; and a change to a user
# or token that cannot be audited, or whose connection is lost, leaves nothing behind.

FORMS_PW="forms pass phrase $RANDOM"
nouuid=00000000-0000-4000-8000-000000000000

# hidden_form: the hidden fields of the last body, url-encoded as a form body.
hidden_form() {
	grep -o '<input type="hidden" name="[^"]*" value="[^"]*"' "$BODY_FILE" |
		sed 's/.*name="\([^"]*\)" value="\([^"]*\)"/\1\t\2/' |
		while IFS=$'\t' read -r k v; do printf '%s=%s&' "$(urlenc "$k")" "$(urlenc "$v")"; done
}

# expire_session USER_ID: end the user's sessions behind the application's back, as a timeout does.
expire_session() {
	local h
	for h in $(sql "SELECT id_hash FROM sessions WHERE user_id = '$1'"); do
		redis-cli -s "$STACK_DIR/redis/redis.sock" DEL "aiops:sess:$h" >/dev/null
	done
	sql "DELETE FROM sessions WHERE user_id = '$1'" >/dev/null
	sleep 2.1 # past the workers' own 2 s memory of identities
}

json POST /api/v1/users "$(jq -cn --arg p "$FORMS_PW" '{username: "itforms", role: "operator", password: $p}')"
forms_id=$(jb .id)
[ "$STATUS" = 201 ] || fail "setup: create itforms" "expected 201, got $STATUS"

section "a new token: redirect after post, its secret shown once"
session_login itforms "$FORMS_PW" || fail "setup: log in as itforms"
form /settings/tokens "name=reload-me&role=viewer&expires_days=30"
assert_status 303 "creating a token from the settings page redirects"
assert_header Location '^/settings#tokens$' "to the settings page"
check "the secret is not in the address" bash -c "! grep -q aiops_ <<<'$(header Location)'"
AUTH=session get /settings
assert_status 200 "the settings page opens"
assert_body_has 'id="new-token"' "showing the new token"
secret=$(sed -n 's/.*id="new-token">\([^<]*\)<.*/\1/p' "$BODY_FILE")
check "with its secret" grep -Eq '^aiops_[A-Za-z0-9_-]{43}$' <<<"$secret"
assert_header Cache-Control 'no-store' "which no cache keeps"
BEARER=$secret AUTH=bearer get /api/v1/me
assert_json '.username == "itforms" and .role == "viewer"' "the secret works"
AUTH=session get /settings
assert_status 200 "a reload of the page"
assert_body_lacks "$secret" "does not show the secret again"
check "and makes no second token" test "$(sql "SELECT count(*) FROM api_tokens WHERE name = 'reload-me'")" = 1
check "the form's expiry was taken" \
	test "$(sql "SELECT expires_at::date - now()::date FROM api_tokens WHERE name = 'reload-me'")" = 30
AUTH=session get /settings/tokens
assert_status 303 "opening the form's address is no 405"
assert_header Location '^/settings#tokens$' "it leads to the page of the form"
form /settings/tokens "name=&role=viewer&expires_days=4000"
assert_status 422 "a form with a fault is shown again"
assert_body_has 'name: a name of 1 to 64' "with the reason"
assert_body_has 'expires_days: 0 (never) to 3650 days' "every reason, from the token's field table"
assert_body_has 'name="expires_days" type="number" min="0" max="3650" value="4000"' "keeping what was typed"
tid=$(sql "SELECT id FROM api_tokens WHERE name = 'reload-me'")
form "/settings/tokens/$tid/revoke" ""
assert_status 303 "revoking redirects"
assert_header Location '^/settings#tokens$' "to the settings page"
AUTH=session get /settings
assert_body_has 'The token reload-me was revoked.' "which says so once"
AUTH=session get "/settings/tokens/$tid/revoke"
assert_status 303 "the revoke address leads to the page too"
AUTH=session get /settings/password
assert_status 303 "and so does the password form's"

section "GET /logout"
AUTH=session get /logout
assert_status 200 "GET /logout is a page, not a 405"
assert_body_has 'id="logout-confirm"' "with the logout button"
assert_body_has 'action="/logout"' "that posts the logout"
AUTH=anon get /logout
assert_status 303 "without a session it leads to the login page"
assert_header Location '^/login$' "there"

section "users: redirect after post, the one-time password once, disabling asks and says"
session_login "$TEST_ADMIN" "$TEST_PASSWORD" || fail "setup: log in as the admin"
form /admin/users "username=itotp&role=viewer"
assert_status 303 "adding a user redirects"
assert_header Location '^/admin/users$' "to the users page"
AUTH=session get /admin/users
assert_body_has 'id="otp"' "which shows the one-time password"
otp=$(sed -n 's/.*id="otp">\([^<]*\)<.*/\1/p' "$BODY_FILE")
check "a real one" test ${#otp} -ge 20
AUTH=session get /admin/users
assert_body_lacks "$otp" "once"
assert_body_has 'data-confirm="Disable itforms?' "disabling a user asks first"
otp_id=$(sql "SELECT id FROM users WHERE username = 'itotp'")
form "/admin/users/$otp_id" "action=disable"
assert_status 303 "disabling redirects"
assert_header Location '^/admin/users$' "to the users page"
AUTH=session get /admin/users
assert_body_has 'itotp is disabled: their sessions ended' "which says what happened"
assert_body_has '<s title="disabled"><strong>itotp</strong></s>' "the name alone is struck through"
assert_body_lacks 'class="revoked"' "not the whole row"
form "/admin/users/$otp_id" "action=reset"
assert_status 303 "a password reset redirects"
AUTH=session get /admin/users
assert_body_has 'id="otp"' "and shows the new one-time password on the page"
form "/admin/users/$otp_id" "action=enable"
AUTH=session get /admin/users
assert_body_has 'itotp is enabled again' "enabling says so too"
AUTH=session get "/admin/users/$otp_id"
assert_status 303 "a user form's address leads to the users page"

section "error pages show who is logged in"
AUTH=session get /no/such/page
assert_status 404 "an unknown page is 404"
assert_body_has 'class="user-box"' "with the user box"
assert_body_has "$TEST_ADMIN" "naming the user"
assert_body_has 'href="/admin/users"' "and the admin menu"
AUTH=session get "/clusters/$nouuid/delete"
assert_status 405 "a GET of a delete is 405"
assert_body_has 'class="user-box"' "with the user box too"
AUTH=session get "/clusters/$nouuid"
assert_status 404 "a cluster that is not there is 404"
assert_body_has 'class="user-box"' "with the user box"
AUTH=anon get /no/such/page
assert_body_lacks 'class="user-box"' "and nobody's for an anonymous visitor"

section "a form sent after the session ended"
AUTH=anon get '/admin/audit?action=login'
assert_header Location '^/login\?next=%2Fadmin%2Faudit%3Faction%3Dlogin$' "a page keeps its query through the login"
session_login itforms "$FORMS_PW" || fail "setup: log in as itforms"
expire_session "$forms_id"
AUTH=session get /settings
assert_header Location '^/login\?ended=1&next=%2Fsettings$' "a page after the session ended leads to the login page"
AUTH=session get '/login?ended=1&next=%2Fsettings'
assert_body_has 'id="session-ended"' "which says the session ended"
AUTH=anon get /settings
assert_header Location '^/login\?next=%2Fsettings$' "but not to someone who had no session"
session_login itforms "$FORMS_PW" || fail "setup: log in as itforms"
old_csrf=$CSRF
expire_session "$forms_id"
raw_form /settings/tokens "name=after-expiry&role=viewer&expires_days=7&csrf_token=$old_csrf" \
	-H "Origin: $BASE" -H "Referer: $BASE/settings"
assert_status 401 "the form is answered with the login page"
assert_body_has 'id="session-ended"' "saying the session ended"
assert_body_has 'name="next" value="/settings"' "coming back to the page of the form"
assert_body_has 'name="keep.name" value="after-expiry"' "keeping what was typed"
assert_body_lacks "$old_csrf" "but not the old form token"
check "nothing was made" test "$(sql "SELECT count(*) FROM api_tokens WHERE name = 'after-expiry'")" = 0
AUTH=session req POST /login -H 'Content-Type: application/x-www-form-urlencoded' \
	--data-binary "$(hidden_form)username=itforms&password=$(urlenc "$FORMS_PW")"
assert_status 303 "logging in again"
assert_header Location '^/login/resume$' "offers to send the form again"
AUTH=session get /login/resume
assert_status 200 "on a page"
assert_body_has 'action="/settings/tokens"' "with the form's target"
assert_body_has 'value="after-expiry"' "and what was typed"
AUTH=session get /login/resume
assert_body_has 'id="resend"' "which a reload shows again"
CSRF=$(csrf_of_body)
AUTH=session req POST /settings/tokens -H 'Content-Type: application/x-www-form-urlencoded' \
	--data-binary "$(hidden_form)"
assert_status 303 "sending it again works"
check "and makes the token" test "$(sql "SELECT count(*) FROM api_tokens WHERE name = 'after-expiry'")" = 1
expire_session "$forms_id"
raw_form /settings/password "current=x&new=secret-new-1&confirm=secret-new-1&csrf_token=$CSRF" \
	-H "Origin: $BASE" -H "Referer: $BASE/settings"
assert_status 401 "a password form after the session ended is the login page too"
assert_body_has 'secret fields, which are not kept' "which says its secret fields are not kept"
assert_body_lacks 'secret-new-1' "and does not keep them"
assert_body_lacks 'name="resend_to"' "nor offers to send it again"
raw_form /logout "csrf_token=$CSRF" -H "Origin: $BASE"
assert_status 303 "logging out after the session ended just logs out"
assert_header Location '^/login$' "to the login page"
raw_form /settings/tokens "name=cross-site&csrf_token=$CSRF" -H 'Origin: https://evil.example'
assert_status 303 "a form from another site gets the bare login page"
assert_header Location '^/login$' "keeping nothing"

section "the audit page"
create_cluster "$(cluster_body it-audit-link lab kubernetes)"
link_id=$CREATED_ID
session_login "$TEST_ADMIN" "$TEST_PASSWORD" || fail "setup: log in as the admin"
AUTH=session get "/admin/audit?action=cluster.create"
assert_status 200 "the audit page opens"
assert_body_has "href=\"/clusters/$link_id\"" "a cluster target links to the cluster"
assert_body_has '<span class="muted">IP</span>' "the address is labelled"
assert_body_has '<span class="muted">Request</span>' "and the request id"
AUTH=session get "/admin/audit?action=user.create"
assert_body_has 'href="/admin/users#user-itotp"' "a user target links to the user"
assert_body_has '<span class="muted">role:</span> viewer' "details read as name: value"
assert_body_lacks '{&quot;' "not as raw JSON"
AUTH=session get "/admin/audit?action=user.create&since=2999-01-01T00:00:00Z"
assert_body_has 'Nothing recorded matches' "since filters by time"
assert_body_has 'name="since" value="2999-01-01T00:00:00Z"' "and the form keeps it"
AUTH=session get "/admin/audit?action=user.create&until=2000-01-01T00:00:00Z"
assert_body_has 'Nothing recorded matches' "so does until"
AUTH=session get "/admin/audit?since=yesterday-ish"
assert_status 400 "a time that is not one is 400"
get '/api/v1/audit?action=user.create&since=2000-01-01T00:00:00Z&until=2999-01-01T00:00:00Z'
assert_json '.items | length > 0' "the API filters by the same since and until"
assert_json '.items[0].details.role == "viewer"' "with details as an object"
get '/api/v1/audit?limit=2'
assert_json '(.items | length) == 2 and (.next_cursor | type) == "string"' "limit takes a page of that size, with the next cursor"
first_ids=$(jb '[.items[].id] | map(tostring) | join(",")')
get "/api/v1/audit?limit=2&cursor=$(jb .next_cursor)"
assert_json "[.items[].id] | map(tostring) | join(\",\") != \"$first_ids\"" "which continues below it"
get '/api/v1/audit?limit=500'
assert_status 200 "limit 500 is the most"
get '/api/v1/audit?limit=501'
assert_error 400 bad_request "limit 501 is 400, by the rule of every list"
assert_json '.error.message | test("1 to 500")' "saying what would do"
get '/api/v1/audit?limit=0'
assert_status 400 "so is limit 0"
AUTH=session get '/admin/audit?limit=lots'
assert_status 400 "and the page answers the same"

section "a change and its audit row: both or neither"
sql "CREATE FUNCTION it_refuse_audit() RETURNS trigger LANGUAGE plpgsql AS \$\$
	BEGIN RAISE EXCEPTION 'the test refuses audit rows'; END \$\$;
	CREATE TRIGGER it_refuse_audit BEFORE INSERT ON audit_log FOR EACH ROW
	WHEN (NEW.action IN ('user.disable', 'user.create', 'token.create', 'user.role', 'user.password.reset'))
	EXECUTE FUNCTION it_refuse_audit()" >/dev/null
json PATCH "/api/v1/users/$forms_id" '{"disabled": true}'
assert_status 503 "a disabling that cannot be audited fails"
check "and did not happen" test "$(sql "SELECT disabled FROM users WHERE id = '$forms_id'")" = f
json POST /api/v1/users '{"username": "itnoaudit", "role": "viewer"}'
assert_status 503 "a new user that cannot be audited fails"
check "and is not there" test "$(sql "SELECT count(*) FROM users WHERE username = 'itnoaudit'")" = 0
json POST /api/v1/tokens '{"name": "noaudit"}'
assert_status 503 "a new token that cannot be audited fails"
check "and is not there" test "$(sql "SELECT count(*) FROM api_tokens WHERE name = 'noaudit'")" = 0
form "/admin/users/$forms_id" "action=role&role=viewer"
assert_status 503 "a role change from the page that cannot be audited fails"
check "and did not happen" test "$(sql "SELECT role FROM users WHERE id = '$forms_id'")" = operator
sql "DROP TRIGGER it_refuse_audit ON audit_log; DROP FUNCTION it_refuse_audit()" >/dev/null
sql "CREATE FUNCTION it_cut_audit() RETURNS trigger LANGUAGE plpgsql AS \$\$
	BEGIN PERFORM pg_terminate_backend(pg_backend_pid()); RETURN NEW; END \$\$;
	CREATE TRIGGER it_cut_audit BEFORE INSERT ON audit_log FOR EACH ROW
	WHEN (NEW.action = 'token.create') EXECUTE FUNCTION it_cut_audit()" >/dev/null
json POST /api/v1/tokens '{"name": "cut-off"}'
assert_status 503 "a connection lost while auditing a new token answers 503"
check "and leaves no token behind" test "$(sql "SELECT count(*) FROM api_tokens WHERE name = 'cut-off'")" = 0
sql "DROP TRIGGER it_cut_audit ON audit_log; DROP FUNCTION it_cut_audit()" >/dev/null
json POST /api/v1/tokens '{"name": "after-cut"}'
assert_status 201 "the next change works"
check "audited" test "$(sql "SELECT count(*) FROM audit_log WHERE action = 'token.create' AND details->>'name' = 'after-cut'")" = 1
