// Charts as plain inline SVG, drawn at the container's pixel width so text stays legible on a phone.
// Colours come from classes in app.css (the CSP allows no inline styles).

const SVG = 'http://www.w3.org/2000/svg';
let uid = 0;

/** Creates an SVG element with attributes and an optional text. */
function svg(name, attributes = {}, text) {
  const el = document.createElementNS(SVG, name);
  for (const [key, value] of Object.entries(attributes)) {
    if (value !== undefined && value !== null) el.setAttribute(key, String(value));
  }
  if (text !== undefined) el.textContent = text;
  return el;
}

function html(name, className, text) {
  const el = document.createElement(name);
  if (className) el.className = className;
  if (text !== undefined) el.textContent = text;
  return el;
}

/**
 * A chart's legend: a swatch (class `swatch-<kind>`) and a label per entry. Hidden from screen readers:
 * every chart says the same in its description and its data table.
 * @param {Array<[string, string]>} entries  [kind, label]
 */
function legendOf(entries) {
  const legend = html('ul', 'chart-legend');
  legend.setAttribute('aria-hidden', 'true');
  for (const [kind, label] of entries) {
    const li = html('li');
    li.append(html('span', `swatch swatch-${kind}`), html('span', undefined, label));
    legend.append(li);
  }
  return legend;
}

const numberFormat = new Intl.NumberFormat('en');
export const formatNumber = (n) => numberFormat.format(n);

/** A "nice" upper bound and step for an axis from 0 to max with about `count` ticks. */
export function niceScale(max, count = 4) {
  if (!(max > 0)) return { top: 4, step: 1 };
  const rough = max / count;
  const magnitude = 10 ** Math.floor(Math.log10(rough));
  const residual = rough / magnitude;
  const nice = residual <= 1 ? 1 : residual <= 2 ? 2 : residual <= 2.5 ? 2.5 : residual <= 5 ? 5 : 10;
  const step = Math.max(1, nice * magnitude);
  return { top: Math.ceil(max / step) * step, step };
}

const MONTHS = ['Jan', 'Feb', 'Mar', 'Apr', 'May', 'Jun', 'Jul', 'Aug', 'Sep', 'Oct', 'Nov', 'Dec'];

/** "24 Nov" for a day, "24 Nov 14:00" for an hour (UTC). */
export function bucketLabel(iso, interval, withYear = false) {
  const d = new Date(iso);
  const day = `${d.getUTCDate()} ${MONTHS[d.getUTCMonth()]}${withYear ? ` ${d.getUTCFullYear()}` : ''}`;
  if (interval !== 'hour') return day;
  return `${day} ${String(d.getUTCHours()).padStart(2, '0')}:00`;
}

function chartWidth(container) {
  const width = Math.floor(container.getBoundingClientRect().width || container.clientWidth || 0);
  return Math.max(260, width || 640);
}

/**
 * Stacked bars of clicks (bottom) and scans (top) per bucket, with a legend giving the totals.
 * @param {HTMLElement} container
 * @param {{ series: Array<{t: string, clicks: number, scans: number}>, interval: 'hour'|'day', totals: {clicks: number, scans: number} }} data
 */
