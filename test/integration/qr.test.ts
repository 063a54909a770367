import { beforeAll, describe, expect, it } from 'vitest';
import type { HttpResult } from '#shared/http';
import { setupApp } from '../support/app';
import { bodyOf, expectApiError } from '../support/inspect';
import { decodeQrPng, pngHeader } from '../support/qr-image';
import { parseSvg, rasterise, scan } from '../unit/qr/helpers';

type App = Awaited<ReturnType<typeof setupApp>>;
let app: App;
let link: { id: string; slug: string; shortUrl: string; qrContent: string };

const qr = (query: Record<string, string>, id = link.id) => app.api({ path: `/api/links/${id}/qr`, query });

function imageBytes(res: HttpResult): Buffer {
  expect(res.statusCode, res.body?.slice(0, 300)).toBe(200);
  return res.isBase64Encoded ? Buffer.from(res.body!, 'base64') : Buffer.from(res.body!, 'utf8');
}

beforeAll(async () => {
  app = await setupApp();
  const res = await app.api({
    method: 'POST',
    path: '/api/links',
    body: {
      url: 'https://shop.example/packaging',
      touchpoint: 'box-insert',
      stage: 'retention',
      utm: { source: 'box', medium: 'packaging' },
    },
  });
  link = bodyOf(res);
});

describe('GET /api/links/{id}/qr', () => {
  it('PNG: image/png, base64-encoded, decodes to shortUrl?r=qr', async () => {
    const res = await qr({ format: 'png', size: '300' });
    expect(res.headers?.['content-type']).toBe('image/png');
    expect(res.isBase64Encoded).toBe(true);
    const png = imageBytes(res);
    const header = pngHeader(png);
    expect(header.width).toBe(300);
    expect(header.height).toBe(300);
    expect(decodeQrPng(png)).toBe(`${link.shortUrl}?r=qr`);
    expect(decodeQrPng(png)).toBe(link.qrContent);
  });

  it('PNG is a compact 2-colour palette image, not RGBA', async () => {
    const png = imageBytes(await qr({ format: 'png', size: '512' }));
    const header = pngHeader(png);
    expect(header.colourType).toBe(3); // palette
    expect(header.bitDepth).toBe(1);
    expect(png.length).toBeLessThan(4096);
  });

  it.each<Record<string, string>>([
    { ecc: 'L', margin: '0', size: '200' },
    { ecc: 'H', margin: '8', size: '1024' },
    { fg: '1a237e', bg: 'fffde7', size: '256' },
    { fg: '#333', bg: '#fff', ecc: 'q', size: '400' },
  ])('PNG with %j still decodes to the short URL', async (options) => {
    expect(decodeQrPng(imageBytes(await qr({ format: 'png', ...options })))).toBe(link.qrContent);
  });

  it('SVG (the default): image/svg+xml that scans to shortUrl?r=qr', async () => {
    const queries: Record<string, string>[] = [
      {},
      { format: 'svg' },
      { format: 'SVG', size: '256', fg: '004d40', bg: 'e0f2f1' },
    ];
    for (const query of queries) {
      const res = await qr(query);
      expect(res.headers?.['content-type']).toMatch(/^image\/svg\+xml/);
      const svg = imageBytes(res).toString('utf8');
      expect(svg).toMatch(/^<svg[\s>]/);
      const parsed = parseSvg(svg);
      expect(parsed.width).toBe(Number(query.size ?? 512));
      const text = scan(rasterise(parsed.grid, 6, parsed.fg ?? '#000000', parsed.bg ?? '#ffffff'));
      expect(text).toBe(`${link.shortUrl}?r=qr`);
    }
  });

  it('editing the destination leaves the QR images byte-identical', async () => {
    const before = {
      png: (await qr({ format: 'png', size: '300' })).body,
      svg: (await qr({ format: 'svg' })).body,
    };
    const patch = await app.api({
      method: 'PATCH',
      path: `/api/links/${link.id}`,
      body: { url: 'https://shop.example/new-packaging', utm: { source: 'box-v2' } },
    });
    expect(patch.statusCode, patch.body).toBe(200);
    expect((await qr({ format: 'png', size: '300' })).body).toBe(before.png);
    expect((await qr({ format: 'svg' })).body).toBe(before.svg);
    // ...and the printed code now leads to the new place.
    const { clearLinkCache } = await import('#links/cache');
    clearLinkCache();
    const scanned = new URL(decodeQrPng(Buffer.from(before.png!, 'base64'))!);
    expect(scanned.pathname).toBe(`/${link.slug}`);
    const res = await app.click(link.slug, { query: Object.fromEntries(scanned.searchParams) });
    expect(res.statusCode).toBe(302);
    expect(res.headers?.location).toBe('https://shop.example/new-packaging?utm_source=box-v2');
  });

  it('answers 404 for an unknown link and 400 for absurd options', async () => {
    expectApiError(await qr({ format: 'png' }, 'unknown000000000'), 404, 'not_found');
    expectApiError(await qr({ size: '100000' }), 400, 'validation_error');
    expectApiError(await qr({ format: 'jpeg' }), 400, 'validation_error');
  });
});
