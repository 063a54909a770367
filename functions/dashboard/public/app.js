// Touchpoint dashboard: a small single-page app over the public API. No framework, no build step.
import { ApiError, api, clearKey, download, fetchBlob, getKey, setKey, whenUnauthorized } from './api.js';
import {
  bucketLabel,
  formatHours,
  formatNumber,
  formatPercent,
  renderFunnel,
  renderTimeSeries,
} from './charts.js';

// ---------------------------------------------------------------------------------------------------
// Small DOM helpers

const $ = (selector, root = document) => root.querySelector(selector);
const $$ = (selector, root = document) => [...root.querySelectorAll(selector)];

/** Creates an element: h('a', { href: '#' }, 'text', child). `class` sets className; null values are skipped. */
function h(tag, attributes = {}, ...children) {
  const el = document.createElement(tag);
  for (const [key, value] of Object.entries(attributes)) {
    if (value === null || value === undefined || value === false) continue;
    if (key === 'class') el.className = value;
    else if (key === 'text') el.textContent = value;
    else el.setAttribute(key, value === true ? '' : String(value));
  }
  for (const child of children) {
    if (child === null || child === undefined || child === false) continue;
    el.append(child instanceof Node ? child : String(child));
  }
  return el;
}

const DAY_MS = 86_400_000;
const isoDay = (ms) => new Date(ms).toISOString().slice(0, 10);
const todayStart = () => Math.floor(Date.now() / DAY_MS) * DAY_MS;

function formatDate(iso) {
  if (!iso) return '–';
  return bucketLabel(iso, 'day', true);
}

function formatDateTime(iso) {
  if (!iso) return '–';
  const d = new Date(iso);
  return `${bucketLabel(iso, 'day', true)} ${String(d.getUTCHours()).padStart(2, '0')}:${String(d.getUTCMinutes()).padStart(2, '0')} UTC`;
}

// ---------------------------------------------------------------------------------------------------
// Status and errors

let statusTimer;
/** Announces a message in the polite live region (a toast at the bottom of the window) for a while. */
function announce(message, kind = 'success') {
  const status = $('#status');
  clearTimeout(statusTimer);
  status.className = `status is-${kind}`;
  status.textContent = message;
  statusTimer = setTimeout(() => (status.textContent = ''), kind === 'error' ? 20_000 : 10_000);
}

/** Shows an API (or other) error in a box with role="alert" and marks the fields it names. */
function showError(box, err, form) {
  box.hidden = false;
  box.replaceChildren();
  const message = err instanceof Error ? err.message : String(err);
  box.append(h('span', {}, message));
  if (err instanceof ApiError && err.status > 0) {
    box.append(' ', h('span', { class: 'code' }, `(${err.status} ${err.code})`));
  }
  const issues = err instanceof ApiError && Array.isArray(err.details?.issues) ? err.details.issues : [];
  if (issues.length > 1) {
    box.append(
      h('ul', {}, ...issues.slice(1).map((i) => h('li', {}, i.path ? `${i.path}: ${i.message}` : i.message))),
    );
  }
  if (form) {
    for (const issue of issues) {
      const field = form.elements.namedItem(issue.path);
      if (field instanceof HTMLElement) {
        field.setAttribute('aria-invalid', 'true');
        const described = new Set((field.getAttribute('aria-describedby') ?? '').split(' ').filter(Boolean));
        described.add(box.id);
        field.setAttribute('aria-describedby', [...described].join(' '));
      }
    }
  }
}

function clearError(box, form) {
  box.hidden = true;
  box.replaceChildren();
  if (form) {
    for (const field of $$('[aria-invalid]', form)) {
      field.removeAttribute('aria-invalid');
      const rest = (field.getAttribute('aria-describedby') ?? '')
        .split(' ')
        .filter((id) => id && id !== box.id);
      if (rest.length) field.setAttribute('aria-describedby', rest.join(' '));
      else field.removeAttribute('aria-describedby');
    }
  }
}

const generations = {};
/**
 * Starts a new request of a kind and returns a check that stays true only while no newer request of
 * the same kind has started, so a slow, stale answer never overwrites a fresh one.
 */
function newRequest(kind) {
  const generation = (generations[kind] ?? 0) + 1;
  generations[kind] = generation;
  return () => generations[kind] === generation;
}

/** Runs an async action with the button disabled (and marked busy) meanwhile. */
async function busy(button, action) {
  if (button) {
    button.disabled = true;
    button.setAttribute('aria-busy', 'true');
  }
  try {
    return await action();
  } finally {
    if (button) {
      button.disabled = false;
      button.removeAttribute('aria-busy');
    }
  }
}

// ---------------------------------------------------------------------------------------------------
// State

const PERIODS = [
  ['24h', 'Last 24 hours'],
  ['7d', 'Last 7 days'],
  ['30d', 'Last 30 days'],
  ['90d', 'Last 90 days'],
  ['365d', 'Last 365 days'],
  ['custom', 'Custom dates'],
];

const state = {
  journeys: [],
  journey: 'default',
  period: { preset: '30d', from: '', to: '' },
  links: { items: [], nextCursor: null, query: {} },
  link: null,
  stats: null,
  touchpoints: { rows: [], sort: null },
  funnel: null,
  qrUrl: null,
};

function journeyStages(name) {
  return state.journeys.find((j) => j.name === name)?.stages ?? [];
}