export function renderTimeSeries(container, data) {
  container.replaceChildren();
  const { series, interval, totals } = data;
  const id = `chart-${++uid}`;
  const unit = interval === 'hour' ? 'hour' : 'day';

  const legend = legendOf([
    ['clicks', `Clicks: ${formatNumber(totals.clicks)}`],
    ['scans', `Scans: ${formatNumber(totals.scans)}`],
  ]);
  container.append(legend);

  const width = chartWidth(container);
  const height = width < 480 ? 200 : 240;
  const margin = { top: 10, right: 8, bottom: 28, left: 40 };
  const plotW = width - margin.left - margin.right;
  const plotH = height - margin.top - margin.bottom;
  const peak = Math.max(0, ...series.map((p) => p.clicks + p.scans));
  const { top, step } = niceScale(peak);
  const y = (v) => margin.top + plotH - (v / top) * plotH;

  const busiest = series.reduce((best, p) => (p.clicks + p.scans > best.clicks + best.scans ? p : best), {
    t: '',
    clicks: -1,
    scans: 0,
  });
  const description =
    peak > 0
      ? `${formatNumber(totals.clicks)} clicks and ${formatNumber(totals.scans)} scans in the period; ` +
        `busiest ${unit}: ${bucketLabel(busiest.t, interval, true)} with ${formatNumber(busiest.clicks)} clicks ` +
        `and ${formatNumber(busiest.scans)} scans.`
      : 'No clicks or scans in this period.';

  const root = svg('svg', {
    viewBox: `0 0 ${width} ${height}`,
    width,
    height,
    role: 'img',
    'aria-labelledby': `${id}-title ${id}-desc`,
    class: 'time-series',
  });
  root.append(
    svg('title', { id: `${id}-title` }, `Clicks and scans per ${unit}`),
    svg('desc', { id: `${id}-desc` }, description),
  );

  // Horizontal grid and y labels.
  for (let v = 0; v <= top; v += step) {
    const yy = Math.round(y(v)) + 0.5;
    root.append(
      svg('line', { x1: margin.left, x2: width - margin.right, y1: yy, y2: yy, class: 'grid-line' }),
    );
    root.append(
      svg(
        'text',
        { x: margin.left - 6, y: yy + 4, 'text-anchor': 'end', class: 'axis-label' },
        formatNumber(v),
      ),
    );
  }

  const n = Math.max(1, series.length);
  const band = plotW / n;
  const barW = Math.max(1, Math.min(40, band * 0.72));
  series.forEach((point, i) => {
    const x = margin.left + i * band + (band - barW) / 2;
    const g = svg('g', { class: 'bar-group' });
    g.append(
      svg(
        'title',
        {},
        `${bucketLabel(point.t, interval, true)}: ${formatNumber(point.clicks)} clicks, ${formatNumber(point.scans)} scans`,
      ),
    );
    // An invisible full-height hit area so hovering a thin or empty bucket still shows its title.
    g.append(
      svg('rect', {
        x: margin.left + i * band,
        y: margin.top,
        width: band,
        height: plotH,
        fill: 'transparent',
      }),
    );
    if (point.clicks > 0) {
      g.append(
        svg('rect', {
          x,
          y: y(point.clicks),
          width: barW,
          height: Math.max(1, y(0) - y(point.clicks)),
          class: 'bar-clicks',
        }),
      );
    }
    if (point.scans > 0) {
      const base = point.clicks;
      g.append(
        svg('rect', {
          x,
          y: y(base + point.scans),
          width: barW,
          height: Math.max(1, y(base) - y(base + point.scans)),
          class: 'bar-scans',
        }),
      );
    }
    root.append(g);
  });

  // X axis and a few evenly spaced labels.
  root.append(
    svg('line', {
      x1: margin.left,
      x2: width - margin.right,
      y1: y(0) + 0.5,
      y2: y(0) + 0.5,
      class: 'axis-line',
    }),
  );
  // Labels at an even step, each centred under its bar, kept inside the chart and never overlapping.
  const labelWidth = (text) => text.length * 6.6;
  const sample = bucketLabel(series[0]?.t ?? new Date(0).toISOString(), interval);
  const every = Math.max(1, Math.ceil((labelWidth(sample) + 14) / band));
  let lastEnd = Number.NEGATIVE_INFINITY;
  for (let i = 0; i < series.length; i += every) {
    const text = bucketLabel(series[i].t, interval);
    const w = labelWidth(text);
    const cx = margin.left + i * band + band / 2;
    const x0 = Math.min(Math.max(cx - w / 2, 0), width - w);
    if (x0 < lastEnd + 8) continue;
    lastEnd = x0 + w;
    root.append(
      svg('text', { x: x0 + w / 2, y: height - 8, 'text-anchor': 'middle', class: 'axis-label' }, text),
    );
  }
  if (peak === 0) {
    root.append(
      svg(
        'text',
        {
          x: margin.left + plotW / 2,
          y: margin.top + plotH / 2,
          'text-anchor': 'middle',
          class: 'axis-label',
        },
        'No clicks or scans in this period',
      ),
    );
  }
  container.append(root);
}

const percent = (rate) => (rate === null || rate === undefined ? '–' : `${Math.round(rate * 1000) / 10}%`);
export const formatPercent = percent;

/**
 * Horizontal funnel bars: one row per stage, bar length ∝ visitors, the darker part those who went on.
 * Stages named by a bottleneck are drawn in red, framed, and flagged in words.
 * @param {HTMLElement} container
 * @param {{ stages: Array<{stage: string, visitors: number, progressed: number, conversionRate: number|null, medianHoursToNext: number|null}>, bottleneckStages: Set<string> }} data
 */
