// What the views share: the journeys (read at sign-in), the chosen journey, and the chosen period. The
// link statistics, the touchpoint table and the funnel show the same period and journey, so choosing one
// in a view carries over to the next.
import { $$, DAY_MS, h, isoDay, todayStart } from './dom.js';

const PERIODS = [
  ['24h', 'Last 24 hours'],
  ['7d', 'Last 7 days'],
  ['30d', 'Last 30 days'],
  ['90d', 'Last 90 days'],
  ['365d', 'Last 365 days'],
  ['custom', 'Custom dates'],
];

const scope = {
  journeys: [],
  journey: 'default',
  period: { preset: '30d', from: '', to: '' },
};
const journeyListeners = [];

/** Calls `listener` whenever the journeys were read again (the views fill their stage choices). */
export function onJourneys(listener) {
  journeyListeners.push(listener);
}

/** Keeps the journeys the API listed and offers them in every journey choice (`select[data-journeys]`). */
export function setJourneys(journeys) {
  scope.journeys = journeys;
  if (!journeys.some((j) => j.name === scope.journey)) scope.journey = journeys[0]?.name ?? 'default';
  for (const select of $$('select[data-journeys]')) {
    const previous = select.value;
    const options = [];
    if (select.dataset.any) options.push(h('option', { value: '' }, select.dataset.any));
    for (const j of journeys) options.push(h('option', { value: j.name }, j.name));
    select.replaceChildren(...options);
    const wanted = previous || (select.dataset.any ? '' : scope.journey);
    if ([...select.options].some((o) => o.value === wanted)) select.value = wanted;
  }
  for (const listener of journeyListeners) listener();
}

export function journeyStages(name) {
  return scope.journeys.find((j) => j.name === name)?.stages ?? [];
}

/** Fills a stage choice with the stages of `journey` (of every journey when it is empty). */
export function fillStageSelect(select, journey, withAny) {
  const previous = select.value;
  const stages = journey ? journeyStages(journey) : [...new Set(scope.journeys.flatMap((j) => j.stages))];
  const options = withAny ? [h('option', { value: '' }, 'Any stage')] : [];
  for (const stage of stages) options.push(h('option', { value: stage }, stage));
  select.replaceChildren(...options);
  if ([...select.options].some((o) => o.value === previous)) select.value = previous;
}

/** Reads the journey and period of a scope form into the shared choice; returns the journey. */
export function readScope(form) {
  const preset = form.elements.namedItem('period').value;
  scope.period = {
    preset,
    from: form.elements.namedItem('from')?.value ?? '',
    to: form.elements.namedItem('to')?.value ?? '',
  };
  const journey = form.elements.namedItem('journey');
  if (journey) scope.journey = journey.value || scope.journey;
  return scope.journey;
}

/** Shows the shared period (and journey) in a scope form. */
export function writeScope(form) {
  const select = form.elements.namedItem('period');
  select.value = scope.period.preset;
  const from = form.elements.namedItem('from');
  const to = form.elements.namedItem('to');
  if (from && to) {
    from.value = scope.period.from || isoDay(todayStart() - 29 * DAY_MS);
    to.value = scope.period.to || isoDay(todayStart());
  }
  for (const el of $$('.custom-date', form)) el.hidden = scope.period.preset !== 'custom';
  const journey = form.elements.namedItem('journey');
  if (journey && scope.journeys.some((j) => j.name === scope.journey)) journey.value = scope.journey;
}

/** The API period for the shared period choice: {from, to} with `to` exclusive. */
export function periodQuery() {
  const { period } = scope;
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

export function periodSpanDays(query) {
  return (Date.parse(query.to) - Date.parse(query.from)) / DAY_MS;
}

/** Fills every period choice (`select[data-period]`); "Custom dates" shows the form's date fields. */
export function fillPeriodSelects() {
  for (const select of $$('select[data-period]')) {
    select.replaceChildren(...PERIODS.map(([value, label]) => h('option', { value }, label)));
    select.value = scope.period.preset;
    select.addEventListener('change', () => {
      for (const el of $$('.custom-date', select.form)) el.hidden = select.value !== 'custom';
    });
  }
}
