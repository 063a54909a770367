// Sign in and out. The key is kept in session storage only (api.js); a 401 anywhere signs the user out
// with the API's message.
import { api, clearKey, getKey, setKey, whenUnauthorized } from './api.js';
import { $, submitButton } from './dom.js';
import { announce, clearError, runAction, showError } from './feedback.js';
import { resetViews, route, showView } from './router.js';
import { setJourneys } from './scope.js';

const form = $('#signin-form');
const errors = $('#signin-error');
const keyField = $('#signin-key');

/** @type {import('./router.js').View} */
export const signInView = { name: 'signin', section: '#view-signin', title: 'Sign in' };

/** Checks the key by reading the journeys with it, then keeps it and shows the navigation. */
async function signIn(key) {
  const journeys = await api('/api/journeys', { key });
  setKey(key);
  setJourneys(journeys.items);
  $('#nav').hidden = false;
  $('#sign-out').hidden = false;
}

function signOut(message) {
  clearKey();
  resetViews();
  $('#nav').hidden = true;
  $('#sign-out').hidden = true;
  showView('signin');
  if (message) showError(errors, message);
  else clearError(errors);
  keyField.value = '';
  keyField.focus();
}

export function bindSignIn() {
  form.addEventListener('submit', async (event) => {
    event.preventDefault();
    const key = keyField.value.trim();
    const signedIn = await runAction({ button: submitButton(form), errors, form }, async () => {
      if (!key) throw new Error('Paste an API key first.');
      await signIn(key);
      keyField.value = '';
      return 'Signed in.';
    });
    if (!signedIn) {
      keyField.setAttribute('aria-invalid', 'true');
      keyField.focus();
      return;
    }
    if (!location.hash || location.hash === '#main') location.hash = '#/links';
    await route({ focus: true });
  });
  $('#sign-out').addEventListener('click', () => {
    signOut();
    announce('Signed out. The API key was removed from this tab.', 'info');
  });
  whenUnauthorized((err) => signOut(`${err.message} Sign in again.`));
}

/** Signs in again with the key this tab kept (after a reload); a key no longer valid signs out. */
export async function resumeSession() {
  const key = getKey();
  if (!key) return true;
  try {
    await signIn(key);
    return true;
  } catch (err) {
    signOut(err.message);
    return false;
  }
}