/** The API period for the shared period choice: {from, to} with `to` exclusive. */
function periodQuery(period = state.period) {
  if (period.preset === '24h') {
    const now = Date.now();
    return { from: new Date(now - DAY_MS).toISOString(), to: new Date(now).toISOString() };
  }
  if (period.preset === 'custom') {
    if (!period.from || !period.to)
      throw new Error('Choose both a start and an end date for a custom period.');
    return { from: period.from, to: isoDay(Date.parse(period.to) + DAY_MS) };
  }
  const days = Number.parseInt(period.preset, 10) || 30;
  return { from: isoDay(todayStart() - (days - 1) * DAY_MS), to: isoDay(todayStart() + DAY_MS) };
}

function periodSpanDays(query) {
  return (Date.parse(query.to) - Date.parse(query.from)) / DAY_MS;
}

/** Reads the period fields of a scope form into the shared state. */
function readPeriod(form) {
  const preset = form.elements.namedItem('period').value;
  state.period = {
    preset,
    from: form.elements.namedItem('from')?.value ?? '',
    to: form.elements.namedItem('to')?.value ?? '',
  };
}

/** Shows the shared period (and journey) in a scope form. */
function writeScope(form) {
  const select = form.elements.namedItem('period');
  select.value = state.period.preset;
  const from = form.elements.namedItem('from');
  const to = form.elements.namedItem('to');
  if (from && to) {
    from.value = state.period.from || isoDay(todayStart() - 29 * DAY_MS);
    to.value = state.period.to || isoDay(todayStart());
  }
  for (const el of $$('.custom-date', form)) el.hidden = state.period.preset !== 'custom';
  const journey = form.elements.namedItem('journey');
  if (journey && state.journeys.some((j) => j.name === state.journey)) journey.value = state.journey;
}

// ---------------------------------------------------------------------------------------------------
// Form controls filled from data

function fillJourneySelects() {
  for (const select of $$('select[data-journeys]')) {
    const previous = select.value;
    const options = [];
    if (select.dataset.any) options.push(h('option', { value: '' }, select.dataset.any));
    for (const j of state.journeys) options.push(h('option', { value: j.name }, j.name));
    select.replaceChildren(...options);
    const wanted = previous || (select.dataset.any ? '' : state.journey);
    if ([...select.options].some((o) => o.value === wanted)) select.value = wanted;
  }
  fillStageSelect($('#create-stage'), $('#create-journey').value, false);
  fillStageSelect($('#filter-stage'), $('#filter-journey').value, true);
}

function fillStageSelect(select, journey, withAny) {
  const previous = select.value;
  const stages = journey ? journeyStages(journey) : [...new Set(state.journeys.flatMap((j) => j.stages))];
  const options = withAny ? [h('option', { value: '' }, 'Any stage')] : [];
  for (const stage of stages) options.push(h('option', { value: stage }, stage));
  select.replaceChildren(...options);
  if ([...select.options].some((o) => o.value === previous)) select.value = previous;
}

function fillPeriodSelects() {
  for (const select of $$('select[data-period]')) {
    select.replaceChildren(...PERIODS.map(([value, label]) => h('option', { value }, label)));
    select.value = state.period.preset;
    select.addEventListener('change', () => {
      const form = select.form;
      for (const el of $$('.custom-date', form)) el.hidden = select.value !== 'custom';
    });
  }
}

// ---------------------------------------------------------------------------------------------------
// Routing

const VIEWS = {
  signin: { el: '#view-signin', title: 'Sign in' },
  links: { el: '#view-links', title: 'Links', nav: 'links' },
  link: { el: '#view-link', title: 'Link', nav: 'links' },
  touchpoints: { el: '#view-touchpoints', title: 'Touchpoints', nav: 'touchpoints' },
  funnel: { el: '#view-funnel', title: 'Journey funnel', nav: 'funnel' },
};

let currentView = null;

