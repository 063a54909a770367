// The QR card of the link view: a preview redrawn as the user picks colours, error correction, size and
// margin (debounced), and downloads as SVG or PNG fetched with the key.
import { fetchBlob } from './api.js';
import { $ } from './dom.js';
import { bindDownload, loader } from './feedback.js';

const form = $('#qr-form');
const errors = $('#qr-error');
const image = $('#qr-image');

/** The link whose code is shown, and the blob: URL of its preview (revoked when replaced). */
let link = null;
let previewUrl = null;

function qrQuery() {
  const value = (name) => form.elements.namedItem(name).value.trim();
  return {
    fg: value('fg').replace('#', ''),
    bg: value('bg').replace('#', ''),
    ecc: value('ecc'),
    size: value('size'),
    margin: value('margin'),
  };
}

const qrPath = () => `/api/links/${encodeURIComponent(link.id)}/qr`;

const loadPreview = loader(
  { errors, form, keepError: true },
  () => fetchBlob(qrPath(), { ...qrQuery(), format: 'svg' }),
  (blob) => {
    const old = previewUrl;
    previewUrl = URL.createObjectURL(blob);
    image.src = previewUrl;
    if (old) setTimeout(() => URL.revokeObjectURL(old), 1000);
  },
);

/** Redraws the preview for the current choices. */
export async function refreshQr() {
  if (link) await loadPreview();
}

/** Shows what the code of `link` encodes (the preview follows with refreshQr). */
export function showQrOf(current) {
  link = current;
  $('#qr-content').textContent = link.qrContent;
  image.alt = `QR code for ${link.qrContent}`;
}

export function resetQr() {
  link = null;
  if (previewUrl) URL.revokeObjectURL(previewUrl);
  previewUrl = null;
  image.removeAttribute('src');
}

export function bindQr() {
  let timer;
  const schedule = () => {
    clearTimeout(timer);
    timer = setTimeout(refreshQr, 250);
  };
  form.addEventListener('input', schedule);
  form.addEventListener('change', schedule);
  form.addEventListener('submit', (event) => {
    event.preventDefault();
    refreshQr();
  });
  for (const format of ['svg', 'png']) {
    bindDownload($(`#qr-download-${format}`), { errors, form }, () => ({
      path: qrPath(),
      query: { ...qrQuery(), format },
      name: `${link.slug}-qr.${format}`,
    }));
  }
}
