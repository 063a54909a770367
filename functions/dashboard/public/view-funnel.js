// The funnel view (`#/funnel`): the journey funnel for a period and conversion window, its bottlenecks
// with their messages, the stage and touchpoint tables, and its CSV download.
import { api } from './api.js';
import { formatHours, formatNumber, formatPercent, renderFunnel } from './charts.js';
import { $, formatDate, formatLastDay, h, submitButton } from './dom.js';
import { bindDownload, loader, runAction } from './feedback.js';
import { periodQuery, readScope, writeScope } from './scope.js';

const KIND_LABELS = {
  stage: 'Weakest step',
  touchpoint: 'Touchpoint falls behind',
  low_reach: 'Low reach',
};

const form = $('#funnel-form');
const errors = $('#funnel-error');

/** The funnel report the API answered for the chosen journey, period and window. */
let report = null;

/** Reads the form into the shared scope; the funnel's path and query. */
function funnelRequest() {
  const journey = readScope(form);
  return {
    journey,
    path: `/api/journeys/${encodeURIComponent(journey)}/funnel`,
    query: { ...periodQuery(), window: form.elements.namedItem('window').value.trim() },
  };
}

const loadFunnel = loader(
  { errors, form },
  () => {
    const { path, query } = funnelRequest();
    return api(path, { query });
  },
  (answer) => {
    report = answer;
    renderReport();
  },
);

function bottleneckItem(b) {
  const numbers = [];
  if (b.kind === 'low_reach') numbers.push(`Reach ${formatPercent(b.rate)} of a typical touchpoint`);
  else if (b.baselineRate !== b.rate) {
    numbers.push(`${formatPercent(b.rate)} against ${formatPercent(b.baselineRate)}`);
  } else numbers.push(`${formatPercent(b.rate)} went on`);
  if (b.lostVisitors > 0) {
    numbers.push(`about ${formatNumber(b.lostVisitors)} visitor${b.lostVisitors === 1 ? '' : 's'} lost`);
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
}

function stageRow(s, flagged) {
  return h(
    'tr',
    { class: flagged ? 'is-bottleneck' : null },
    h(
      'th',
      { scope: 'row' },
      s.stage,
      s.goal ? ' ' : null,
      s.goal ? h('span', { class: 'badge badge-goal' }, 'Goal') : null,
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
}

function touchpointRow(t, flag) {
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
}

function renderReport() {
  const stageBottlenecks = new Set(report.bottlenecks.filter((b) => b.kind === 'stage').map((b) => b.stage));
  const touchpointFlags = new Map();
  for (const b of report.bottlenecks) {
    if (b.touchpoint) touchpointFlags.set(b.touchpoint, KIND_LABELS[b.kind] ?? b.kind);
  }

  $('#bottlenecks').replaceChildren(
    report.bottlenecks.length === 0
      ? h(
          'p',
          { class: 'info-box' },
          'No bottlenecks found in this period. A stage or touchpoint needs at least 30 visitors before it ' +
            'is judged, and low reach is only flagged among two or more touchpoints of a stage.',
        )
      : h('ul', { class: 'bottleneck-list' }, ...report.bottlenecks.map(bottleneckItem)),
  );

  $('#funnel-summary').textContent =
    `Visitors who first reached each stage from ${formatDate(report.from)} to ` +
    `${formatLastDay(report.to)}; “went on” means they reached a later ` +
    `stage${report.stages.some((s) => s.goal) ? ' or converted' : ''} within ${report.window} ` +
    `day${report.window === 1 ? '' : 's'}.`;
  renderFunnel($('#funnel-chart'), { stages: report.stages, bottleneckStages: stageBottlenecks });

  $('#funnel-stages tbody').replaceChildren(
    ...report.stages.map((s) => stageRow(s, stageBottlenecks.has(s.stage))),
  );
  const tps = report.touchpoints;
  $('#funnel-touchpoints tbody').replaceChildren(
    ...(tps.length
      ? tps.map((t) => touchpointRow(t, touchpointFlags.get(t.touchpoint)))
      : [h('tr', {}, h('td', { colspan: 5, class: 'empty' }, 'No touchpoints with links or visitors yet.'))]),
  );
}

export function bindFunnel() {
  form.addEventListener('submit', async (event) => {
    event.preventDefault();
    await runAction({ button: submitButton(form) }, loadFunnel);
  });
  bindDownload($('#funnel-csv'), { errors, form }, () => {
    const { journey, path, query } = funnelRequest();
    return { path, query: { ...query, format: 'csv' }, name: `funnel-${journey}.csv` };
  });
}

/** @type {import('./router.js').View} */
export const funnelView = {
  name: 'funnel',
  section: '#view-funnel',
  title: 'Journey funnel',
  nav: 'funnel',
  matches: ([first]) => first === 'funnel',
  async enter() {
    writeScope(form);
    await loadFunnel();
  },
  redraw() {
    if (report) renderReport();
  },
  reset() {
    report = null;
    for (const part of ['#funnel-stages tbody', '#funnel-touchpoints tbody', '#funnel-chart', '#bottlenecks'])
      $(part).replaceChildren();
  },
};