function parseHash() {
  const raw = location.hash.replace(/^#\/?/, '');
  const [path, qs] = raw.split('?');
  const decode = (part) => {
    try {
      return decodeURIComponent(part);
    } catch {
      return part;
    }
  };
  const parts = (path ?? '').split('/').filter(Boolean).map(decode);
  return { parts, params: new URLSearchParams(qs ?? '') };
}

function showView(name, { focus = false } = {}) {
  const view = VIEWS[name];
  for (const [key, v] of Object.entries(VIEWS)) $(v.el).hidden = key !== name;
  for (const a of $$('#nav a')) {
    if (a.dataset.nav === view.nav) a.setAttribute('aria-current', 'page');
    else a.removeAttribute('aria-current');
  }
  document.title = `${view.title} · Touchpoint`;
  currentView = name;
  if (focus) {
    const heading = $(`${view.el} h1`);
    if (heading) {
      heading.setAttribute('tabindex', '-1');
      heading.focus({ preventScroll: false });
    }
  }
}

async function route({ focus = false } = {}) {
  if (!getKey()) {
    showView('signin', { focus });
    return;
  }
  const { parts, params } = parseHash();
  const [first, second] = parts;
  if (first === 'link' && second) {
    showView('link', { focus });
    $('#link-title').textContent = 'Link';
    await loadLink(second);
  } else if (first === 'touchpoints') {
    showView('touchpoints', { focus });
    writeScope($('#touchpoints-form'));
    await loadTouchpoints();
  } else if (first === 'funnel') {
    showView('funnel', { focus });
    writeScope($('#funnel-form'));
    await loadFunnel();
  } else {
    showView('links', { focus });
    const form = $('#filter-form');
    for (const name of ['journey', 'stage', 'touchpoint', 'campaign', 'tag', 'status']) {
      if (params.has(name)) {
        if (name === 'journey') {
          form.elements.namedItem('journey').value = params.get(name);
          fillStageSelect($('#filter-stage'), params.get(name), true);
        } else form.elements.namedItem(name).value = params.get(name);
      }
    }
    await loadLinks();
  }
}

// ---------------------------------------------------------------------------------------------------
// Sign in / out

async function signIn(key) {
  const journeys = await api('/api/journeys', { key });
  setKey(key);
  state.journeys = journeys.items;
  if (!state.journeys.some((j) => j.name === state.journey))
    state.journey = state.journeys[0]?.name ?? 'default';
  fillJourneySelects();
  $('#nav').hidden = false;
  $('#sign-out').hidden = false;
}

function resetData() {
  state.links = { items: [], nextCursor: null, query: {} };
  state.link = null;
  state.stats = null;
  state.touchpoints = { rows: [], sort: null };
  state.funnel = null;
  if (state.qrUrl) URL.revokeObjectURL(state.qrUrl);
  state.qrUrl = null;
  $('#links-table tbody').replaceChildren();
  $('#touchpoints-table tbody').replaceChildren();
  $('#funnel-stages tbody').replaceChildren();
  $('#funnel-touchpoints tbody').replaceChildren();
  $('#funnel-chart').replaceChildren();
  $('#bottlenecks').replaceChildren();
  $('#stats-chart').replaceChildren();
  $('#link-body').hidden = true;
  $('#qr-image').removeAttribute('src');
  $('#create-result').hidden = true;
}

function signOut(message) {
  clearKey();
  resetData();
  $('#nav').hidden = true;
  $('#sign-out').hidden = true;
  showView('signin');
  const box = $('#signin-error');
  if (message) showError(box, message);
  else clearError(box);
  $('#signin-key').value = '';
  $('#signin-key').focus();
}

function bindSignIn() {
  const form = $('#signin-form');
  form.addEventListener('submit', async (event) => {
    event.preventDefault();
    const box = $('#signin-error');
    clearError(box, form);
    const key = $('#signin-key').value.trim();
    if (!key) {
      showError(box, 'Paste an API key first.');
      $('#signin-key').setAttribute('aria-invalid', 'true');
      $('#signin-key').focus();
      return;
    }
    try {
      await busy(form.querySelector('button[type=submit]'), () => signIn(key));
      $('#signin-key').value = '';
      announce('Signed in.');
      if (!location.hash || location.hash === '#main') location.hash = '#/links';
      await route({ focus: true });
    } catch (err) {
      showError(box, err);
      $('#signin-key').setAttribute('aria-invalid', 'true');
      $('#signin-key').focus();
    }
  });
  $('#sign-out').addEventListener('click', () => {
    signOut();
    announce('Signed out. The API key was removed from this tab.', 'info');
  });
  whenUnauthorized((err) => signOut(`${err.message} Sign in again.`));
}

// ---------------------------------------------------------------------------------------------------
// Links: create, list

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
  return body;
}

function bindCreate() {
  const form = $('#create-form');
  const box = $('#create-error');
  $('#create-journey').addEventListener('change', (e) =>
    fillStageSelect($('#create-stage'), e.target.value, false),
  );
  form.addEventListener('submit', async (event) => {
    event.preventDefault();
    clearError(box, form);
    $('#create-result').hidden = true;
    try {
      const body = createBody(form);
      const link = await busy(form.querySelector('button[type=submit]'), () =>
        api('/api/links', { method: 'POST', body }),
      );
      const journey = $('#create-journey').value;
      const stage = $('#create-stage').value;
      form.reset();
      $('#create-journey').value = journey;
      fillStageSelect($('#create-stage'), journey, false);
      $('#create-stage').value = stage;
      const result = $('#create-result');
      result.replaceChildren(
        'Created ',
        h('a', { href: `#/link/${encodeURIComponent(link.id)}` }, link.shortUrl),
        ` for touchpoint ${link.touchpoint} (${link.stage}). Open it for the QR code and statistics.`,
      );
      result.hidden = false;
      announce(`Created ${link.shortUrl}`);
      await loadLinks();
    } catch (err) {
      showError(box, err, form);
      box.focus?.();
    }
  });
}

function statusBadge(status) {
  return h('span', { class: `badge badge-${status}` }, status);
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
    cell('Status', statusBadge(link.status)),
    cell('Created', formatDate(link.createdAt)),
  );
}

function filterQuery() {
  const form = $('#filter-form');
  const query = {};
  for (const name of ['journey', 'stage', 'touchpoint', 'campaign', 'tag', 'status']) {
    const value = form.elements.namedItem(name).value.trim();
    if (value) query[name] = name === 'touchpoint' ? value.toLowerCase() : value;
  }
  return query;
}

async function loadLinks({ append = false } = {}) {
  const box = $('#links-error');
  clearError(box);
  const query = append ? state.links.query : filterQuery();
  const current = newRequest('links');
  try {
    const page = await api('/api/links', {
      query: { ...query, limit: 20, cursor: append ? state.links.nextCursor : undefined },
    });
    if (!current()) return;
    state.links = {
      items: append ? [...state.links.items, ...page.items] : page.items,
      nextCursor: page.nextCursor,
      query,
    };
    renderLinks(append ? page.items : null);
  } catch (err) {
    if (current()) showError(box, err);
  }
}

