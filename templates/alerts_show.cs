<?cs # alerts_show.cs: one alert: its labels, annotations, links, history and the same alert elsewhere. ?><?cs include:"macros.cs" ?>
<?cs each:a = Alert ?>
<p class="breadcrumb"><a href="/alerts">Alerts</a> › <?cs var:a.alertname ?></p>
<div class="page-head" data-live-part="head" data-live-on="ALERT_FIRED ALERT_RESOLVED">
<h1><?cs var:a.alertname ?></h1>
<span class="badge severity-<?cs var:a.severity ?>"><?cs var:a.severity ?></span>
<span class="badge alert-<?cs var:a.status ?>"><?cs var:a.status ?></span>
</div>
<?cs if:Links.summary ?><p class="lead"><?cs var:Links.summary ?></p><?cs /if ?>
<section class="card ack" data-live-part="ack" data-live-on="ALERT_ACKED ALERT_RESOLVED">
<?cs if:a.acked_by ?><p class="acked"><strong>Acknowledged</strong> by <?cs var:a.acked_by ?> <time datetime="<?cs var:a.acked_at ?>"><?cs var:a.acked_at ?></time>: <?cs var:a.ack_comment ?></p><?cs /if ?>
<?cs if:a.status == "firing" && (Session.role == "operator" || Session.is_admin) ?>
<form class="form inline-form" method="post" action="/alerts/<?cs var:a.id ?>/ack">
<?cs call:csrf_field() ?>
<div class="field"><label for="ack-comment"><?cs if:a.acked_by ?>A new comment<?cs else ?>Acknowledge, saying what is being done<?cs /if ?></label>
<input id="ack-comment" name="comment" type="text" maxlength="1000" required placeholder="draining gpu-worker-02, RMA filed"></div>
<div class="form-actions"><button type="submit" class="button primary">Acknowledge</button></div>
</form>
<?cs if:a.acked_by ?><form method="post" action="/alerts/<?cs var:a.id ?>/unack" class="inline"><?cs call:csrf_field() ?><button type="submit" class="button subtle">Take back</button></form><?cs /if ?>
<form class="form inline-form silence-form" method="post" action="/alerts/<?cs var:a.id ?>/silence">
<?cs call:csrf_field() ?>
<div class="field"><label for="sil-hours">Silence for hours</label><input id="sil-hours" name="hours" type="number" min="0.25" max="720" step="0.25" value="2" required></div>
<div class="field"><label for="sil-comment">Why</label><input id="sil-comment" name="comment" type="text" maxlength="1000" required placeholder="maintenance of gpu-worker-01"></div>
<div class="form-actions"><button type="submit" class="button">Silence in its Alertmanager</button></div>
</form>
<?cs elif:!a.acked_by ?><p class="muted"><?cs if:a.status == "firing" ?>Not acknowledged.<?cs else ?>Resolved.<?cs /if ?></p><?cs /if ?>
</section>
<?cs if:Links.description ?><p><?cs var:Links.description ?></p><?cs /if ?>
<section class="card">
<h2>Where and when</h2>
<dl class="details">
<dt>Cluster</dt><dd><a href="/clusters/<?cs var:a.cluster_id ?>"><?cs var:a.cluster ?></a></dd>
<dt>Started</dt><dd><time datetime="<?cs var:a.starts_at ?>"><?cs var:a.starts_at ?></time></dd>
<dt>Ended</dt><dd><?cs if:a.ends_at ?><time datetime="<?cs var:a.ends_at ?>"><?cs var:a.ends_at ?></time><?cs else ?>still firing<?cs /if ?></dd>
<dt>Fired in the last day</dt><dd><?cs var:History.flaps ?> time<?cs if:History.flaps != 1 ?>s<?cs /if ?></dd>
<?cs if:a.silenced_by ?><dt>Silenced by</dt><dd><code><?cs var:a.silenced_by ?></code> (its Alertmanager's silences)</dd><?cs /if ?>
<?cs if:a.inhibited_by ?><dt>Inhibited by</dt><dd><code><?cs var:a.inhibited_by ?></code> (alerts that mute it)</dd><?cs /if ?>
<dt>Fingerprint</dt><dd><code><?cs var:a.fingerprint ?></code></dd>
<dt>Links</dt><dd><?cs if:Links.runbook ?><a href="<?cs var:Links.runbook ?>" rel="noopener noreferrer">Runbook</a><?cs /if ?><?cs if:a.generator_link ?><?cs if:Links.runbook ?> · <?cs /if ?><a href="<?cs var:a.generator_link ?>" rel="noopener noreferrer">Source query</a><?cs /if ?><?cs if:!Links.runbook && !a.generator_link ?><span class="muted">none</span><?cs /if ?></dd>
</dl>
</section>
<section class="card">
<h2>Labels</h2>
<table class="table kv"><tbody><?cs each:l = a.labels ?><tr><th scope="row"><?cs var:l.k ?></th><td><?cs var:l.v ?></td></tr><?cs /each ?></tbody></table>
</section>
<section class="card">
<h2>Annotations</h2>
<table class="table kv"><tbody><?cs each:l = a.annotations ?><tr><th scope="row"><?cs var:l.k ?></th><td><?cs var:l.v ?></td></tr><?cs /each ?></tbody></table>
</section>
<?cs /each ?>
<section class="card" data-live-part="timeline" data-live-on="ALERT_FIRED ALERT_RESOLVED ALERT_ACKED">
<h2>Timeline</h2>
<ol class="timeline"><?cs each:m = Timeline ?><li class="moment-<?cs var:m.kind ?>"><time datetime="<?cs var:m.at ?>"><?cs var:m.at ?></time> <?cs var:m.kind ?><?cs if:m.actor ?> by <?cs var:m.actor ?><?cs /if ?><?cs if:m.comment ?>: <?cs var:m.comment ?><?cs /if ?></li><?cs /each ?></ol>
</section>
<section class="card">
<h2>The same alert on other clusters</h2>
<?cs if:subcount(Elsewhere) == 0 ?><p class="muted">Not firing anywhere else.</p><?cs else ?>
<ul><?cs each:o = Elsewhere ?><li><a href="/alerts/<?cs var:o.id ?>"><?cs var:o.cluster ?></a> since <time datetime="<?cs var:o.starts_at ?>"><?cs var:o.starts_at ?></time></li><?cs /each ?></ul><?cs /if ?>
</section>
