<?cs # login.cs: the login form. Its pre-login token travels in a cookie and a hidden field. A form sent after its session ended comes back here with its fields kept (Login.keep). ?>
<section class="card login-card">
<h1>Log in</h1>
<?cs if:Login.ended ?><div class="callout status-degraded" role="alert" id="session-ended">Your session ended; log in again. <?cs if:Login.resend_to ?>What you were sending is kept: after logging in you can send it again.<?cs elif:Login.ended == "secret" ?>The form had secret fields, which are not kept: after logging in you are back on the form to fill it in again.<?cs else ?>After logging in you are back where you were.<?cs /if ?></div><?cs /if ?>
<?cs if:Login.error ?><div class="callout status-unreachable" role="alert" id="login-error"><?cs var:Login.error ?></div><?cs /if ?>
<form class="form" method="post" action="/login">
<input type="hidden" name="csrf_token" value="<?cs var:Login.csrf ?>">
<input type="hidden" name="next" value="<?cs var:Login.next ?>">
<?cs if:Login.ended ?><input type="hidden" name="ended" value="<?cs var:Login.ended ?>"><?cs /if ?>
<?cs if:Login.resend_to ?><input type="hidden" name="resend_to" value="<?cs var:Login.resend_to ?>"><?cs each:k = Login.keep ?><input type="hidden" name="keep.<?cs var:k.k ?>" value="<?cs var:k.v ?>"><?cs /each ?><?cs /if ?>
<div class="field"><label for="f-username">User name</label>
<input id="f-username" name="username" type="text" autocomplete="username" autocapitalize="none" spellcheck="false" required autofocus value="<?cs var:Login.username ?>"></div>
<div class="field"><label for="f-password">Password</label>
<input id="f-password" name="password" type="password" autocomplete="current-password" required></div>
<div class="form-actions"><button type="submit" class="button primary">Log in</button></div>
</form>
</section>
