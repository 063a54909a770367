// Hash routing: `#/links?…`, `#/link/<id>`, `#/touchpoints`, `#/funnel`. Each view registers itself with
// the section it shows, the routes it answers, and what it does when entered, redrawn or reset.
import { getKey } from './api.js';
import { $, $$ } from './dom.js';

/**
 * @typedef {object} View
 * @property {string} name
 * @property {string} section    selector of the view's <section>
 * @property {string} title      the document title while it shows
 * @property {string} [nav]      the navigation link marked current
 * @property {(parts: string[]) => boolean} [matches]  whether the view answers a route (`#/a/b` → ['a', 'b'])
 * @property {boolean} [fallback]  the view for every route no view matches
 * @property {(route: { parts: string[], params: URLSearchParams }) => Promise<void>} [enter]  shows its data
 * @property {() => void} [redraw]  redraws what depends on the window's width (charts)
 * @property {() => void} [reset]   forgets its data (sign out)
 */

/** @type {View[]} */
const views = [];
let current = null;

export function registerViews(...list) {
  views.push(...list);
}

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

/** Shows one view's section, marks its navigation link, and (after a route change) focuses its heading. */
export function showView(name, { focus = false } = {}) {
  const view = views.find((v) => v.name === name);
  for (const v of views) $(v.section).hidden = v !== view;
  for (const a of $$('#nav a')) {
    if (a.dataset.nav === view.nav) a.setAttribute('aria-current', 'page');
    else a.removeAttribute('aria-current');
  }
  document.title = `${view.title} · Touchpoint`;
  current = view;
  if (focus) {
    const heading = $(`${view.section} h1`);
    if (heading) {
      heading.setAttribute('tabindex', '-1');
      heading.focus({ preventScroll: false });
    }
  }
}

/** Shows the view of the current hash (the sign-in view while no key is kept) and loads its data. */
export async function route({ focus = false } = {}) {
  if (!getKey()) {
    showView('signin', { focus });
    return;
  }
  const { parts, params } = parseHash();
  const view = views.find((v) => v.matches?.(parts)) ?? views.find((v) => v.fallback);
  showView(view.name, { focus });
  await view.enter?.({ parts, params });
}

/** Redraws the current view's width-dependent parts (after the window was resized). */
export function redrawCurrentView() {
  current?.redraw?.();
}

/** Every view forgets its data (after signing out). */
export function resetViews() {
  for (const view of views) view.reset?.();
}
