<?cs # error.cs: the one error page. ?>
<section class="error-page">
<h1><?cs var:Error.Status ?> <?cs var:Error.Reason ?></h1>
<p class="error-message"><?cs var:Error.Message ?></p>
<p><a class="button" href="/">Back to the fleet</a></p>
</section>