function renderLinks(appended) {
  const tbody = $('#links-table tbody');
  if (appended) tbody.append(...appended.map(linkRow));
  else tbody.replaceChildren(...state.links.items.map(linkRow));
  const count = state.links.items.length;
  // Active links are the default view, not a filter the user chose.
  const filtered = Object.entries(state.links.query).some(([k, v]) => !(k === 'status' && v === 'active'));
  $('#links-summary').textContent =
    count === 0
      ? filtered
        ? 'No links match these filters.'
        : 'No links yet. Create one above.'
      : `Showing ${count} link${count === 1 ? '' : 's'}${state.links.nextCursor ? '; more are available' : ''}.`;
  $('#links-more').hidden = !state.links.nextCursor;
  if (count === 0 && !filtered) $('#create-panel').open = true;
  const touchpoints = [...new Set(state.links.items.map((l) => l.touchpoint))].sort();
  const list = $('#touchpoint-suggestions');
  const known = new Set([...list.options].map((o) => o.value));
  for (const t of touchpoints) if (!known.has(t)) list.append(h('option', { value: t }));
}

function bindList() {
  const form = $('#filter-form');
  $('#filter-journey').addEventListener('change', (e) =>
    fillStageSelect($('#filter-stage'), e.target.value, true),
  );
  form.addEventListener('submit', async (event) => {
    event.preventDefault();
    await busy(form.querySelector('button[type=submit]'), () => loadLinks());
    announce(`${$('#links-summary').textContent}`, 'info');
  });
  form.addEventListener('reset', () => {
    setTimeout(async () => {
      fillStageSelect($('#filter-stage'), '', true);
      if (location.hash.includes('?')) history.replaceState(null, '', '#/links');
      await loadLinks();
    });
  });
  $('#links-more').addEventListener('click', async (e) => {
    const before = state.links.items.length;
    await busy(e.currentTarget, () => loadLinks({ append: true }));
    const first = $$('#links-table tbody tr')[before]?.querySelector('a');
    first?.focus();
  });
}

// ---------------------------------------------------------------------------------------------------
// One link: details, edit, archive, QR, statistics

async function loadLink(id) {
  const box = $('#link-error');
  clearError(box);
  if (state.link?.id !== id) {
    $('#link-body').hidden = true;
    state.stats = null;
  }
  const current = newRequest('link');
  try {
    const link = await api(`/api/links/${encodeURIComponent(id)}`);
    if (!current()) return;
    state.link = link;
    renderLink();
    $('#link-body').hidden = false;
    writeScope($('#stats-form'));
    await Promise.all([refreshQr(), loadStats()]);
  } catch (err) {
    if (current()) showError(box, err);
  }
}

function renderLink() {
  const link = state.link;
  $('#link-title').textContent = link.touchpoint;
  document.title = `${link.touchpoint} · Touchpoint`;
  const badge = $('#link-status');
  badge.className = `badge badge-${link.status}`;
  badge.textContent = link.status;

  const rows = [];
  const add = (term, ...value) => rows.push(h('dt', {}, term), h('dd', {}, ...value));
  const copy = h(
    'button',
    { type: 'button', class: 'button-quiet button-small', 'aria-label': 'Copy short URL' },
    'Copy',
  );
  copy.addEventListener('click', async () => {
    try {
      await navigator.clipboard.writeText(link.shortUrl);
      announce(`Copied ${link.shortUrl}`);
    } catch {
      announce('Could not copy: select the short URL and copy it by hand.', 'error');
    }
  });
  add(
    'Short URL',
    h('span', { class: 'copy-row' }, h('a', { href: link.shortUrl, class: 'break' }, link.shortUrl), copy),
  );
  add(
    'Destination',
    h(
      'a',
      {
        href: link.url,
        class: 'break',
        target: '_blank',
        rel: 'noopener noreferrer',
        id: 'link-destination',
      },
      link.url,
    ),
  );
  add('Journey', link.journey);
  add('Stage', link.stage);
  if (link.channel) add('Channel', link.channel);
  if (link.category) add('Category', link.category);
  if (link.campaign) add('Campaign', link.campaign);
  if (link.tags?.length) add('Tags', link.tags.join(', '));
  const utm = Object.entries(link.utm ?? {});
  if (utm.length) add('UTM', h('span', { class: 'break' }, utm.map(([k, v]) => `utm_${k}=${v}`).join(' · ')));
  add('Expires', link.expiresAt ? formatDateTime(link.expiresAt) : 'Never');
  if (link.maxClicks) add('Max clicks', formatNumber(link.maxClicks));
  if (link.fallbackUrl) add('Fallback', h('span', { class: 'break' }, link.fallbackUrl));
  add('Created', formatDateTime(link.createdAt));
  $('#link-details').replaceChildren(...rows);

  $('#edit-url').value = link.url;
  clearError($('#edit-error'), $('#edit-form'));
  const archived = link.status === 'archived';
  $('#archive-button').hidden = archived;
  $('#restore-button').hidden = !archived;
  $('#archive-confirm').hidden = true;
  clearError($('#archive-error'));
  $('#qr-content').textContent = link.qrContent;
  $('#qr-image').alt = `QR code for ${link.qrContent}`;
}

