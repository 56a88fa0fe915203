<?cs # settings.cs: one's own password and API tokens. ?><?cs include:"macros.cs" ?>
<h1>Settings</h1>
<?cs if:Settings.must_change ?><div class="callout status-degraded" role="alert" id="must-change">Your password was set by an administrator for one use. Choose your own to go on.</div><?cs /if ?>
<?cs if:Settings.new_token ?><div class="callout status-ready new-token" role="status">
<p>Your new token <strong><?cs var:Settings.new_token_name ?></strong>. Copy it now: it is not shown again.</p>
<p><code class="secret" id="new-token"><?cs var:Settings.new_token ?></code> <button type="button" class="small" data-copy="new-token">Copy</button></p>
</div><?cs /if ?>
<section class="card" id="password">
<h2>Password</h2>
<?cs if:Errors.password ?><div class="callout status-unreachable" role="alert"><?cs var:Errors.password ?></div><?cs /if ?>
<form class="form" method="post" action="/settings/password">
<?cs call:csrf_field() ?>
<input type="text" name="username" autocomplete="username" value="<?cs var:Session.user ?>" hidden>
<div class="field"><label for="f-current">Current password</label>
<input id="f-current" name="current" type="password" autocomplete="current-password" required></div>
<div class="field"><label for="f-new">New password</label>
<input id="f-new" name="new" type="password" autocomplete="new-password" minlength="8" required>
<p class="hint">At least 8 characters; long passphrases are welcome. Common passwords are refused.</p></div>
<div class="field"><label for="f-confirm">New password again</label>
<input id="f-confirm" name="confirm" type="password" autocomplete="new-password" required></div>
<div class="form-actions"><button type="submit" class="button primary">Change password</button></div>
</form>
</section>
<?cs if:!Settings.must_change ?>
<section class="card" id="tokens">
<h2>API tokens</h2>
<p class="muted">Programs send a token as <code>Authorization: Bearer aiops_…</code>. A token acts with its role, never more than yours.</p>
<?cs if:Errors.token ?><div class="callout status-unreachable" role="alert"><?cs var:Errors.token ?></div><?cs /if ?>
<form class="form inline-form" method="post" action="/settings/tokens">
<?cs call:csrf_field() ?>
<div class="field"><label for="t-name">Name</label><input id="t-name" name="name" type="text" maxlength="64" required placeholder="ci-pipeline" value="<?cs var:Form.name ?>"></div>
<div class="field"><label for="t-role">Role</label><select id="t-role" name="role"><?cs each:o = Settings.roles ?><option value="<?cs var:o ?>"<?cs if:o == Session.role ?> selected<?cs /if ?>><?cs var:o ?></option><?cs /each ?></select></div>
<div class="field"><label for="t-expires">Expires in days</label><input id="t-expires" name="expires_days" type="number" min="0" max="3650" value="<?cs if:Form.expires_days ?><?cs var:Form.expires_days ?><?cs else ?>90<?cs /if ?>"><p class="hint">0: never</p></div>
<div class="form-actions"><button type="submit" class="button primary">Create token</button></div>
</form>
<div class="table-wrap"><table class="table" id="token-table">
<thead><tr><th scope="col">Name</th><th scope="col">Token</th><th scope="col">Role</th><th scope="col">Created</th><th scope="col">Expires</th><th scope="col">Last used</th><th scope="col"></th></tr></thead>
<tbody>
<?cs each:k = Tokens ?><tr<?cs if:k.revoked_at ?> class="revoked"<?cs /if ?>>
<td><?cs var:k.name ?></td><td><code><?cs var:k.prefix ?>…</code></td><td><?cs var:k.role ?></td>
<td><time datetime="<?cs var:k.created_at ?>"><?cs var:k.created_at ?></time></td>
<td><?cs if:k.expires_at ?><time datetime="<?cs var:k.expires_at ?>"><?cs var:k.expires_at ?></time><?cs else ?><span class="muted">never</span><?cs /if ?></td>
<td><?cs if:k.last_used_at ?><time datetime="<?cs var:k.last_used_at ?>"><?cs var:k.last_used_at ?></time><?cs else ?><span class="muted">never</span><?cs /if ?></td>
<td><?cs if:k.revoked_at ?><span class="badge status-unknown">revoked</span><?cs else ?><form method="post" action="/settings/tokens/<?cs var:k.id ?>/revoke" class="inline" data-confirm="Revoke token <?cs var:k.name ?>? Programs using it stop working."><?cs call:csrf_field() ?><button type="submit" class="small danger">Revoke</button></form><?cs /if ?></td>
</tr><?cs /each ?>
<?cs if:!subcount(Tokens) ?><tr><td colspan="7" class="muted">No tokens yet.</td></tr><?cs /if ?>
</tbody></table></div>
</section>
<?cs /if ?>
