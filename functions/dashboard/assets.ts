import { existsSync, readFileSync } from 'node:fs';
import { dirname, extname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { NotFoundError } from '#shared/errors';
import type { HttpResult } from '#shared/http';

/**
 * The dashboard's static files. In Lambda they are copied next to the bundle (`dashboard/`, see the
 * stack's afterBundling hook); locally they are read from `functions/dashboard/public/`.
 */
const TYPES: Record<string, string> = {
  '.html': 'text/html; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
  '.svg': 'image/svg+xml',
  '.png': 'image/png',
  '.json': 'application/json',
  '.webmanifest': 'application/manifest+json',
};

function assetDirectory(): string {
  const here = dirname(fileURLToPath(import.meta.url));
  const bundled = join(here, 'dashboard');
  const source = join(here, 'public');
  const candidates = [bundled, source, join(here, '..', 'dashboard', 'public')];
  return candidates.find((d) => existsSync(join(d, 'index.html'))) ?? source;
}

let directory: string | undefined;
const cache = new Map<string, HttpResult>();

export function dashboardAsset(name: string): HttpResult {
  if (!/^[A-Za-z0-9_.-]+$/.test(name) || name.startsWith('.'))
    throw new NotFoundError(`No dashboard file '${name}'.`);
  const hit = cache.get(name);
  if (hit) return hit;
  directory ??= assetDirectory();
  const path = join(directory, name);
  const type = TYPES[extname(name)];
  if (!type || !existsSync(path)) throw new NotFoundError(`No dashboard file '${name}'.`);
  const body = readFileSync(path);
  const textual = type.startsWith('text/') || type.includes('json') || type.includes('svg');
  const result: HttpResult = {
    statusCode: 200,
    headers: {
      'content-type': type,
      'cache-control': name === 'index.html' ? 'no-cache' : 'public, max-age=300',
      'x-content-type-options': 'nosniff',
      ...(name === 'index.html'
        ? {
            'content-security-policy':
              "default-src 'self'; img-src 'self' data: blob:; style-src 'self'; script-src 'self'; connect-src 'self'; frame-ancestors 'none'",
            'referrer-policy': 'no-referrer',
          }
        : {}),
    },
    body: textual ? body.toString('utf8') : body.toString('base64'),
    isBase64Encoded: !textual,
  };
  cache.set(name, result);
  return result;
}
