// The statistics card of the link view: totals, the clicks-and-scans chart (and its data as a table),
// where the clicks come from, and the CSV download, for the shared period.
import { api } from './api.js';
import { bucketLabel, formatNumber, renderTimeSeries } from './charts.js';
import { $, h, submitButton } from './dom.js';
import { bindDownload, loader, runAction } from './feedback.js';
import { periodQuery, periodSpanDays, readScope } from './scope.js';

const BREAKDOWNS = {
  device: 'Device',
  os: 'Operating system',
  browser: 'Browser',
  country: 'Country',
  referrer: 'Referrer',
};

const form = $('#stats-form');
const errors = $('#stats-error');
const chart = $('#stats-chart');

/** The link the numbers are of, and the numbers the API answered for the chosen period. */
let link = null;
let stats = null;

function statsQuery() {
  const period = periodQuery();
  const chosen = $('#stats-interval').value;
  const interval = chosen === 'auto' ? (periodSpanDays(period) <= 3 ? 'hour' : 'day') : chosen;
  return { ...period, interval };
}

const statsPath = () => `/api/links/${encodeURIComponent(link.id)}/stats`;

const loadStats = loader(
  { errors },
  () => api(statsPath(), { query: statsQuery() }),
  (answer) => {
    stats = answer;
    renderStats();
  },
);

function renderStats() {
  const { totals, series, interval, breakdowns } = stats;
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
  renderTimeSeries(chart, { series, interval, totals });
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
  const blocks = [];
  for (const [key, label] of Object.entries(BREAKDOWNS)) {
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

/** Loads the numbers of `current` for the chosen period (forgetting those of another link first). */
export async function showStatsOf(current) {
  if (link?.id !== current.id) stats = null;
  link = current;
  await loadStats();
}

/** Redraws the chart at the container's new width. */
export function redrawStats() {
  if (stats) renderTimeSeries(chart, stats);
}

export function resetStats() {
  link = null;
  stats = null;
  chart.replaceChildren();
}

export function bindStats() {
  form.addEventListener('submit', async (event) => {
    event.preventDefault();
    readScope(form);
    await runAction({ button: submitButton(form) }, () => (link ? loadStats() : undefined));
  });
  bindDownload($('#stats-csv'), { errors }, () => {
    readScope(form);
    return { path: statsPath(), query: { ...statsQuery(), format: 'csv' }, name: `link-${link.slug}.csv` };
  });
}