/**
 * PATCHes the current link. The current UTM parameters and tags are sent with every change: the API
 * otherwise resets them to empty on a PATCH that leaves them out (zod 4 applies their `.default()` even
 * inside `.optional()`).
 */
function patchLink(changes) {
  const { utm, tags } = state.link;
  return api(`/api/links/${encodeURIComponent(state.link.id)}`, {
    method: 'PATCH',
    body: { utm, tags, ...changes },
  });
}

function bindLink() {
  const form = $('#edit-form');
  form.addEventListener('submit', async (event) => {
    event.preventDefault();
    const box = $('#edit-error');
    clearError(box, form);
    try {
      const url = $('#edit-url').value.trim();
      const link = await busy(form.querySelector('button[type=submit]'), () => patchLink({ url }));
      state.link = link;
      renderLink();
      announce(`Destination updated: ${link.shortUrl} now leads to ${link.url}`);
    } catch (err) {
      showError(box, err, form);
    }
  });

  $('#archive-button').addEventListener('click', () => {
    $('#archive-confirm').hidden = false;
    $('#archive-yes').focus();
  });
  $('#archive-no').addEventListener('click', () => {
    $('#archive-confirm').hidden = true;
    $('#archive-button').focus();
  });
  $('#archive-yes').addEventListener('click', async (e) => {
    const box = $('#archive-error');
    clearError(box);
    try {
      await busy(e.currentTarget, () =>
        api(`/api/links/${encodeURIComponent(state.link.id)}`, { method: 'DELETE' }),
      );
      state.link = await api(`/api/links/${encodeURIComponent(state.link.id)}`);
      renderLink();
      announce(`Archived ${state.link.shortUrl}. It no longer redirects.`);
      $('#restore-button').focus();
    } catch (err) {
      showError(box, err);
    }
  });
  $('#restore-button').addEventListener('click', async (e) => {
    const box = $('#archive-error');
    clearError(box);
    try {
      state.link = await busy(e.currentTarget, () => patchLink({ status: 'active' }));
      renderLink();
      announce(`Restored ${state.link.shortUrl}.`);
      $('#archive-button').focus();
    } catch (err) {
      showError(box, err);
    }
  });

  // QR code
  let timer;
  const qrForm = $('#qr-form');
  const schedule = () => {
    clearTimeout(timer);
    timer = setTimeout(refreshQr, 250);
  };
  qrForm.addEventListener('input', schedule);
  qrForm.addEventListener('change', schedule);
  qrForm.addEventListener('submit', (event) => {
    event.preventDefault();
    refreshQr();
  });
  for (const format of ['svg', 'png']) {
    $(`#qr-download-${format}`).addEventListener('click', async (e) => {
      const box = $('#qr-error');
      clearError(box, qrForm);
      try {
        const name = await busy(e.currentTarget, () =>
          download(
            `/api/links/${encodeURIComponent(state.link.id)}/qr`,
            { ...qrQuery(), format },
            `${state.link.slug}-qr.${format}`,
          ),
        );
        announce(`Downloaded ${name}`);
      } catch (err) {
        showError(box, err, qrForm);
      }
    });
  }

  // Statistics
  const statsForm = $('#stats-form');
  statsForm.addEventListener('submit', async (event) => {
    event.preventDefault();
    readPeriod(statsForm);
    await busy(statsForm.querySelector('button[type=submit]'), loadStats);
  });
  $('#stats-csv').addEventListener('click', async (e) => {
    const box = $('#stats-error');
    clearError(box);
    try {
      readPeriod(statsForm);
      const query = { ...statsQuery(), format: 'csv' };
      const name = await busy(e.currentTarget, () =>
        download(
          `/api/links/${encodeURIComponent(state.link.id)}/stats`,
          query,
          `link-${state.link.slug}.csv`,
        ),
      );
      announce(`Downloaded ${name}`);
    } catch (err) {
      showError(box, err);
    }
  });
}

function qrQuery() {
  const form = $('#qr-form');
  const value = (name) => form.elements.namedItem(name).value.trim();
  return {
    fg: value('fg').replace('#', ''),
    bg: value('bg').replace('#', ''),
    ecc: value('ecc'),
    size: value('size'),
    margin: value('margin'),
  };
}

async function refreshQr() {
  if (!state.link) return;
  const box = $('#qr-error');
  const form = $('#qr-form');
  const current = newRequest('qr');
  try {
    const blob = await fetchBlob(`/api/links/${encodeURIComponent(state.link.id)}/qr`, {
      ...qrQuery(),
      format: 'svg',
    });
    if (!current()) return;
    clearError(box, form);
    const url = URL.createObjectURL(blob);
    const img = $('#qr-image');
    const old = state.qrUrl;
    state.qrUrl = url;
    img.src = url;
    if (old) setTimeout(() => URL.revokeObjectURL(old), 1000);
  } catch (err) {
    if (!current()) return;
    clearError(box, form);
    showError(box, err, form);
  }
}

function statsQuery() {
  const period = periodQuery();
  const chosen = $('#stats-interval').value;
  const interval = chosen === 'auto' ? (periodSpanDays(period) <= 3 ? 'hour' : 'day') : chosen;
  return { ...period, interval };
}

