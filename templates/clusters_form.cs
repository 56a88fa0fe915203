<?cs # clusters_form.cs: add or edit a cluster, with each field's error beside it. ?><?cs include:"macros.cs" ?>
<h1><?cs if:Form.id ?>Edit <?cs var:Form.name ?><?cs else ?>Add a cluster<?cs /if ?></h1>
<?cs if:Errors.count > 0 ?><div class="callout status-degraded" role="alert">Please correct the fields marked below.<?cs if:Errors.form ?> <?cs var:Errors.form ?><?cs /if ?></div><?cs /if ?>
<form class="form" method="post" action="<?cs var:Form.action ?>" novalidate>
<?cs call:csrf_field() ?>
<div class="field<?cs if:Errors.name ?> invalid<?cs /if ?>"><label for="f-name">Name</label>
<input id="f-name" name="name" value="<?cs var:Form.name ?>" required maxlength="63" autocomplete="off" placeholder="ocp-prod-east"<?cs if:Errors.name ?> aria-invalid="true" aria-describedby="err-name"<?cs /if ?>>
<p class="hint">Lower-case letters, digits and '-'.</p><?cs call:field_error("name") ?></div>
<div class="field<?cs if:Errors.display_name ?> invalid<?cs /if ?>"><label for="f-display_name">Display name</label>
<input id="f-display_name" name="display_name" value="<?cs var:Form.display_name ?>" maxlength="128"<?cs if:Errors.display_name ?> aria-invalid="true" aria-describedby="err-display_name"<?cs /if ?>><?cs call:field_error("display_name") ?></div>
<div class="field<?cs if:Errors.api_url ?> invalid<?cs /if ?>"><label for="f-api_url">API server URL</label>
<input id="f-api_url" name="api_url" type="url" value="<?cs var:Form.api_url ?>" required placeholder="https://api.example.com:6443"<?cs if:Errors.api_url ?> aria-invalid="true" aria-describedby="err-api_url"<?cs /if ?>><?cs call:field_error("api_url") ?></div>
<div class="field<?cs if:Errors.prometheus_url ?> invalid<?cs /if ?>"><label for="f-prometheus_url">Prometheus URL</label>
<input id="f-prometheus_url" name="prometheus_url" type="url" value="<?cs var:Form.prometheus_url ?>"<?cs if:Errors.prometheus_url ?> aria-invalid="true" aria-describedby="err-prometheus_url"<?cs /if ?>><?cs call:field_error("prometheus_url") ?></div>
<div class="field<?cs if:Errors.alertmanager_url ?> invalid<?cs /if ?>"><label for="f-alertmanager_url">Alertmanager URL</label>
<input id="f-alertmanager_url" name="alertmanager_url" type="url" value="<?cs var:Form.alertmanager_url ?>"<?cs if:Errors.alertmanager_url ?> aria-invalid="true" aria-describedby="err-alertmanager_url"<?cs /if ?>><?cs call:field_error("alertmanager_url") ?></div>
<div class="field<?cs if:Errors.loki_url ?> invalid<?cs /if ?>"><label for="f-loki_url">Loki URL</label>
<input id="f-loki_url" name="loki_url" type="url" value="<?cs var:Form.loki_url ?>"<?cs if:Errors.loki_url ?> aria-invalid="true" aria-describedby="err-loki_url"<?cs /if ?>><?cs call:field_error("loki_url") ?></div>
<div class="field-row">
<div class="field<?cs if:Errors.environment ?> invalid<?cs /if ?>"><label for="f-environment">Environment</label>
<select id="f-environment" name="environment"<?cs if:Errors.environment ?> aria-invalid="true" aria-describedby="err-environment"<?cs /if ?>><?cs call:select_options(Options.environment, Form.environment) ?></select><?cs call:field_error("environment") ?></div>
<div class="field<?cs if:Errors.type ?> invalid<?cs /if ?>"><label for="f-type">Type</label>
<select id="f-type" name="type"<?cs if:Errors.type ?> aria-invalid="true" aria-describedby="err-type"<?cs /if ?>><?cs call:select_options(Options.type, Form.type) ?></select><?cs call:field_error("type") ?></div>
<div class="field<?cs if:Errors.region ?> invalid<?cs /if ?>"><label for="f-region">Region</label>
<input id="f-region" name="region" value="<?cs var:Form.region ?>" maxlength="63" placeholder="us-east-1"<?cs if:Errors.region ?> aria-invalid="true" aria-describedby="err-region"<?cs /if ?>><?cs call:field_error("region") ?></div>
</div>
<div class="field<?cs if:Errors.labels ?> invalid<?cs /if ?>"><label for="f-labels">Labels</label>
<textarea id="f-labels" name="labels" rows="3"<?cs if:Errors.labels ?> aria-invalid="true" aria-describedby="err-labels"<?cs /if ?> placeholder="team=ml-platform&#10;tier=critical"><?cs var:Form.labels ?></textarea>
<p class="hint">One key=value per line.</p><?cs call:field_error("labels") ?></div>
<div class="field check"><label><input type="checkbox" name="has_gpu" value="1"<?cs if:Form.has_gpu == "1" ?> checked<?cs /if ?>> This cluster has GPUs</label></div>
<?cs if:!Form.id ?><fieldset class="credentials" id="credentials">
<legend>Credentials <span class="muted">(optional)</span></legend>
<p class="muted">Stored sealed; never shown again. Leave a field empty to add the cluster without it.</p>
<?cs each:c = Creds ?><div class="field cred">
<label for="c-<?cs var:c.kind ?>"><?cs var:c.label ?></label>
<?cs if:c.kind == "ca_bundle" ?><textarea id="c-<?cs var:c.kind ?>" name="<?cs var:c.kind ?>" rows="3" placeholder="-----BEGIN CERTIFICATE-----"></textarea><?cs else ?><input id="c-<?cs var:c.kind ?>" name="<?cs var:c.kind ?>" type="password" autocomplete="new-password"><?cs /if ?>
</div><?cs /each ?>
</fieldset><?cs /if ?>
<div class="form-actions">
<button type="submit" class="button primary"><?cs if:Form.id ?>Save changes<?cs else ?>Add cluster<?cs /if ?></button>
<a class="button subtle" href="<?cs if:Form.id ?>/clusters/<?cs var:Form.id ?><?cs else ?>/clusters<?cs /if ?>">Cancel</a>
</div>
</form>
<?cs if:Form.id ?>
<section class="card credentials" id="credentials">
<h2>Credentials</h2>
<p class="muted">Stored sealed; never shown again. Type a new value to replace one, tick remove to delete it, leave a field empty to keep it.</p>
<form class="form" method="post" action="/clusters/<?cs var:Form.id ?>/credentials" autocomplete="off">
<?cs call:csrf_field() ?>
<?cs each:c = Creds ?><div class="field cred">
<label for="c-<?cs var:c.kind ?>"><?cs var:c.label ?> <?cs if:c.set == "1" ?><span class="badge status-ready">set</span><?cs else ?><span class="badge status-unknown">not set</span><?cs /if ?></label>
<?cs if:c.kind == "ca_bundle" ?><textarea id="c-<?cs var:c.kind ?>" name="<?cs var:c.kind ?>" rows="3" placeholder="-----BEGIN CERTIFICATE-----"></textarea><?cs else ?><input id="c-<?cs var:c.kind ?>" name="<?cs var:c.kind ?>" type="password" autocomplete="new-password"><?cs /if ?>
<?cs if:c.set == "1" ?><label class="check"><input type="checkbox" name="remove_<?cs var:c.kind ?>" value="1"> remove</label><?cs /if ?>
</div><?cs /each ?>
<div class="form-actions"><button type="submit" class="button primary">Save credentials</button></div>
</form>
</section>
<?cs /if ?>
