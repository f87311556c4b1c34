// Demo page: the plugin's web components (/App_Plugins/DynamicCot/) over its API, plus the demo's content endpoints.
const elementsBundle = '/App_Plugins/DynamicCot/dynamiccot-elements.js';

async function call(url, options = {}) {
  const response = await fetch(url, options);
  const body = response.headers.get('content-type')?.includes('json') ? await response.json() : await response.text();
  if (!response.ok) throw new Error(body?.detail ?? body?.title ?? `HTTP ${response.status}`);
  return body;
}

/** Loads the web components; without them the page still lists and publishes content, and says what is missing. */
async function loadElements() {
  try {
    await import(elementsBundle);
    return true;
  } catch (error) {
    const banner = document.getElementById('bundle-missing');
    banner.textContent = `The DynamicCot web components (${elementsBundle}) could not be loaded, so suggestions and ` +
      `bulk jobs are unavailable on this page: build them with "npm ci && npm run build:backoffice", then rebuild ` +
      `the demo host. (${error.message})`;
    banner.hidden = false;
    return false;
  }
}

function renderTags(span, tags) {
  span.replaceChildren(...tags.map(t => Object.assign(document.createElement('span'), { className: 'tag', textContent: t })));
}

/** How the editor left each item; tagging never changes it (only a cleanly published item is republished). */
const stateLabels = {
  NeverPublished: 'draft, never published',
  Unpublished: 'unpublished',
  PublishedWithPendingChanges: 'published, with unpublished changes',
  Published: 'published',
  Trashed: 'in the recycle bin',
};

function renderItem(item, withElements) {
  const node = document.getElementById('item-template').content.firstElementChild.cloneNode(true);
  node.dataset.key = item.key;
  node.dataset.state = item.state;
  node.querySelector('.name').textContent = item.name;
  node.querySelector('.meta').textContent = `${item.documentType} · tags stored as ${item.tagStorage} · ${stateLabels[item.state] ?? item.state}` +
    (item.publishedAt && item.state !== 'Unpublished' ? ` ${new Date(item.publishedAt).toLocaleString()}` : '') +
    (item.publishedTags && item.state === 'PublishedWithPendingChanges' ? ` · live tags: ${item.publishedTags.join(', ') || 'none'}` : '');
  node.querySelector('.text').textContent = item.text;
  const img = node.querySelector('.photo');
  if (item.image) { img.src = `/demo/media/${item.image}`; img.alt = item.name; } else img.remove();
  let tags = [...item.tags];
  renderTags(node.querySelector('.tags'), tags);
  const status = node.querySelector('.status');

  if (withElements) {
    const panel = document.createElement('dynamiccot-suggestion-panel');
    panel.contentId = item.key;
    panel.existingTags = tags;
    // The panel recorded the editor's decisions as feedback; the page keeps the tags until "Publish".
    panel.addEventListener('tags-applied', event => {
      tags = event.detail.tags;
      panel.existingTags = tags;
      renderTags(node.querySelector('.tags'), tags);
    });
    node.querySelector('.suggestions').append(panel);
  }

  if (item.state === 'Trashed') node.querySelector('.publish').disabled = true;
  node.querySelector('.publish').addEventListener('click', async () => {
    try {
      const updated = await call(`/demo/api/content/${item.key}/publish`, {
        method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ tags }) });
      node.replaceWith(renderItem(updated, withElements));
    } catch (error) { status.textContent = error.message; }
  });
  return node;
}

async function loadItems(withElements) {
  const items = await call('/demo/api/content');
  document.getElementById('items').replaceChildren(...items.map(item => renderItem(item, withElements)));
}

function showJobs() {
  const jobs = document.createElement('dynamiccot-job-list');
  jobs.setAttribute('document-types', 'post,photo');
  // Reload the items when the last active job finishes, so retagged tags show.
  let wasActive = false;
  jobs.addEventListener('jobs-changed', event => {
    const active = event.detail.jobs.some(j => j.status === 'Queued' || j.status === 'Running');
    if (wasActive && !active) loadItems(true);
    wasActive = active;
  });
  document.getElementById('jobs').append(jobs);
}

const withElements = await loadElements();
if (withElements) showJobs();
await loadItems(withElements);
