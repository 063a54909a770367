// DOM and date helpers shared by the views.
import { bucketLabel } from './charts.js';

export const $ = (selector, root = document) => root.querySelector(selector);
export const $$ = (selector, root = document) => [...root.querySelectorAll(selector)];

/** Creates an element: h('a', { href: '#' }, 'text', child). `class` sets className; null values are skipped. */
export function h(tag, attributes = {}, ...children) {
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

/** The submit button of a form (the one that shows as busy while the form's action runs). */
export const submitButton = (form) => form.querySelector('button[type=submit]');

export const DAY_MS = 86_400_000;
export const isoDay = (ms) => new Date(ms).toISOString().slice(0, 10);
export const todayStart = () => Math.floor(Date.now() / DAY_MS) * DAY_MS;

export function formatDate(iso) {
  if (!iso) return '–';
  return bucketLabel(iso, 'day', true);
}

/** The last day of a period whose `to` is exclusive, as a date. */
export const formatLastDay = (to) => formatDate(new Date(Date.parse(to) - 1).toISOString());

export function formatDateTime(iso) {
  if (!iso) return '–';
  const d = new Date(iso);
  return `${bucketLabel(iso, 'day', true)} ${String(d.getUTCHours()).padStart(2, '0')}:${String(d.getUTCMinutes()).padStart(2, '0')} UTC`;
}
