import { registerApiKey } from '#auth/service';
import { handler as apiHandler } from '#handlers/api';
import { handler as redirectHandler } from '#handlers/redirect';
import { clickEvent, httpEvent, type RequestOptions } from './events';
import { createTestTable } from './table';

/** Integration-test harness: a fresh table, an admin key, and helpers that call the real handlers. */
export async function setupApp() {
  await createTestTable();
  const adminKey = `test-admin-${Math.random().toString(36).slice(2)}`;
  await registerApiKey(adminKey, 'test admin', 'admin');
  const api = (options: RequestOptions) => apiHandler(httpEvent({ key: adminKey, ...options }));
  const click = (slug: string, options?: Parameters<typeof clickEvent>[1]) =>
    redirectHandler(clickEvent(slug, options));
  return { adminKey, api, click };
}