async function loadStats() {
  if (!state.link) return;
  const box = $('#stats-error');
  clearError(box);
  const current = newRequest('stats');
  try {
    const query = statsQuery();
    const stats = await api(`/api/links/${encodeURIComponent(state.link.id)}/stats`, { query });
    if (!current()) return;
    state.stats = stats;
    renderStats();
  } catch (err) {
    if (current()) showError(box, err);
  }
}

function renderStats() {
  const { totals, series, interval, breakdowns } = state.stats;
  const total = (cls, label, value, help) =>
    h(
      'li',
      { class: cls },
      h('span', { class: 'total-label' }, label, help ? h('span', { class: 'sr-only' }, ` ${help}`) : null),
      h('span', { class: 'total-value' }, formatNumber(value)),
    );
  $('#stats-totals').replaceChildren(
    total('is-clicks', 'Clicks', totals.clicks),
    total('is-scans', 'Scans', totals.scans),
    total('', 'Unique visitors', totals.uniqueVisitors),
    total('', 'Bot clicks (not counted)', totals.botClicks),
  );
  renderTimeSeries($('#stats-chart'), { series, interval, totals });
  $('#stats-table tbody').replaceChildren(
    ...series.map((p) =>
      h(
        'tr',
        {},
        h('td', {}, bucketLabel(p.t, interval, true)),
        h('td', { class: 'num' }, formatNumber(p.clicks)),
        h('td', { class: 'num' }, formatNumber(p.scans)),
      ),
    ),
  );
  const names = {
    device: 'Device',
    os: 'Operating system',
    browser: 'Browser',
    country: 'Country',
    referrer: 'Referrer',
  };
  const blocks = [];
  for (const [key, label] of Object.entries(names)) {
    const rows = breakdowns[key] ?? [];
    if (rows.length === 0) continue;
    const top = Math.max(1, ...rows.map((r) => r.clicks));
    const items = rows.slice(0, 6).map((r) => {
      const bar = h('span');
      bar.style.width = `${Math.round((r.clicks / top) * 100)}%`;
      return h(
        'li',
        {},
        h('span', { class: 'value' }, r.value),
        h('span', { class: 'count' }, formatNumber(r.clicks)),
        h('span', { class: 'meter', 'aria-hidden': 'true' }, bar),
      );
    });
    blocks.push(h('div', { class: 'breakdown' }, h('h4', {}, label), h('ol', {}, ...items)));
  }
  $('#stats-breakdowns').replaceChildren(
    ...(blocks.length ? blocks : [h('p', { class: 'empty' }, 'No human clicks in this period yet.')]),
  );
}

// ---------------------------------------------------------------------------------------------------
// Touchpoint table (sortable)

const TOUCHPOINT_COLUMNS = [
  { key: 'touchpoint', label: 'Touchpoint', type: 'text' },
  { key: 'stage', label: 'Stage', type: 'stage' },
  { key: 'links', label: 'Links', type: 'number' },
  { key: 'clicks', label: 'Clicks', type: 'number' },
  { key: 'scans', label: 'Scans', type: 'number' },
  { key: 'uniqueVisitors', label: 'Unique visitors', type: 'number' },
  { key: 'share', label: 'Share', type: 'percent' },
];

function sortedTouchpoints() {
  const rows = [...state.touchpoints.rows];
  const sort = state.touchpoints.sort;
  if (!sort) return rows;
  const column = TOUCHPOINT_COLUMNS.find((c) => c.key === sort.key);
  const order = journeyStages(state.touchpoints.journey);
  const value = (row) => (column.type === 'stage' ? order.indexOf(row.stage) : row[column.key]);
  const sign = sort.dir === 'ascending' ? 1 : -1;
  return rows.sort((a, b) => {
    const va = value(a);
    const vb = value(b);
    const diff = typeof va === 'string' ? va.localeCompare(vb) : va - vb;
    return sign * diff || a.touchpoint.localeCompare(b.touchpoint);
  });
}

function renderTouchpointHead() {
  const sort = state.touchpoints.sort;
  const cells = TOUCHPOINT_COLUMNS.map((column) => {
    const active = sort?.key === column.key;
    const numeric = column.type === 'number' || column.type === 'percent';
    const th = h('th', {
      scope: 'col',
      class: numeric ? 'num' : null,
      'aria-sort': active ? sort.dir : null,
    });
    const icon = h(
      'span',
      { class: 'sort-icon', 'aria-hidden': 'true' },
      active ? (sort.dir === 'ascending' ? '▲' : '▼') : '↕',
    );
    const button = h(
      'button',
      { type: 'button', class: 'sort-button', 'data-sort': column.key },
      column.label,
      icon,
    );
    button.addEventListener('click', () => {
      const same = state.touchpoints.sort?.key === column.key;
      const dir = same
        ? state.touchpoints.sort.dir === 'ascending'
          ? 'descending'
          : 'ascending'
        : numeric
          ? 'descending'
          : 'ascending';
      state.touchpoints.sort = { key: column.key, dir };
      renderTouchpoints();
      $(`#touchpoints-table th button[data-sort="${column.key}"]`).focus();
      announce(`Sorted by ${column.label.toLowerCase()}, ${dir}.`, 'info');
    });
    th.append(button);
    return th;
  });
  $('#touchpoints-table thead tr').replaceChildren(...cells);
}

