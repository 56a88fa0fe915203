# test_30_html.sh: the pages a person uses: the cluster list with status classes, a cluster's
# details, the add/edit forms (303 on success; 422 with the reason beside the field and the typed
# values kept on failure), delete, escaping of hostile data, and HTML versus JSON 404s.

UUID_RE='[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}'

# between START END: the part of the last body from the first START to the next END.
between() {
	awk -v s="$1" -v e="$2" '
		{ buf = buf $0 "\n" }
		END { i = index(buf, s); if (i == 0) exit; rest = substr(buf, i); j = index(substr(rest, 2), e);
			print (j == 0 ? rest : substr(rest, 1, j)) }' "$BODY_FILE"
}

section "the cluster list"
create_cluster "$(cluster_body web-ready production openshift '{display_name: "Web ready", region: "us-east-1",
	labels: {suite: "web", team: "ml"}, has_gpu: true}')"
ready_id=$CREATED_ID
create_cluster "$(cluster_body web-degraded staging kubernetes '{labels: {suite: "web"}}')"
degraded_id=$CREATED_ID
set_status web-ready ready
set_status web-degraded degraded "etcd is slow"

get '/clusters?label=suite%3Dweb'
assert_status 200 "GET /clusters answers 200"
assert_header Content-Type '^text/html' "the list is HTML"
assert_body_has 'web-ready' "the list shows web-ready"
assert_body_has 'web-degraded' "the list shows web-degraded"
assert_body_has 'class="row-status-ready"' "the ready cluster's row has the row-status-ready class"
assert_body_has 'class="row-status-degraded"' "the degraded cluster's row has the row-status-degraded class"
assert_body_has 'class="badge status-degraded"' "the status badge has its status class"
assert_body_has "href=\"/clusters/$ready_id\"" "the list links each cluster's page"
assert_body_has 'etcd is slow' "the list shows the status reason"
get /clusters
assert_body_has 'web-ready' "the unfiltered list shows the clusters too"
get '/clusters?status=degraded&label=suite%3Dweb'
assert_body_has 'web-degraded' "a status filter on the page keeps the matching cluster"
assert_body_lacks 'web-ready' "a status filter on the page drops the others"
get '/clusters?status=degraded&status=ready&label=suite%3Dweb'
assert_body_has 'web-degraded' "several statuses on the page keep every one: degraded"
assert_body_has 'web-ready' "and ready"
assert_body_has '<option value="degraded" selected>' "the chosen statuses stay selected"
assert_body_lacks '<option value="unknown" selected>' "and only those"
get '/clusters?environment=mars'
assert_status 400 "a bad filter on the page is a 400"
assert_header Content-Type '^text/html' "the 400 of a page is an HTML page"

section "a cluster's page"
get "/clusters/$ready_id"
assert_status 200 "GET /clusters/{id} answers 200"
assert_header Content-Type '^text/html' "a cluster's page is HTML"
assert_body_has '<h1>web-ready' "the page is headed with the cluster's name"
assert_body_has 'Web ready' "the page shows the display name"
assert_body_has 'https://api.web-ready.example:6443' "the page shows the API URL"
assert_body_has 'us-east-1' "the page shows the region"
assert_body_has '<a class="chip" href="/clusters?label=team%3Dml"' "the page shows the labels, each a link to the clusters with it"
assert_body_has "$ready_id" "the page shows the id"
assert_body_has 'class="badge status-ready"' "the page shows the status with its class"
assert_body_has '<a href="https://api.web-ready.example:6443"' "the API URL is a link"
assert_body_has 'data-credential="api_token"' "an admin sees which credentials are set"

