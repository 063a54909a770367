// The dashboard's only way to the server: the public API, with the key from session storage.

const KEY_STORAGE = 'touchpoint.apiKey';

/** An error answered by the API (`{"error": {code, message, details?}}`) or a network failure. */
export class ApiError extends Error {
  /**
   * @param {number} status HTTP status, 0 when the server could not be reached
   * @param {string} code
   * @param {string} message
   * @param {unknown} [details]
   */
  constructor(status, code, message, details) {
    super(message);
    this.name = 'ApiError';
    this.status = status;
    this.code = code;
    this.details = details;
  }
}

export function getKey() {
  try {
    return sessionStorage.getItem(KEY_STORAGE);
  } catch {
    return null;
  }
}

export function setKey(key) {
  sessionStorage.setItem(KEY_STORAGE, key);
}

export function clearKey() {
  try {
    sessionStorage.removeItem(KEY_STORAGE);
  } catch {
    // Storage disabled: nothing was kept.
  }
}

/** Called with the ApiError when the server answers 401 (the key is wrong or was revoked). */
let onUnauthorized = () => {};
export function whenUnauthorized(callback) {
  onUnauthorized = callback;
}

/** Builds `/api/...?a=1` from a path and a query object, leaving out empty values. */
export function apiPath(path, query = {}) {
  const params = new URLSearchParams();
  for (const [name, value] of Object.entries(query)) {
    if (value !== undefined && value !== null && value !== '') params.set(name, String(value));
  }
  const qs = params.toString();
  return qs ? `${path}?${qs}` : path;
}

async function errorFrom(response) {
  let body;
  try {
    body = await response.json();
  } catch {
    body = undefined;
  }
  const error = body && typeof body === 'object' ? body.error : undefined;
  if (error && typeof error.message === 'string') {
    return new ApiError(response.status, error.code ?? 'error', error.message, error.details);
  }
  return new ApiError(
    response.status,
    'http_error',
    `The server answered ${response.status} ${response.statusText || ''}`.trim(),
  );
}

/**
 * Sends a request with the API key and returns the response once it is OK; throws ApiError otherwise.
 * @param {string} path
 * @param {{ method?: string, body?: unknown, query?: Record<string, unknown>, accept?: string, key?: string }} [options]
 */
export async function request(path, options = {}) {
  const key = options.key ?? getKey();
  const headers = { accept: options.accept ?? 'application/json' };
  if (key) headers.authorization = `Bearer ${key}`;
  let body;
  if (options.body !== undefined) {
    headers['content-type'] = 'application/json';
    body = JSON.stringify(options.body);
  }
  let response;
  try {
    response = await fetch(apiPath(path, options.query), {
      method: options.method ?? 'GET',
      headers,
      body,
      cache: 'no-store',
      credentials: 'omit',
    });
  } catch {
    throw new ApiError(
      0,
      'network_error',
      'Could not reach the server. Check your connection and try again.',
    );
  }
  if (!response.ok) {
    const error = await errorFrom(response);
    if (response.status === 401 && !options.key) onUnauthorized(error);
    throw error;
  }
  return response;
}

/** JSON in, JSON out; `null` for 204. */
export async function api(path, options = {}) {
  const response = await request(path, options);
  if (response.status === 204) return null;
  return response.json();
}

/** The file name from a Content-Disposition header, if it names one. */
function fileNameFrom(response, fallback) {
  const disposition = response.headers.get('content-disposition') ?? '';
  const match = /filename="?([^";]+)"?/i.exec(disposition);
  return match ? match[1] : fallback;
}

/** Fetches a file with the key and returns it as a Blob (for previews). */
export async function fetchBlob(path, query) {
  const response = await request(path, { query, accept: '*/*' });
  return response.blob();
}

/** Fetches a file with the key, then saves it through a temporary blob URL. Returns the file name. */
export async function download(path, query, fallbackName) {
  const response = await request(path, { query, accept: '*/*' });
  const blob = await response.blob();
  const name = fileNameFrom(response, fallbackName);
  const url = URL.createObjectURL(blob);
  const a = document.createElement('a');
  a.href = url;
  a.download = name;
  a.hidden = true;
  document.body.append(a);
  a.click();
  a.remove();
  setTimeout(() => URL.revokeObjectURL(url), 30_000);
  return name;
}
