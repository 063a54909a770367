// What the user is told: the polite live region for successes, an error box (role="alert") per part of a
// view for failures, and busy buttons meanwhile. Every user action and every load goes through
// runAction or loader, so the sequence "clear the error, mark busy, announce or show the error" is
// written once.
import { ApiError, download } from './api.js';
import { $, $$, h } from './dom.js';

let statusTimer;
/** Announces a message in the polite live region (a toast at the bottom of the window) for a while. */
export function announce(message, kind = 'success') {
  const status = $('#status');
  clearTimeout(statusTimer);
  status.className = `status is-${kind}`;
  status.textContent = message;
  statusTimer = setTimeout(() => (status.textContent = ''), kind === 'error' ? 20_000 : 10_000);
}

/** Shows an API (or other) error in a box with role="alert" and marks the fields it names. */
export function showError(box, err, form) {
  box.hidden = false;
  box.replaceChildren();
  const message = err instanceof Error ? err.message : String(err);
  box.append(h('span', {}, message));
  if (err instanceof ApiError && err.status > 0) {
    box.append(' ', h('span', { class: 'code' }, `(${err.status} ${err.code})`));
  }
  const issues = err instanceof ApiError && Array.isArray(err.details?.issues) ? err.details.issues : [];
  if (issues.length > 1) {
    box.append(
      h('ul', {}, ...issues.slice(1).map((i) => h('li', {}, i.path ? `${i.path}: ${i.message}` : i.message))),
    );
  }
  if (form) {
    for (const issue of issues) {
      const field = form.elements.namedItem(issue.path);
      if (field instanceof HTMLElement) {
        field.setAttribute('aria-invalid', 'true');
        const described = new Set((field.getAttribute('aria-describedby') ?? '').split(' ').filter(Boolean));
        described.add(box.id);
        field.setAttribute('aria-describedby', [...described].join(' '));
      }
    }
  }
}

/** Hides the error box and takes the marks it put on the form's fields off again. */
export function clearError(box, form) {
  box.hidden = true;
  box.replaceChildren();
  if (form) {
    for (const field of $$('[aria-invalid]', form)) {
      field.removeAttribute('aria-invalid');
      const rest = (field.getAttribute('aria-describedby') ?? '')
        .split(' ')
        .filter((id) => id && id !== box.id);
      if (rest.length) field.setAttribute('aria-describedby', rest.join(' '));
      else field.removeAttribute('aria-describedby');
    }
  }
}

function setBusy(button, busy) {
  if (!button) return;
  button.disabled = busy;
  if (busy) button.setAttribute('aria-busy', 'true');
  else button.removeAttribute('aria-busy');
}

/**
 * Runs what a user asked for (a form submitted, a button pressed): clears `errors` (and the marks on
 * `form`'s fields), disables `button` and marks it busy meanwhile, then announces the message `action`
 * returns, or shows what it threw in `errors`. Returns whether the action succeeded. An action whose
 * failures are already shown elsewhere (a load, see `loader`) is run without `errors`.
 * @param {{ button?: HTMLButtonElement | null, errors?: HTMLElement, form?: HTMLFormElement }} where
 * @param {() => Promise<string | void> | string | void} action
 */
export async function runAction({ button, errors, form }, action) {
  if (errors) clearError(errors, form);
  setBusy(button, true);
  let message;
  try {
    message = await action();
  } catch (err) {
    if (!errors) throw err;
    showError(errors, err, form);
    return false;
  } finally {
    setBusy(button, false);
  }
  if (message) announce(message);
  return true;
}

/**
 * Makes `button` download the file `request()` names (fetched with the key, see api.js), announcing its
 * name; an error shows in `errors`.
 * @param {HTMLButtonElement} button
 * @param {{ errors: HTMLElement, form?: HTMLFormElement }} where
 * @param {() => { path: string, query: Record<string, unknown>, name: string }} request  `name` is used
 *   when the answer names no file
 */
export function bindDownload(button, { errors, form }, request) {
  button.addEventListener('click', () =>
    runAction({ button, errors, form }, async () => {
      const { path, query, name } = request();
      return `Downloaded ${await download(path, query, name)}`;
    }),
  );
}

/**
 * Makes the loader of one part of a view: each call clears the part's error box, fetches, and renders
 * what came back; an error (from either) is shown in the box. Only the newest call renders or reports,
 * so a slow, stale answer never overwrites a fresh one. With `keepError` the old error stays up until
 * the new answer arrives (the QR preview, redrawn while the user types, would flicker otherwise).
 * @template T
 * @param {{ errors: HTMLElement, form?: HTMLFormElement, keepError?: boolean }} where
 * @param {(...args: any[]) => Promise<T>} fetch
 * @param {(data: T, ...args: any[]) => unknown} render
 */
export function loader({ errors, form, keepError = false }, fetch, render) {
  let latest = 0;
  return async (...args) => {
    const call = ++latest;
    if (!keepError) clearError(errors, form);
    try {
      const data = await fetch(...args);
      if (call !== latest) return;
      if (keepError) clearError(errors, form);
      await render(data, ...args);
    } catch (err) {
      if (call !== latest) return;
      if (keepError) clearError(errors, form);
      showError(errors, err, form);
    }
  };
}
