<?cs # logout.cs: GET /logout: who is logged in, and the button that logs out (a POST, with the form token). ?>
<section class="card login-card">
<h1>Log out</h1>
<?cs if:Logout.via == "proxy" ?><p>You are logged in as <strong><?cs var:Session.user ?></strong> through the login proxy; log out there.</p>
<?cs else ?><p>You are logged in as <strong><?cs var:Session.user ?></strong>.</p>
<form class="form" method="post" action="/logout">
<input type="hidden" name="csrf_token" value="<?cs var:Session.csrf ?>">
<div class="form-actions"><button type="submit" class="button primary" id="logout-confirm">Log out</button> <a class="button subtle" href="/">Stay logged in</a></div>
</form><?cs /if ?>
</section>
