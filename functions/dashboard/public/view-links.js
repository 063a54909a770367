// The links view: the "New link" form and the filtered list of links, paged with "Load more".
import { api } from './api.js';
import { $, $$, formatDate, h, submitButton } from './dom.js';
import { announce, loader, runAction } from './feedback.js';
import { fillStageSelect, onJourneys } from './scope.js';

const FILTERS = ['journey', 'stage', 'touchpoint', 'campaign', 'tag', 'status'];

const createForm = $('#create-form');
const createJourney = $('#create-journey');
const createStage = $('#create-stage');
const createResult = $('#create-result');
const filterForm = $('#filter-form');
const filterStage = $('#filter-stage');
const tbody = $('#links-table tbody');
const summary = $('#links-summary');
const more = $('#links-more');

/** The links shown: what the API listed so far for `query`, and the cursor of the next page. */
let list = { items: [], nextCursor: null, query: {} };

/** The API body for the "New link" form. */
function createBody(form) {
  const value = (name) => (form.elements.namedItem(name)?.value ?? '').trim();
  const body = {
    url: value('url'),
    touchpoint: value('touchpoint'),
    journey: value('journey') || 'default',
    stage: value('stage'),
  };
  for (const name of ['channel', 'category', 'campaign', 'slug']) if (value(name)) body[name] = value(name);
  const tags = value('tags')
    .split(',')
    .map((t) => t.trim())
    .filter(Boolean);
  if (tags.length) body.tags = tags;
  const expires = value('expiresAt');
  if (expires) {
    const at = new Date(expires);
    if (Number.isNaN(at.getTime())) throw new Error('The expiry date is not a valid date and time.');
    body.expiresAt = at.toISOString();
  }
  const utm = {};
  for (const key of ['source', 'medium', 'campaign', 'term', 'content'])
    if (value(`utm.${key}`)) utm[key] = value(`utm.${key}`);
  if (Object.keys(utm).length) body.utm = utm;
  if (form.elements.namedItem('trackConversions')?.checked) body.trackConversions = true;
  return body;
}

