import { runInNewContext } from 'node:vm';
import { describe, expect, it } from 'vitest';
import { SNIPPET, snippetResponse } from '#conversions/snippet';

/** Runs /t.js on a page at `href` with the script tag's data attributes, as a browser would. */
function runOnPage(href: string, dataset: Record<string, string> = {}) {
  const cookies: string[] = [];
  const replaced: string[] = [];
  const document = {
    currentScript: { dataset },
    set cookie(value: string) {
      cookies.push(value);
    },
  };
  const window = {
    location: { href },
    history: { state: null, replaceState: (_s: unknown, _t: string, url: string) => replaced.push(url) },
  };
  runInNewContext(SNIPPET, { document, window, URL });
  return { cookies, replaced };
}

describe('the capture snippet (/t.js)', () => {
  it('keeps tp_cid in a 90-day first-party cookie and takes it out of the address bar, keeping the rest', () => {
    const { cookies, replaced } = runOnPage(
      'https://shop.example/landing?utm_source=poster&tp_cid=abc123_-X#top',
    );
    expect(cookies).toEqual(['tp_cid=abc123_-X; Max-Age=7776000; Path=/; SameSite=Lax; Secure']);
    expect(replaced).toEqual(['https://shop.example/landing?utm_source=poster#top']);
  });

  it('honours data-days and data-cookie, and leaves Secure off on http', () => {
    const { cookies } = runOnPage('http://localhost:8080/?tp_cid=x1', { days: '30', cookie: 'my_click' });
    expect(cookies).toEqual(['my_click=x1; Max-Age=2592000; Path=/; SameSite=Lax']);
  });

  it('does nothing without a tp_cid, or with one that is not a click id', () => {
    expect(runOnPage('https://shop.example/')).toEqual({ cookies: [], replaced: [] });
    expect(runOnPage('https://shop.example/?tp_cid=%3Cscript%3E')).toEqual({ cookies: [], replaced: [] });
    expect(runOnPage('https://shop.example/?tp_cid=a%3B%20Domain%3Devil.example').cookies).toEqual([]);
  });

  it('is served as cacheable JavaScript', () => {
    const res = snippetResponse();
    expect(res.headers?.['content-type']).toMatch(/^text\/javascript/);
    expect(res.headers?.['cache-control']).toMatch(/max-age=\d+/);
    expect(Buffer.byteLength(String(res.body))).toBeLessThan(1024);
  });
});
