// The attribution view (`#/attribution`): which touchpoints bring the conversions. One model's credited
// conversions and revenue per touchpoint in a table, the five models side by side in a chart, and the
// CSV of the chosen model. Credit is computed by the API (docs/analytics.md, "Conversions and attribution").
import { api } from './api.js';
import { formatNumber, renderModelComparison } from './charts.js';
import { $, formatDate, formatLastDay, h, submitButton } from './dom.js';
import { bindDownload, loader, runAction } from './feedback.js';
import { periodQuery, readScope, writeScope } from './scope.js';

const MODELS = [
  { model: 'first_touch', label: 'First touch' },
  { model: 'last_touch', label: 'Last touch' },
  { model: 'linear', label: 'Linear' },
  { model: 'position_based', label: 'Position-based' },
  { model: 'time_decay', label: 'Time decay' },
];

const form = $('#attribution-form');
const errors = $('#attribution-error');

/** The five reports for the chosen journey, event, lookback and period, by model. */
let reports = null;

function attributionRequest() {
  const journey = readScope(form);
  const event = form.elements.namedItem('event').value.trim();
  return {
    journey,
    path: `/api/journeys/${encodeURIComponent(journey)}/attribution`,
    query: {
      ...periodQuery(),
      lookback: form.elements.namedItem('lookback').value,
      ...(event ? { event } : {}),
    },
    model: form.elements.namedItem('model').value,
  };
}

const loadAttribution = loader(
  { errors, form },
  async () => {
    const { path, query } = attributionRequest();
    const answers = await Promise.all(MODELS.map((m) => api(path, { query: { ...query, model: m.model } })));
    return new Map(MODELS.map((m, i) => [m.model, answers[i]]));
  },
  (answer) => {
    reports = answer;
    render();
  },
);

function money(revenue) {
  const entries = Object.entries(revenue ?? {});
  if (entries.length === 0) return '–';
  return entries
    .map(([currency, amount]) => new Intl.NumberFormat('en', { style: 'currency', currency }).format(amount))
    .join(' + ');
}

function render() {
  const model = form.elements.namedItem('model').value;
  const report = reports?.get(model);
  if (!report) return;
  const label = MODELS.find((m) => m.model === model)?.label ?? model;
  $('#attribution-summary').textContent =
    `${formatNumber(report.conversions)} “${report.event}” conversions from ${formatDate(report.from)} to ` +
    `${formatLastDay(report.to)} credited under ${label}, counting touches up to ${report.lookbackDays} ` +
    `day${report.lookbackDays === 1 ? '' : 's'} before each · revenue ${money(report.revenue)}.`;
  $('#attribution-table tbody').replaceChildren(
    ...(report.touchpoints.length
      ? report.touchpoints.map((t) =>
          h(
            'tr',
            {},
            h('th', { scope: 'row' }, t.touchpoint),
            h('td', { 'data-label': 'Stage' }, t.stage),
            h('td', { class: 'num', 'data-label': 'Conversions' }, formatNumber(t.conversions)),
            h('td', { class: 'num', 'data-label': 'Revenue' }, money(t.revenue)),
          ),
        )
      : [
          h(
            'tr',
            {},
            h(
              'td',
              { colspan: 4, class: 'empty' },
              'No conversions credited yet. Turn on “Track conversions” on a link and add the snippet to your site.',
            ),
          ),
        ]),
  );
  const touchpoints = [
    ...new Set([...reports.values()].flatMap((r) => r.touchpoints.map((t) => t.touchpoint))),
  ];
  const credit = (touchpoint, m) =>
    reports.get(m)?.touchpoints.find((t) => t.touchpoint === touchpoint)?.conversions ?? 0;
  renderModelComparison($('#attribution-chart'), { models: MODELS, touchpoints, credit });
}

export function bindAttribution() {
  form.addEventListener('submit', async (event) => {
    event.preventDefault();
    await runAction({ button: submitButton(form) }, loadAttribution);
  });
  // Switching the model needs no request: all five are loaded.
  form.elements.namedItem('model').addEventListener('change', () => render());
  bindDownload($('#attribution-csv'), { errors, form }, () => {
    const { journey, path, query, model } = attributionRequest();
    return { path, query: { ...query, model, format: 'csv' }, name: `attribution-${journey}-${model}.csv` };
  });
}

/** @type {import('./router.js').View} */
export const attributionView = {
  name: 'attribution',
  section: '#view-attribution',
  title: 'Attribution',
  nav: 'attribution',
  matches: ([first]) => first === 'attribution',
  async enter() {
    writeScope(form);
    await loadAttribution();
  },
  redraw() {
    if (reports) render();
  },
  reset() {
    reports = null;
    $('#attribution-table tbody').replaceChildren();
    $('#attribution-chart').replaceChildren();
  },
};