export function renderFunnel(container, data) {
  container.replaceChildren();
  const { stages, bottleneckStages } = data;
  const id = `chart-${++uid}`;

  container.append(
    legendOf([
      ['visitors', 'Visitors who reached the stage'],
      ['progressed', 'Went on to a later stage'],
      ['bottleneck', 'Bottleneck'],
    ]),
  );

  const width = chartWidth(container);
  const rowH = 78;
  const height = Math.max(rowH, stages.length * rowH);
  const barH = 22;
  const max = Math.max(1, ...stages.map((s) => s.visitors));
  const root = svg('svg', {
    viewBox: `0 0 ${width} ${height}`,
    width,
    height,
    role: 'img',
    'aria-labelledby': `${id}-title ${id}-desc`,
    class: 'funnel',
  });
  const summary = stages
    .map(
      (s) =>
        `${s.stage}: ${formatNumber(s.visitors)} visitors` +
        (s.conversionRate === null ? '' : `, ${percent(s.conversionRate)} went on`) +
        (bottleneckStages.has(s.stage) ? ' (bottleneck)' : ''),
    )
    .join('; ');
  root.append(
    svg('title', { id: `${id}-title` }, 'Journey funnel'),
    svg('desc', { id: `${id}-desc` }, summary),
  );

  stages.forEach((s, i) => {
    const top = i * rowH;
    const bottleneck = bottleneckStages.has(s.stage);
    const g = svg('g', { class: bottleneck ? 'funnel-row is-bottleneck' : 'funnel-row' });
    g.append(
      svg(
        'title',
        {},
        `${s.stage}: ${formatNumber(s.visitors)} visitors, ${formatNumber(s.progressed)} went on`,
      ),
    );
    const name = svg(
      'text',
      { x: 0, y: top + 16, class: 'funnel-stage-label' },
      s.goal ? `Goal: ${s.stage}` : `${i + 1}. ${s.stage}`,
    );
    g.append(name);
    if (bottleneck) {
      g.append(
        svg('text', { x: width, y: top + 16, 'text-anchor': 'end', class: 'funnel-flag' }, '⚠ Bottleneck'),
      );
    }
    const barY = top + 24;
    g.append(svg('rect', { x: 0, y: barY, width, height: barH, rx: 4, class: 'funnel-track' }));
    const vw = s.visitors > 0 ? Math.max(3, (s.visitors / max) * width) : 0;
    const pw = s.progressed > 0 ? Math.max(2, (s.progressed / max) * width) : 0;
    if (vw > 0)
      g.append(svg('rect', { x: 0, y: barY, width: vw, height: barH, rx: 4, class: 'funnel-visitors' }));
    if (pw > 0)
      g.append(svg('rect', { x: 0, y: barY, width: pw, height: barH, rx: 4, class: 'funnel-progressed' }));
    if (bottleneck) {
      g.append(
        svg('rect', { x: 1, y: barY - 1, width: width - 2, height: barH + 2, rx: 5, class: 'funnel-frame' }),
      );
    }
    const parts = [`${formatNumber(s.visitors)} visitors`];
    if (s.goal) {
      parts[0] = `${formatNumber(s.visitors)} converted`;
      parts.push('goal');
    } else if (i === stages.length - 1) {
      parts.push('last stage');
    } else if (s.conversionRate !== null) {
      parts.push(`${formatNumber(s.progressed)} went on (${percent(s.conversionRate)})`);
      // On a narrow screen the median stays in the table below, so the line fits.
      if (s.medianHoursToNext !== null && width >= 440) {
        parts.push(`median ${formatHours(s.medianHoursToNext)} to next`);
      }
    }
    g.append(svg('text', { x: 0, y: barY + barH + 17, class: 'funnel-value-label' }, parts.join(' · ')));
    root.append(g);
  });
  container.append(root);
}

export function formatHours(hours) {
  if (hours === null || hours === undefined) return '–';
  if (hours < 48) return `${Math.round(hours * 10) / 10} h`;
  return `${Math.round((hours / 24) * 10) / 10} days`;
}

/**
 * The five attribution models side by side: per touchpoint, one bar per model with its credited
 * conversions, so a marketer sees at a glance which touchpoints every model credits and which only
 * first- or last-touch favour.
 * @param {HTMLElement} container
 * @param {{ models: Array<{model: string, label: string}>, touchpoints: string[], credit: (touchpoint: string, model: string) => number }} data
 */
export function renderModelComparison(container, data) {
  container.replaceChildren();
  const { models, touchpoints, credit } = data;
  const id = `chart-${++uid}`;
  container.append(legendOf(models.map((m, i) => [`model-${i}`, m.label])));

  const width = chartWidth(container);
  const barH = 9;
  const gap = 2;
  const rowH = 24 + models.length * (barH + gap) + 10;
  const height = Math.max(rowH, touchpoints.length * rowH);
  const max = Math.max(1e-9, ...touchpoints.flatMap((t) => models.map((m) => credit(t, m.model))));
  const labelW = 64;
  const root = svg('svg', {
    viewBox: `0 0 ${width} ${height}`,
    width,
    height,
    role: 'img',
    'aria-labelledby': `${id}-title ${id}-desc`,
    class: 'model-comparison',
  });
  const summary = touchpoints
    .map((t) => `${t}: ${models.map((m) => `${m.label} ${formatNumber(credit(t, m.model))}`).join(', ')}`)
    .join('; ');
  root.append(
    svg('title', { id: `${id}-title` }, 'Credited conversions per touchpoint under each model'),
    svg('desc', { id: `${id}-desc` }, summary || 'No conversions credited in this period.'),
  );
  touchpoints.forEach((t, row) => {
    const top = row * rowH;
    const g = svg('g', { class: 'model-row' });
    g.append(svg('text', { x: 0, y: top + 16, class: 'funnel-stage-label' }, t));
    models.forEach((m, i) => {
      const value = credit(t, m.model);
      const y = top + 24 + i * (barH + gap);
      const w = value > 0 ? Math.max(2, (value / max) * (width - labelW)) : 0;
      const bar = svg('rect', { x: 0, y, width: w, height: barH, rx: 2, class: `model-bar model-${i}` });
      bar.append(svg('title', {}, `${t}, ${m.label}: ${formatNumber(value)} conversions`));
      g.append(bar);
      g.append(svg('text', { x: w + 4, y: y + barH - 1, class: 'model-value' }, formatNumber(value)));
    });
    root.append(g);
  });
  container.append(root);
}
