<?cs # admin_users.cs: accounts, their roles, and one-time passwords shown once. ?><?cs include:"macros.cs" ?>
<div class="page-head"><h1>Users</h1></div>
<?cs if:Otp.password ?><div class="callout status-ready new-token" role="status">
<p>One-time password for <strong><?cs var:Otp.user ?></strong>. Hand it over now: it is not shown again, and they must change it when they first log in.</p>
<p><code class="secret" id="otp"><?cs var:Otp.password ?></code> <button type="button" class="small" data-copy="otp">Copy</button></p>
</div><?cs /if ?>
<?cs if:Errors.user ?><div class="callout status-unreachable" role="alert"><?cs var:Errors.user ?></div><?cs /if ?>
<section class="card">
<h2>Add a user</h2>
<form class="form inline-form" method="post" action="/admin/users">
<?cs call:csrf_field() ?>
<div class="field"><label for="u-name">User name</label><input id="u-name" name="username" type="text" required maxlength="64" autocapitalize="none" spellcheck="false" value="<?cs var:Form.username ?>"></div>
<div class="field"><label for="u-display">Display name</label><input id="u-display" name="display_name" type="text" maxlength="128" value="<?cs var:Form.display_name ?>"></div>
<div class="field"><label for="u-role">Role</label><select id="u-role" name="role"><?cs if:Form.role ?><?cs call:select_options(Choices.role, Form.role) ?><?cs else ?><?cs call:select_options(Choices.role, "viewer") ?><?cs /if ?></select></div>
<div class="form-actions"><button type="submit" class="button primary">Add user</button></div>
</form>
</section>
<div class="table-wrap"><table class="table" id="user-table">
<thead><tr><th scope="col">User</th><th scope="col">Role</th><th scope="col">Source</th><th scope="col">State</th><th scope="col">Last login</th><th scope="col">Actions</th></tr></thead>
<tbody>
<?cs each:u = Users ?><tr id="user-<?cs var:u.username ?>" data-user="<?cs var:u.username ?>"<?cs if:u.disabled == "1" ?> data-disabled<?cs /if ?>>
<td><?cs if:u.disabled == "1" ?><s title="disabled"><strong><?cs var:u.username ?></strong></s><?cs else ?><strong><?cs var:u.username ?></strong><?cs /if ?><?cs if:u.display_name ?><br><span class="muted"><?cs var:u.display_name ?></span><?cs /if ?></td>
<td><?cs if:u.self == "1" ?><span class="badge role-<?cs var:u.role ?>"><?cs var:u.role ?></span><?cs else ?><form method="post" action="/admin/users/<?cs var:u.id ?>" class="inline"><?cs call:csrf_field() ?><input type="hidden" name="action" value="role"><select name="role" aria-label="Role of <?cs var:u.username ?>"><?cs call:select_options(Choices.role, u.role) ?></select> <button type="submit" class="small">Set</button></form><?cs /if ?></td>
<td><?cs var:u.source ?></td>
<td><?cs if:u.disabled == "1" ?><span class="badge status-unreachable">disabled</span><?cs elif:u.must_change_password == "1" ?><span class="badge status-degraded">one-time password</span><?cs else ?><span class="badge status-ready">active</span><?cs /if ?></td>
<td><?cs if:u.last_login_at ?><time datetime="<?cs var:u.last_login_at ?>"><?cs var:u.last_login_at ?></time><?cs else ?><span class="muted">never</span><?cs /if ?></td>
<td><?cs if:u.self != "1" ?><form method="post" action="/admin/users/<?cs var:u.id ?>" class="inline"<?cs if:u.disabled != "1" ?> data-confirm="Disable <?cs var:u.username ?>? Their sessions end and their API tokens stop working until they are enabled again."<?cs /if ?>><?cs call:csrf_field() ?><?cs if:u.disabled == "1" ?><input type="hidden" name="action" value="enable"><button type="submit" class="small">Enable</button><?cs else ?><input type="hidden" name="action" value="disable"><button type="submit" class="small danger">Disable</button><?cs /if ?></form>
<?cs if:u.source == "local" ?><form method="post" action="/admin/users/<?cs var:u.id ?>" class="inline" data-confirm="Give <?cs var:u.username ?> a new one-time password? Their sessions end."><?cs call:csrf_field() ?><input type="hidden" name="action" value="reset"><button type="submit" class="small">Reset password</button></form><?cs /if ?><?cs else ?><span class="muted">you</span><?cs /if ?></td>
</tr><?cs /each ?>
</tbody></table></div>
