// The view of one link (`#/link/<id>`): its details, editing the destination, archiving and restoring;
// its QR code (link-qr.js) and its statistics (link-stats.js).
import { api } from './api.js';
import { formatNumber } from './charts.js';
import { $, formatDateTime, h, submitButton } from './dom.js';
import { announce, clearError, loader, runAction } from './feedback.js';
import { bindQr, refreshQr, resetQr, showQrOf } from './link-qr.js';
import { bindStats, redrawStats, resetStats, showStatsOf } from './link-stats.js';
import { writeScope } from './scope.js';

const body = $('#link-body');
const editForm = $('#edit-form');
const editErrors = $('#edit-error');
const archiveErrors = $('#archive-error');
const archiveButton = $('#archive-button');
const restoreButton = $('#restore-button');
const archiveConfirm = $('#archive-confirm');

/** The link shown, as the API last answered it. */
let link = null;

const linkPath = (id) => `/api/links/${encodeURIComponent(id)}`;

const loadLink = loader(
  { errors: $('#link-error') },
  (id) => {
    if (link?.id !== id) body.hidden = true;
    return api(linkPath(id));
  },
  async (answer) => {
    showLink(answer);
    body.hidden = false;
    writeScope($('#stats-form'));
    await Promise.all([refreshQr(), showStatsOf(link)]);
  },
);

function showLink(answer) {
  link = answer;
  $('#link-title').textContent = link.touchpoint;
  document.title = `${link.touchpoint} · Touchpoint`;
  const badge = $('#link-status');
  badge.className = `badge badge-${link.status}`;
  badge.textContent = link.status;
  $('#link-details').replaceChildren(...detailRows(link));

  $('#edit-url').value = link.url;
  clearError(editErrors, editForm);
  const archived = link.status === 'archived';
  archiveButton.hidden = archived;
  restoreButton.hidden = !archived;
  archiveConfirm.hidden = true;
  clearError(archiveErrors);
  showQrOf(link);
}

/** The details list: terms and values, the short URL with a copy button. */
function detailRows(link) {
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
  add('Conversions', link.trackConversions ? 'Tracked (tp_cid added to the destination)' : 'Not tracked');
  add('Created', formatDateTime(link.createdAt));
  return rows;
}

/**
 * PATCHes the link. The current UTM parameters and tags are sent with every change: the API otherwise
 * resets them to empty on a PATCH that leaves them out (zod 4 applies their `.default()` even inside
 * `.optional()`).
 */
function patchLink(changes) {
  const { utm, tags } = link;
  return api(linkPath(link.id), { method: 'PATCH', body: { utm, tags, ...changes } });
}

export function bindLink() {
  editForm.addEventListener('submit', (event) => {
    event.preventDefault();
    runAction({ button: submitButton(editForm), errors: editErrors, form: editForm }, async () => {
      showLink(await patchLink({ url: $('#edit-url').value.trim() }));
      return `Destination updated: ${link.shortUrl} now leads to ${link.url}`;
    });
  });

  archiveButton.addEventListener('click', () => {
    archiveConfirm.hidden = false;
    $('#archive-yes').focus();
  });
  $('#archive-no').addEventListener('click', () => {
    archiveConfirm.hidden = true;
    archiveButton.focus();
  });
  const archiveYes = $('#archive-yes');
  archiveYes.addEventListener('click', () =>
    runAction({ button: archiveYes, errors: archiveErrors }, async () => {
      await api(linkPath(link.id), { method: 'DELETE' });
      showLink(await api(linkPath(link.id)));
      restoreButton.focus();
      return `Archived ${link.shortUrl}. It no longer redirects.`;
    }),
  );
  restoreButton.addEventListener('click', () =>
    runAction({ button: restoreButton, errors: archiveErrors }, async () => {
      showLink(await patchLink({ status: 'active' }));
      archiveButton.focus();
      return `Restored ${link.shortUrl}.`;
    }),
  );
  bindQr();
  bindStats();
}

/** @type {import('./router.js').View} */
export const linkView = {
  name: 'link',
  section: '#view-link',
  title: 'Link',
  nav: 'links',
  matches: ([first, id]) => first === 'link' && Boolean(id),
  async enter({ parts: [, id] }) {
    $('#link-title').textContent = 'Link';
    await loadLink(id);
  },
  redraw: redrawStats,
  reset() {
    link = null;
    body.hidden = true;
    resetStats();
    resetQr();
  },
};
