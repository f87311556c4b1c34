// Demo page: talks to the plugin's API (/umbraco/dynamiccot/api/v1) and the demo's content endpoints (/demo/api).
const api = '/umbraco/dynamiccot/api/v1';

async function call(url, options = {}) {
  const response = await fetch(url, options);
  const body = response.headers.get('content-type')?.includes('json') ? await response.json() : await response.text();
  if (!response.ok) throw new Error(body?.detail ?? body?.title ?? `HTTP ${response.status}`);
  return body;
}

function renderTags(span, tags) {
  span.replaceChildren(...tags.map(t => Object.assign(document.createElement('span'), { className: 'tag', textContent: t })));
}

function renderItem(item) {
  const node = document.getElementById('item-template').content.firstElementChild.cloneNode(true);
  node.dataset.key = item.key;
  node.querySelector('.name').textContent = item.name;
  node.querySelector('.meta').textContent = `${item.documentType} · tags stored as ${item.tagStorage}` +
    (item.publishedAt ? ` · published ${new Date(item.publishedAt).toLocaleString()}` : '');
  node.querySelector('.text').textContent = item.text;
  const img = node.querySelector('.photo');
  if (item.image) { img.src = `/demo/media/${item.image}`; img.alt = item.name; } else img.remove();
  const tags = [...item.tags];
  renderTags(node.querySelector('.tags'), tags);
  const decisions = new Map(); // keyphrase -> 'accepted' | 'rejected'
  const status = node.querySelector('.status');

  node.querySelector('.suggest').addEventListener('click', async (event) => {
    const button = event.currentTarget;
    button.disabled = true; status.textContent = 'Asking the model…';
    try {
      const form = new FormData(); form.append('contentId', item.key);
      const result = await call(`${api}/suggest`, { method: 'POST', body: form });
      const chips = node.querySelector('.chips'); chips.replaceChildren();
      for (const k of result.keyphrases) {
        const chip = document.createElement('span');
        chip.className = 'chip';
        chip.innerHTML = `<span class="label"></span> <small>${Math.round(k.confidence * 100)}%</small>` +
          '<button class="accept" title="Accept">✓</button><button class="reject" title="Reject">✕</button>';
        chip.querySelector('.label').textContent = k.text;
        chip.querySelector('.accept').onclick = () => decide(chip, k.text, 'accepted');
        chip.querySelector('.reject').onclick = () => decide(chip, k.text, 'rejected');
        chips.append(chip);
      }
      status.textContent = result.keyphrases.length ? '' : 'No keyphrases suggested.';
    } catch (error) { status.textContent = error.message; }
    finally { button.disabled = false; }
  });

  async function decide(chip, text, decision) {
    decisions.set(text, decision);
    chip.classList.remove('accepted', 'rejected'); chip.classList.add(decision);
    if (decision === 'accepted' && !tags.some(t => t.toLowerCase() === text.toLowerCase())) tags.push(text);
    if (decision === 'rejected') { const i = tags.indexOf(text); if (i >= 0) tags.splice(i, 1); }
    renderTags(node.querySelector('.tags'), tags);
    try {
      await call(`${api}/feedback`, { method: 'POST', headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ contentId: item.key, accepted: decision === 'accepted' ? [text] : [], rejected: decision === 'rejected' ? [text] : [] }) });
    } catch (error) { status.textContent = `Feedback not recorded: ${error.message}`; }
  }

  node.querySelector('.publish').addEventListener('click', async () => {
    try {
      const updated = await call(`/demo/api/content/${item.key}/publish`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ tags }) });
      node.replaceWith(renderItem(updated));
    } catch (error) { status.textContent = error.message; }
  });
  return node;
}

async function loadItems() {
  const items = await call('/demo/api/content');
  document.getElementById('items').replaceChildren(...items.map(renderItem));
}

function renderJob(job) {
  const div = document.createElement('div');
  div.className = 'job';
  const eta = job.etaSeconds != null ? ` · ETA ${Math.ceil(job.etaSeconds)} s` : '';
  const rate = job.ratePerSecond != null ? ` · ${job.ratePerSecond.toFixed(2)} items/s` : '';
  div.innerHTML = `<strong></strong> <span class="counts"></span><progress></progress><div class="buttons"></div><ul class="failures"></ul>`;
  div.querySelector('strong').textContent = `${job.status}`;
  div.querySelector('.counts').textContent = `${job.done} done, ${job.failed} failed of ${job.total}${rate}${eta}`;
  const progress = div.querySelector('progress'); progress.max = Math.max(job.total, 1); progress.value = job.done + job.failed;
  for (const verb of ['pause', 'resume', 'cancel']) {
    const b = document.createElement('button'); b.textContent = verb;
    b.onclick = async () => { try { await call(`${api}/jobs/${job.id}/${verb}`, { method: 'POST' }); refreshJobs(); } catch (e) { alert(e.message); } };
    div.querySelector('.buttons').append(b);
  }
  for (const f of job.failures) {
    const li = document.createElement('li'); li.textContent = `${f.contentKey}: ${f.reason}`; div.querySelector('.failures').append(li);
  }
  return div;
}

async function refreshJobs() {
  const jobs = await call(`${api}/jobs`);
  const detailed = await Promise.all(jobs.slice(0, 5).map(j => call(`${api}/jobs/${j.id}`)));
  document.getElementById('jobs').replaceChildren(...detailed.map(renderJob));
  return detailed.some(j => j.status === 'Queued' || j.status === 'Running');
}

async function pollJobs() {
  const active = await refreshJobs().catch(() => false);
  setTimeout(pollJobs, active ? 1000 : 5000);
  if (!active) loadItems();
}

document.getElementById('bulk-form').addEventListener('submit', async (event) => {
  event.preventDefault();
  const documentType = new FormData(event.target).get('documentType');
  try {
    await call(`${api}/jobs`, { method: 'POST', headers: { 'content-type': 'application/json' },
      body: JSON.stringify(documentType ? { documentType } : { all: true }) });
    refreshJobs();
  } catch (error) { alert(error.message); }
});

loadItems();
pollJobs();
