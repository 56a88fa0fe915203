<?cs # login.cs: the login form. Its pre-login token travels in a cookie and a hidden field. ?>
<section class="card login-card">
<h1>Log in</h1>
<?cs if:Login.error ?><div class="callout status-unreachable" role="alert" id="login-error"><?cs var:Login.error ?></div><?cs /if ?>
<form class="form" method="post" action="/login">
<input type="hidden" name="csrf_token" value="<?cs var:Login.csrf ?>">
<input type="hidden" name="next" value="<?cs var:Login.next ?>">
<div class="field"><label for="f-username">User name</label>
<input id="f-username" name="username" type="text" autocomplete="username" autocapitalize="none" spellcheck="false" required autofocus value="<?cs var:Login.username ?>"></div>
<div class="field"><label for="f-password">Password</label>
<input id="f-password" name="password" type="password" autocomplete="current-password" required></div>
<div class="form-actions"><button type="submit" class="button primary">Log in</button></div>
</form>
</section>
