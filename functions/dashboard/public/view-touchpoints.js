// The touchpoints view (`#/touchpoints`): the touchpoint table of a journey for a period, sortable by
// any column header, and its CSV download.
import { api } from './api.js';
import { formatNumber, formatPercent } from './charts.js';
import { $, formatDate, formatLastDay, h, submitButton } from './dom.js';
import { announce, bindDownload, loader, runAction } from './feedback.js';
import { journeyStages, periodQuery, readScope, writeScope } from './scope.js';

const COLUMNS = [
  { key: 'touchpoint', label: 'Touchpoint', type: 'text' },
  { key: 'stage', label: 'Stage', type: 'stage' },
  { key: 'links', label: 'Links', type: 'number' },
  { key: 'clicks', label: 'Clicks', type: 'number' },
  { key: 'scans', label: 'Scans', type: 'number' },
  { key: 'uniqueVisitors', label: 'Unique visitors', type: 'number' },
  { key: 'share', label: 'Share', type: 'percent' },
];

const form = $('#touchpoints-form');
const errors = $('#touchpoints-error');
const table = $('#touchpoints-table');

/** The table as the API answered it (rows, journey, period) and the column it is sorted by. */
let shown = { rows: [], journey: '', from: '', to: '' };
/** @type {{ key: string, dir: 'ascending' | 'descending' } | null} */
let sort = null;

function sortedRows() {
  const rows = [...shown.rows];
  if (!sort) return rows;
  const column = COLUMNS.find((c) => c.key === sort.key);
  const order = journeyStages(shown.journey);
  const value = (row) => (column.type === 'stage' ? order.indexOf(row.stage) : row[column.key]);
  const sign = sort.dir === 'ascending' ? 1 : -1;
  return rows.sort((a, b) => {
    const va = value(a);
    const vb = value(b);
    const diff = typeof va === 'string' ? va.localeCompare(vb) : va - vb;
    return sign * diff || a.touchpoint.localeCompare(b.touchpoint);
  });
}

/** Sorts by a column: a new column starts descending for numbers, ascending for words; again flips it. */
function sortBy(column, numeric) {
  const dir =
    sort?.key === column.key
      ? sort.dir === 'ascending'
        ? 'descending'
        : 'ascending'
      : numeric
        ? 'descending'
        : 'ascending';
  sort = { key: column.key, dir };
  renderTable();
  $(`#touchpoints-table th button[data-sort="${column.key}"]`).focus();
  announce(`Sorted by ${column.label.toLowerCase()}, ${dir}.`, 'info');
}

function renderHead() {
  const cells = COLUMNS.map((column) => {
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
    button.addEventListener('click', () => sortBy(column, numeric));
    th.append(button);
    return th;
  });
  $('thead tr', table).replaceChildren(...cells);
}

function row(r) {
  const linksOf = `#/links?journey=${encodeURIComponent(shown.journey)}&touchpoint=${encodeURIComponent(r.touchpoint)}&status=`;
  return h(
    'tr',
    {},
    h('th', { scope: 'row' }, h('a', { href: linksOf, title: `Links of ${r.touchpoint}` }, r.touchpoint)),
    h('td', { 'data-label': 'Stage' }, r.stage),
    h('td', { class: 'num', 'data-label': 'Links' }, formatNumber(r.links)),
    h('td', { class: 'num', 'data-label': 'Clicks' }, formatNumber(r.clicks)),
    h('td', { class: 'num', 'data-label': 'Scans' }, formatNumber(r.scans)),
    h('td', { class: 'num', 'data-label': 'Unique visitors' }, formatNumber(r.uniqueVisitors)),
    h('td', { class: 'num', 'data-label': 'Share' }, formatPercent(r.share)),
  );
}

function renderTable() {
  renderHead();
  const rows = sortedRows();
  const empty = h(
    'tr',
    {},
    h('td', { colspan: COLUMNS.length, class: 'empty' }, 'No touchpoints in this journey yet.'),
  );
  $('tbody', table).replaceChildren(...(rows.length ? rows.map(row) : [empty]));
  const { rows: all, from, to } = shown;
  const clicks = all.reduce((s, r) => s + r.clicks, 0);
  const scans = all.reduce((s, r) => s + r.scans, 0);
  $('#touchpoints-summary').textContent =
    `${all.length} touchpoint${all.length === 1 ? '' : 's'} · ${formatNumber(clicks)} clicks · ` +
    `${formatNumber(scans)} scans · ${formatDate(from)} to ${formatLastDay(to)}`;
}

const loadTouchpoints = loader(
  { errors },
  () => {
    const journey = readScope(form);
    return api('/api/touchpoints', { query: { journey, ...periodQuery() } });
  },
  (answer) => {
    shown = { rows: answer.touchpoints, journey: answer.journey, from: answer.from, to: answer.to };
    renderTable();
  },
);

export function bindTouchpoints() {
  form.addEventListener('submit', async (event) => {
    event.preventDefault();
    await runAction({ button: submitButton(form) }, loadTouchpoints);
  });
  bindDownload($('#touchpoints-csv'), { errors }, () => {
    const journey = readScope(form);
    return {
      path: '/api/touchpoints',
      query: { journey, ...periodQuery(), format: 'csv' },
      name: `touchpoints-${journey}.csv`,
    };
  });
}

/** @type {import('./router.js').View} */
export const touchpointsView = {
  name: 'touchpoints',
  section: '#view-touchpoints',
  title: 'Touchpoints',
  nav: 'touchpoints',
  matches: ([first]) => first === 'touchpoints',
  async enter() {
    writeScope(form);
    await loadTouchpoints();
  },
  reset() {
    shown = { rows: [], journey: '', from: '', to: '' };
    sort = null;
    $('tbody', table).replaceChildren();
  },
};
