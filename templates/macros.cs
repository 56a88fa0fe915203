<?cs # macros.cs: small pieces the pages share. Included, never rendered on its own. ?>
<?cs def:status_badge(status) ?><span class="badge status-<?cs var:status ?>"><?cs var:status ?></span><?cs /def ?>
<?cs def:env_badge(env) ?><span class="badge env-<?cs var:env ?>"><?cs var:env ?></span><?cs /def ?>
<?cs def:field_error(name) ?><?cs if:Errors[name] ?><p class="field-error" id="err-<?cs var:name ?>"><?cs var:Errors[name] ?></p><?cs /if ?><?cs /def ?>
<?cs def:sort_header(col, label) ?><th scope="col" class="sortable<?cs if:Sort[col].current ?> sorted-<?cs var:Sort[col].current ?><?cs /if ?>"<?cs if:Sort[col].current == "asc" ?> aria-sort="ascending"<?cs elif:Sort[col].current == "desc" ?> aria-sort="descending"<?cs /if ?>><a href="<?cs var:Sort[col].url ?>"><?cs var:label ?></a></th><?cs /def ?>
<?cs def:select_options(list, current) ?><?cs each:o = list ?><option value="<?cs var:o ?>"<?cs if:o == current ?> selected<?cs /if ?>><?cs var:o ?></option><?cs /each ?><?cs /def ?>
<?cs # seen: a last-seen time that live.js can set (an empty datetime reads "never"). ?>
<?cs def:seen(t) ?><time data-field="last_seen" datetime="<?cs var:t ?>"><?cs if:t ?><?cs var:t ?><?cs else ?>never<?cs /if ?></time><?cs /def ?>
<?cs def:csrf_field() ?><input type="hidden" name="csrf_token" value="<?cs var:Session.csrf ?>"><?cs /def ?>
