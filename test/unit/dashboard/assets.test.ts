import { readFileSync } from 'node:fs';
import { createServer, request, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { handler as api } from '#handlers/api';
import { requestListener } from '#local/server';
import { json } from '#shared/http';

/**
 * The dashboard's files as a browser gets them, through the local server and the API function (the
 * handler Lambda runs): every ES module the page loads comes with a JavaScript type (a browser refuses
 * to run a module served otherwise), and no path reaches a file outside the dashboard's folder. Nothing
 * here touches DynamoDB: the dashboard's files are public.
 */

const PUBLIC = new URL('../../../functions/dashboard/public/', import.meta.url);
const read = (name: string) => readFileSync(new URL(name, PUBLIC), 'utf8');

/** The modules index.html loads (its module script), and those it preloads. */
function indexModules(): { entry: string[]; preloaded: string[] } {
  const html = read('index.html');
  const entry = [...html.matchAll(/<script type="module" src="\/dashboard\/([^"]+)"/g)].map((m) => m[1]!);
  const preloaded = [...html.matchAll(/<link rel="modulepreload" href="\/dashboard\/([^"]+)"/g)].map(
    (m) => m[1]!,
  );
  return { entry, preloaded };
}

/** Every module reachable from `entry` through static `import … from './x.js'`. */
function moduleGraph(entry: string[]): string[] {
  const seen = new Set<string>();
  const visit = (name: string) => {
    if (seen.has(name)) return;
    seen.add(name);
    for (const m of read(name).matchAll(/^\s*(?:import|export)\b[^;]*?from\s+'\.\/([^']+)'/gms)) visit(m[1]!);
  };
  entry.forEach(visit);
  return [...seen].sort();
}

interface Answer {
  status: number;
  headers: Record<string, string | string[] | undefined>;
  body: string;
}

let server: Server;
let port: number;

/** GET with the path sent exactly as written (fetch would resolve `..` before sending). */
function get(path: string): Promise<Answer> {
  return new Promise((resolve, reject) => {
    const req = request({ host: '127.0.0.1', port, path, method: 'GET' }, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (c: Buffer) => chunks.push(c));
      res.on('end', () =>
        resolve({
          status: res.statusCode ?? 0,
          headers: res.headers,
          body: Buffer.concat(chunks).toString(),
        }),
      );
    });
    req.on('error', reject);
    req.end();
  });
}

beforeAll(async () => {
  server = createServer(
    requestListener({
      api,
      // Stands in for the short-link function, which would look the slug up and answer 404.
      redirect: async () => json(404, { error: { code: 'not_found', message: 'No such short link.' } }),
    }),
  );
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  port = (server.address() as AddressInfo).port;
});

afterAll(async () => {
  await new Promise((resolve) => server.close(resolve));
});

describe('dashboard files', () => {
  it('serves every module the page loads as JavaScript, and preloads exactly those modules', async () => {
    const { entry, preloaded } = indexModules();
    expect(entry).toEqual(['app.js']);
    const graph = moduleGraph(entry);
    expect(graph).toContain('view-links.js');
    // A module missing from the preload list would load one import level later; one listed but not
    // imported would be fetched for nothing.
    expect([...preloaded, ...entry].sort()).toEqual(graph);
    for (const name of graph) {
      const answer = await get(`/dashboard/${name}`);
      expect({ name, status: answer.status, type: answer.headers['content-type'] }).toEqual({
        name,
        status: 200,
        type: 'text/javascript; charset=utf-8',
      });
      expect(answer.body).toBe(read(name));
    }
  });

  it('serves the page at /dashboard and sends /dashboard/ there', async () => {
    const page = await get('/dashboard');
    expect(page.status).toBe(200);
    expect(page.headers['content-type']).toBe('text/html; charset=utf-8');
    expect(page.body).toContain('<script type="module" src="/dashboard/app.js">');
    const slash = await get('/dashboard/');
    expect(slash.status).toBe(302);
    expect(slash.headers.location).toBe('/dashboard');
  });

  it.each([
    '/dashboard/../package.json',
    '/dashboard/%2e%2e/package.json',
    '/dashboard/..%2Fpackage.json',
    '/dashboard/..%2F..%2F..%2Fpackage.json',
    '/dashboard/%2E%2E%2Fassets.ts',
    '/dashboard/..%5Cassets.ts',
    '/dashboard/..%252Fassets.ts',
    '/dashboard/.gitignore',
    '/dashboard/assets.ts',
    '/dashboard/app.js%00.html',
  ])('refuses %s with a JSON 404 and no file', async (path) => {
    const answer = await get(path);
    expect(answer.status).toBe(404);
    expect(answer.headers['content-type']).toMatch(/^application\/json/);
    expect(JSON.parse(answer.body)).toMatchObject({ error: { code: 'not_found' } });
    expect(answer.body).not.toContain('"devDependencies"');
    expect(answer.body).not.toContain('dashboardAsset');
  });
});