function renderTouchpoints() {
  renderTouchpointHead();
  const rows = sortedTouchpoints();
  const tbody = $('#touchpoints-table tbody');
  if (rows.length === 0) {
    tbody.replaceChildren(
      h(
        'tr',
        {},
        h(
          'td',
          { colspan: TOUCHPOINT_COLUMNS.length, class: 'empty' },
          'No touchpoints in this journey yet.',
        ),
      ),
    );
  } else {
    tbody.replaceChildren(
      ...rows.map((r) =>
        h(
          'tr',
          {},
          h(
            'th',
            { scope: 'row' },
            h(
              'a',
              {
                href: `#/links?journey=${encodeURIComponent(state.touchpoints.journey)}&touchpoint=${encodeURIComponent(r.touchpoint)}&status=`,
                title: `Links of ${r.touchpoint}`,
              },
              r.touchpoint,
            ),
          ),
          h('td', { 'data-label': 'Stage' }, r.stage),
          h('td', { class: 'num', 'data-label': 'Links' }, formatNumber(r.links)),
          h('td', { class: 'num', 'data-label': 'Clicks' }, formatNumber(r.clicks)),
          h('td', { class: 'num', 'data-label': 'Scans' }, formatNumber(r.scans)),
          h('td', { class: 'num', 'data-label': 'Unique visitors' }, formatNumber(r.uniqueVisitors)),
          h('td', { class: 'num', 'data-label': 'Share' }, formatPercent(r.share)),
        ),
      ),
    );
  }
  const { rows: all, from, to } = state.touchpoints;
  const clicks = all.reduce((s, r) => s + r.clicks, 0);
  const scans = all.reduce((s, r) => s + r.scans, 0);
  $('#touchpoints-summary').textContent =
    `${all.length} touchpoint${all.length === 1 ? '' : 's'} · ${formatNumber(clicks)} clicks · ` +
    `${formatNumber(scans)} scans · ${formatDate(from)} to ${formatDate(new Date(Date.parse(to) - 1).toISOString())}`;
}

async function loadTouchpoints() {
  const form = $('#touchpoints-form');
  const box = $('#touchpoints-error');
  clearError(box);
  const current = newRequest('touchpoints');
  try {
    readPeriod(form);
    state.journey = form.elements.namedItem('journey').value || state.journey;
    const result = await api('/api/touchpoints', { query: { journey: state.journey, ...periodQuery() } });
    if (!current()) return;
    state.touchpoints = {
      ...state.touchpoints,
      rows: result.touchpoints,
      journey: result.journey,
      from: result.from,
      to: result.to,
    };
    renderTouchpoints();
  } catch (err) {
    if (current()) showError(box, err);
  }
}

function bindTouchpoints() {
  const form = $('#touchpoints-form');
  form.addEventListener('submit', async (event) => {
    event.preventDefault();
    await busy(form.querySelector('button[type=submit]'), loadTouchpoints);
  });
  $('#touchpoints-csv').addEventListener('click', async (e) => {
    const box = $('#touchpoints-error');
    clearError(box);
    try {
      readPeriod(form);
      const journey = form.elements.namedItem('journey').value;
      const name = await busy(e.currentTarget, () =>
        download(
          '/api/touchpoints',
          { journey, ...periodQuery(), format: 'csv' },
          `touchpoints-${journey}.csv`,
        ),
      );
      announce(`Downloaded ${name}`);
    } catch (err) {
      showError(box, err);
    }
  });
}

// ---------------------------------------------------------------------------------------------------
// Funnel

const KIND_LABELS = {
  stage: 'Weakest step',
  touchpoint: 'Touchpoint falls behind',
  low_reach: 'Low reach',
};

function funnelQuery(form) {
  readPeriod(form);
  state.journey = form.elements.namedItem('journey').value || state.journey;
  return { ...periodQuery(), window: form.elements.namedItem('window').value.trim() };
}

async function loadFunnel() {
  const form = $('#funnel-form');
  const box = $('#funnel-error');
  clearError(box, form);
  const current = newRequest('funnel');
  try {
    const query = funnelQuery(form);
    const report = await api(`/api/journeys/${encodeURIComponent(state.journey)}/funnel`, { query });
    if (!current()) return;
    state.funnel = report;
    renderFunnelView();
  } catch (err) {
    if (current()) showError(box, err, form);
  }
}

