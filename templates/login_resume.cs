<?cs # login_resume.cs: after logging in again, the form whose session had ended, to send once more or drop. ?><?cs include:"macros.cs" ?>
<section class="card login-card" id="resume">
<h1>Send it again?</h1>
<p>Your session ended before this was sent, so nothing was changed. It goes to <code><?cs var:Resume.action ?></code> with:</p>
<div class="table-wrap"><table class="table"><tbody>
<?cs each:f = Resume.fields ?><tr><th scope="row"><?cs var:f.k ?></th><td><?cs var:f.v ?></td></tr><?cs /each ?>
</tbody></table></div>
<form class="form" method="post" action="<?cs var:Resume.action ?>">
<?cs call:csrf_field() ?>
<?cs each:f = Resume.fields ?><input type="hidden" name="<?cs var:f.k ?>" value="<?cs var:f.v ?>"><?cs /each ?>
<div class="form-actions"><button type="submit" class="button primary" id="resend">Send it again</button> <a class="button subtle" href="<?cs var:Resume.next ?>">Back to the form without sending</a></div>
</form>
</section>