section "add a cluster with the form"
fields="name=web-form&display_name=$(urlenc 'Made by a form')&api_url=$(urlenc 'https://form.example:6443')"
fields+="&prometheus_url=&alertmanager_url=&loki_url=&environment=lab&type=k3s&region=r1"
fields+="&labels=$(urlenc $'team=ml\ntier=gold')&has_gpu=1"
form /clusters "$fields"
assert_status 303 "a valid form answers 303"
loc=$(header Location)
check "the 303 goes to the new cluster's page" grep -qE "^/clusters/$UUID_RE\$" <<<"$loc"
form_id=${loc#/clusters/}
AUTH=session get "$loc"
assert_body_has 'Cluster web-form was added.' "the new cluster's page says it was added"
get "$loc"
assert_status 200 "the new cluster's page answers 200"
assert_body_has 'Made by a form' "the new cluster's page shows what was typed"
get "/api/v1/clusters/$form_id"
assert_json '.name == "web-form" and .display_name == "Made by a form" and .api_url == "https://form.example:6443" and
	.environment == "lab" and .type == "k3s" and .region == "r1" and .labels == {"team": "ml", "tier": "gold"} and
	.has_gpu == true and .prometheus_url == null' "the form stored every field, labels from key=value lines"

count_before=$(fleet_total)
fields="name=$(urlenc 'Bad Name')&display_name=$(urlenc 'Kept "as" typed')"
fields+="&api_url=$(urlenc 'ftp://nope.example')&environment=staging&type=eks&region=r9&labels=team%3Dml"
form /clusters "$fields"
assert_status 422 "an invalid form answers 422"
assert_header Content-Type '^text/html' "the 422 is the form page again"
name_field=$(between 'id="f-name"' '<div class="field')
api_field=$(between 'id="f-api_url"' '<div class="field')
check "the name's error is beside the name field" grep -q 'class="field-error" id="err-name"' <<<"$name_field"
check "the API URL's error is beside the API URL field" grep -q 'class="field-error" id="err-api_url"' <<<"$api_field"
check "the API URL's error says what is wrong" grep -q 'only http and https' <<<"$api_field"
check "the name field is marked invalid" grep -q 'aria-invalid="true"' <<<"$name_field"
assert_body_has 'value="Bad Name"' "the typed name is kept"
assert_body_has 'value="Kept &quot;as&quot; typed"' "the typed display name is kept, escaped"
assert_body_has 'value="ftp://nope.example"' "the typed API URL is kept"
assert_body_has '<option value="eks" selected>' "the chosen type stays selected"
assert_body_has 'team=ml</textarea>' "the typed labels are kept"
assert_body_lacks 'id="err-region"' "a valid field has no error"
assert_eq "$(fleet_total)" "$count_before" "an invalid form stores nothing"

form /clusters "name=web-form&api_url=$(urlenc 'https://other.example')&environment=lab&type=k3s"
assert_status 409 "a form with a taken name answers 409"
check "the taken name's reason is beside the name field" \
	grep -q 'id="err-name">another cluster already has this name' <<<"$(between 'id="f-name"' '<div class="field')"

section "add a cluster with its credentials"
get /clusters/new
assert_body_has 'name="api_token"' "the add form asks for credentials too"
fields="name=web-creds&api_url=$(urlenc 'https://creds.example:6443')&environment=lab&type=k3s"
form /clusters "$fields&api_token=$(urlenc $'two\nlines')"
assert_status 422 "a refused credential refuses the whole form"
assert_body_has 'below. api_token: ' "and says which credential"
get '/api/v1/clusters?q=web-creds'
assert_json '.items | length == 0' "nothing was stored"
form /clusters "$fields&api_token=tok-123&basic_auth=$(urlenc 'u:p')"
assert_status 303 "a cluster added with credentials answers 303"
creds_id=$(header Location)
creds_id=${creds_id#/clusters/}
get "/api/v1/clusters/$creds_id/credentials"
assert_json '.api_token == true and .basic_auth == true and .prometheus_token == false' \
	"the credentials given with the new cluster are stored"
assert_eq "$(sql "SELECT count(*) FROM audit_log WHERE target = 'cluster:web-creds' AND action IN ('cluster.create', 'cluster.credentials')")" 2 \
	"the cluster and its credentials are both audited"
get "/clusters/$creds_id"
check "the cluster's page shows the API token as set" grep -q 'data-credential="api_token">[^<]*: set' "$BODY_FILE"
check "and the Prometheus token as not set" grep -q 'data-credential="prometheus_token">[^<]*: not set' "$BODY_FILE"
req DELETE "/api/v1/clusters/$creds_id"
assert_status 204 "the cluster with credentials is deleted"

section "edit a cluster with the form"
get "/clusters/$form_id/edit"
assert_status 200 "the edit form answers 200"
assert_body_has 'value="web-form"' "the edit form shows the name"
assert_body_has "action=\"/clusters/$form_id\"" "the edit form posts to the cluster"
assert_body_has 'name="has_gpu" value="1" checked' "the edit form shows the GPU box ticked"
fields="name=web-form&display_name=Edited&api_url=$(urlenc 'https://edited.example')"
fields+="&environment=production&type=openshift&region=r2&labels=tier%3Dsilver"
form "/clusters/$form_id" "$fields"
assert_status 303 "a valid edit answers 303"
assert_eq "$(header Location)" "/clusters/$form_id" "the 303 goes back to the cluster's page"
AUTH=session get "/clusters/$form_id"
assert_body_has 'Cluster web-form was saved.' "the cluster's page says the edit was saved"
get "/api/v1/clusters/$form_id"
assert_json '.display_name == "Edited" and .api_url == "https://edited.example" and .environment == "production" and
	.type == "openshift" and .region == "r2" and .labels == {"tier": "silver"} and .has_gpu == false' \
	"the edit stored every field (an unticked box clears has_gpu)"
form "/clusters/$form_id" "name=web-form&display_name=x&api_url=$(urlenc 'gopher://x')&environment=production&type=openshift"
assert_status 422 "an invalid edit answers 422"
assert_body_has "action=\"/clusters/$form_id\"" "the refused edit form still posts to the cluster"
get "/api/v1/clusters/$form_id"
assert_json '.display_name == "Edited"' "an invalid edit stores nothing"

section "delete a cluster with the form"
form "/clusters/$form_id/delete" ""
assert_status 303 "delete answers 303"
loc=$(header Location)
check "the 303 goes to the list, an address that can be reloaded" grep -q '^/clusters$' <<<"$loc"
AUTH=session get "$loc"
assert_body_has 'Cluster web-form was deleted.' "the list says the cluster was deleted"
AUTH=session get "$loc"
assert_body_lacks 'Cluster web-form was deleted.' "the message is shown once, not again on reload"
get "/clusters/$form_id"
assert_status 404 "the deleted cluster's page is a 404"
get "/api/v1/clusters/$form_id"
assert_status 404 "the deleted cluster is gone from the API"
form "/clusters/$form_id/delete" ""
assert_status 404 "deleting it again is a 404"

section "hostile data is escaped"
create_cluster "$(cluster_body web-hostile lab k3s '{display_name: "<script>alert(1)</script>\"><img src=x onerror=alert(2)>",
	labels: {suite: "web"}}')"
hostile_id=$CREATED_ID
for page in '/clusters?label=suite%3Dweb' "/clusters/$hostile_id" "/clusters/$hostile_id/edit"; do
	get "$page"
	assert_status 200 "$page answers 200"
	assert_body_has '&lt;script&gt;alert(1)&lt;/script&gt;' "$page shows the hostile display name escaped"
	assert_body_lacks '<script>alert(1)' "$page has no script from the data"
	assert_body_lacks '<img src=x' "$page has no element from the data"
done
get "/clusters?q=$(urlenc '"><script>alert(3)</script>')"
assert_status 200 "a hostile search answers 200"
assert_body_lacks '<script>alert(3)' "a hostile search text is not reflected as markup"
assert_body_has '&quot;&gt;&lt;script&gt;alert(3)' "a hostile search text is shown escaped in the search box"

section "not found"
get /clusters/00000000-0000-4000-8000-000000000000
assert_status 404 "an unknown cluster's page is a 404"
assert_header Content-Type '^text/html' "the 404 of a page route is HTML"
assert_body_has '404' "the 404 page says 404"
get /clusters/not-a-uuid/edit
assert_status 404 "a malformed id's edit page is a 404"
assert_header Content-Type '^text/html' "that 404 is HTML"
get /no/such/page
assert_status 404 "an unknown page path is a 404"
assert_header Content-Type '^text/html' "the 404 of an unknown page path is HTML"
get /api/v1/clusters/00000000-0000-4000-8000-000000000000
assert_error 404 not_found "the 404 of an /api/ route is JSON"
get /api/v1/no/such/thing
assert_error 404 not_found "the 404 of an unknown /api/ path is JSON"

section "the API reference page, from the OpenAPI document"
AUTH=session get /docs/api
assert_status 200 "the API reference answers a logged-in browser"
assert_header Content-Type '^text/html' "it is a page"
assert_body_has '<code class="api-path">/api/v1/clusters/{id}</code>' "it lists the cluster operations"
assert_body_has 'id="op-streamEvents"' "it describes /events"
assert_body_has 'served by aiops-sse' "and says the push daemon serves it"
assert_body_has 'id="schema-Cluster"' "it lists the schemas"
n_doc=$(jq '[.paths[] | keys[] | select(. != "parameters")] | length' "$ROOT/static/openapi.json")
n_page=$(grep -o 'class="card api-op" id="op-' "$BODY_FILE" | wc -l)
assert_eq "$n_page" "$n_doc" "every operation of the document is on the page"
AUTH=anon get /docs/api
assert_status 303 "anonymous visitors are sent to log in"