function renderFunnelView() {
  const report = state.funnel;
  const stageBottlenecks = new Set(report.bottlenecks.filter((b) => b.kind === 'stage').map((b) => b.stage));
  const touchpointFlags = new Map();
  for (const b of report.bottlenecks) {
    if (b.touchpoint) touchpointFlags.set(b.touchpoint, KIND_LABELS[b.kind] ?? b.kind);
  }

  const list = $('#bottlenecks');
  if (report.bottlenecks.length === 0) {
    list.replaceChildren(
      h(
        'p',
        { class: 'info-box' },
        'No bottlenecks found in this period. A stage or touchpoint needs at least 30 visitors before it is ' +
          'judged, and low reach is only flagged among two or more touchpoints of a stage.',
      ),
    );
  } else {
    list.replaceChildren(
      h(
        'ul',
        { class: 'bottleneck-list' },
        ...report.bottlenecks.map((b) => {
          const numbers = [];
          if (b.kind === 'low_reach') numbers.push(`Reach ${formatPercent(b.rate)} of a typical touchpoint`);
          else if (b.baselineRate !== b.rate) {
            numbers.push(`${formatPercent(b.rate)} against ${formatPercent(b.baselineRate)}`);
          } else numbers.push(`${formatPercent(b.rate)} went on`);
          if (b.lostVisitors > 0) {
            numbers.push(
              `about ${formatNumber(b.lostVisitors)} visitor${b.lostVisitors === 1 ? '' : 's'} lost`,
            );
          }
          if (b.pValue !== undefined) numbers.push(`p = ${b.pValue}`);
          return h(
            'li',
            {},
            h(
              'span',
              { class: 'bottleneck-kind' },
              `${KIND_LABELS[b.kind] ?? b.kind} · ${b.stage}${b.touchpoint ? ` · ${b.touchpoint}` : ''}`,
            ),
            h('span', { class: 'bottleneck-message' }, b.message),
            h('span', { class: 'bottleneck-numbers' }, numbers.join(' · ')),
          );
        }),
      ),
    );
  }

  $('#funnel-summary').textContent =
    `Visitors who first reached each stage from ${formatDate(report.from)} to ` +
    `${formatDate(new Date(Date.parse(report.to) - 1).toISOString())}; “went on” means they reached a later ` +
    `stage within ${report.window} day${report.window === 1 ? '' : 's'}.`;
  renderFunnel($('#funnel-chart'), { stages: report.stages, bottleneckStages: stageBottlenecks });

  $('#funnel-stages tbody').replaceChildren(
    ...report.stages.map((s) => {
      const flagged = stageBottlenecks.has(s.stage);
      return h(
        'tr',
        { class: flagged ? 'is-bottleneck' : null },
        h(
          'th',
          { scope: 'row' },
          s.stage,
          flagged ? ' ' : null,
          flagged ? h('span', { class: 'badge badge-bottleneck' }, 'Bottleneck') : null,
        ),
        h('td', { class: 'num', 'data-label': 'Visitors' }, formatNumber(s.visitors)),
        h(
          'td',
          { class: 'num', 'data-label': 'Went on' },
          s.conversionRate === null ? '–' : formatNumber(s.progressed),
        ),
        h('td', { class: 'num', 'data-label': 'Conversion' }, formatPercent(s.conversionRate)),
        h('td', { class: 'num', 'data-label': 'Drop-off' }, formatPercent(s.dropOff)),
        h('td', { class: 'num', 'data-label': 'Median to next' }, formatHours(s.medianHoursToNext)),
      );
    }),
  );
  const tps = report.touchpoints;
  $('#funnel-touchpoints tbody').replaceChildren(
    ...(tps.length
      ? tps.map((t) => {
          const flag = touchpointFlags.get(t.touchpoint);
          return h(
            'tr',
            { class: flag ? 'is-bottleneck' : null },
            h(
              'th',
              { scope: 'row' },
              t.touchpoint,
              flag ? ' ' : null,
              flag ? h('span', { class: 'badge badge-bottleneck' }, flag) : null,
            ),
            h('td', { 'data-label': 'Stage' }, t.stage),
            h('td', { class: 'num', 'data-label': 'Visitors' }, formatNumber(t.visitors)),
            h(
              'td',
              { class: 'num', 'data-label': 'Went on' },
              t.progressionRate === null ? '–' : formatNumber(t.progressed),
            ),
            h('td', { class: 'num', 'data-label': 'Progression' }, formatPercent(t.progressionRate)),
          );
        })
      : [h('tr', {}, h('td', { colspan: 5, class: 'empty' }, 'No touchpoints with links or visitors yet.'))]),
  );
}

function bindFunnel() {
  const form = $('#funnel-form');
  form.addEventListener('submit', async (event) => {
    event.preventDefault();
    await busy(form.querySelector('button[type=submit]'), loadFunnel);
  });
  $('#funnel-csv').addEventListener('click', async (e) => {
    const box = $('#funnel-error');
    clearError(box, form);
    try {
      const query = funnelQuery(form);
      const name = await busy(e.currentTarget, () =>
        download(
          `/api/journeys/${encodeURIComponent(state.journey)}/funnel`,
          { ...query, format: 'csv' },
          `funnel-${state.journey}.csv`,
        ),
      );
      announce(`Downloaded ${name}`);
    } catch (err) {
      showError(box, err, form);
    }
  });
}

// ---------------------------------------------------------------------------------------------------
// Start

function rerenderCharts() {
  if (currentView === 'link' && state.stats) {
    renderTimeSeries($('#stats-chart'), state.stats);
  }
  if (currentView === 'funnel' && state.funnel) renderFunnelView();
}

async function start() {
  fillPeriodSelects();
  bindSignIn();
  bindCreate();
  bindList();
  bindLink();
  bindTouchpoints();
  bindFunnel();
  $('#skip-link').addEventListener('click', (event) => {
    event.preventDefault();
    $('#main').focus();
  });
  window.addEventListener('hashchange', () => route({ focus: true }));
  let resizeTimer;
  let lastWidth = window.innerWidth;
  window.addEventListener('resize', () => {
    if (window.innerWidth === lastWidth) return;
    lastWidth = window.innerWidth;
    clearTimeout(resizeTimer);
    resizeTimer = setTimeout(rerenderCharts, 150);
  });

  const key = getKey();
  if (key) {
    try {
      await signIn(key);
    } catch (err) {
      signOut(err.message);
      return;
    }
  }
  await route();
}

start();