function linkRow(link) {
  const cell = (label, ...content) => h('td', { 'data-label': label }, ...content);
  return h(
    'tr',
    {},
    cell(
      'Short link',
      h(
        'a',
        { href: `#/link/${encodeURIComponent(link.id)}`, class: 'break' },
        link.shortUrl.replace(/^https?:\/\//, ''),
      ),
    ),
    cell('Touchpoint', link.touchpoint),
    cell('Stage', link.journey === 'default' ? link.stage : `${link.stage} (${link.journey})`),
    cell('Campaign', link.campaign ?? '–'),
    h('td', { 'data-label': 'Destination', class: 'url' }, link.url),
    cell('Status', h('span', { class: `badge badge-${link.status}` }, link.status)),
    cell('Created', formatDate(link.createdAt)),
  );
}

function filterQuery() {
  const query = {};
  for (const name of FILTERS) {
    const value = filterForm.elements.namedItem(name).value.trim();
    if (value) query[name] = name === 'touchpoint' ? value.toLowerCase() : value;
  }
  return query;
}

/** Lists the links matching the filters, or (`append`) the next page of the current list. */
const loadLinks = loader(
  { errors: $('#links-error') },
  async ({ append = false } = {}) => {
    const query = append ? list.query : filterQuery();
    const page = await api('/api/links', {
      query: { ...query, limit: 20, cursor: append ? list.nextCursor : undefined },
    });
    return { page, query };
  },
  ({ page, query }, { append = false } = {}) => {
    list = {
      items: append ? [...list.items, ...page.items] : page.items,
      nextCursor: page.nextCursor,
      query,
    };
    renderLinks(append ? page.items : null);
  },
);

function renderLinks(appended) {
  if (appended) tbody.append(...appended.map(linkRow));
  else tbody.replaceChildren(...list.items.map(linkRow));
  const count = list.items.length;
  // Active links are the default view, not a filter the user chose.
  const filtered = Object.entries(list.query).some(([k, v]) => !(k === 'status' && v === 'active'));
  summary.textContent =
    count === 0
      ? filtered
        ? 'No links match these filters.'
        : 'No links yet. Create one above.'
      : `Showing ${count} link${count === 1 ? '' : 's'}${list.nextCursor ? '; more are available' : ''}.`;
  more.hidden = !list.nextCursor;
  if (count === 0 && !filtered) $('#create-panel').open = true;
  const touchpoints = [...new Set(list.items.map((l) => l.touchpoint))].sort();
  const suggestions = $('#touchpoint-suggestions');
  const known = new Set([...suggestions.options].map((o) => o.value));
  for (const t of touchpoints) if (!known.has(t)) suggestions.append(h('option', { value: t }));
}

function bindCreate() {
  // The snippet to copy names this deployment's own address.
  $('#snippet-tag').textContent = `<script src="${window.location.origin}/t.js" async></script>`;
  createJourney.addEventListener('change', (e) => fillStageSelect(createStage, e.target.value, false));
  createForm.addEventListener('submit', async (event) => {
    event.preventDefault();
    createResult.hidden = true;
    const errors = $('#create-error');
    const created = await runAction(
      { button: submitButton(createForm), errors, form: createForm },
      async () => {
        const link = await api('/api/links', { method: 'POST', body: createBody(createForm) });
        // The next link is likely for the same journey and stage: keep them.
        const journey = createJourney.value;
        const stage = createStage.value;
        createForm.reset();
        createJourney.value = journey;
        fillStageSelect(createStage, journey, false);
        createStage.value = stage;
        createResult.replaceChildren(
          'Created ',
          h('a', { href: `#/link/${encodeURIComponent(link.id)}` }, link.shortUrl),
          ` for touchpoint ${link.touchpoint} (${link.stage}). Open it for the QR code and statistics.`,
        );
        createResult.hidden = false;
        return `Created ${link.shortUrl}`;
      },
    );
    if (created) await loadLinks();
    else errors.focus?.();
  });
}

function bindList() {
  $('#filter-journey').addEventListener('change', (e) => fillStageSelect(filterStage, e.target.value, true));
  filterForm.addEventListener('submit', async (event) => {
    event.preventDefault();
    await runAction({ button: submitButton(filterForm) }, () => loadLinks());
    announce(summary.textContent, 'info');
  });
  filterForm.addEventListener('reset', () => {
    // After the browser has reset the fields.
    setTimeout(async () => {
      fillStageSelect(filterStage, '', true);
      if (location.hash.includes('?')) history.replaceState(null, '', '#/links');
      await loadLinks();
    });
  });
  more.addEventListener('click', async () => {
    const before = list.items.length;
    await runAction({ button: more }, () => loadLinks({ append: true }));
    $$('#links-table tbody tr')[before]?.querySelector('a')?.focus();
  });
}

/** @type {import('./router.js').View} */
export const linksView = {
  name: 'links',
  section: '#view-links',
  title: 'Links',
  nav: 'links',
  fallback: true,
  /** `#/links?journey=…&touchpoint=…` (the touchpoint table links here) presets the filters. */
  async enter({ params }) {
    for (const name of FILTERS) {
      if (!params.has(name)) continue;
      filterForm.elements.namedItem(name).value = params.get(name);
      if (name === 'journey') fillStageSelect(filterStage, params.get(name), true);
    }
    await loadLinks();
  },
  reset() {
    list = { items: [], nextCursor: null, query: {} };
    tbody.replaceChildren();
    createResult.hidden = true;
  },
};

export function bindLinks() {
  onJourneys(() => {
    fillStageSelect(createStage, createJourney.value, false);
    fillStageSelect(filterStage, $('#filter-journey').value, true);
  });
  bindCreate();
  bindList();
}
