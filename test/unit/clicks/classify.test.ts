import { describe, expect, it } from 'vitest';
import { classifyUserAgent, countryCode, referrerHost } from '#clicks/classify';

const UA = {
  iphone:
    'Mozilla/5.0 (iPhone; CPU iPhone OS 17_0 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/17.0 Mobile/15E148 Safari/604.1',
  ipad: 'Mozilla/5.0 (iPad; CPU OS 16_6 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/16.6 Mobile/15E148 Safari/604.1',
  android:
    'Mozilla/5.0 (Linux; Android 14; Pixel 8) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/124.0.6367.82 Mobile Safari/537.36',
  windowsChrome:
    'Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/124.0.0.0 Safari/537.36',
  windowsEdge:
    'Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/124.0.0.0 Safari/537.36 Edg/124.0.2478.51',
  macFirefox: 'Mozilla/5.0 (Macintosh; Intel Mac OS X 14.4; rv:125.0) Gecko/20100101 Firefox/125.0',
  samsung:
    'Mozilla/5.0 (Linux; Android 13; SM-S911B) AppleWebKit/537.36 (KHTML, like Gecko) SamsungBrowser/24.0 Chrome/117.0.0.0 Mobile Safari/537.36',
};

const BOTS = {
  Googlebot: 'Mozilla/5.0 (compatible; Googlebot/2.1; +http://www.google.com/bot.html)',
  bingbot:
    'Mozilla/5.0 AppleWebKit/537.36 (KHTML, like Gecko; compatible; bingbot/2.0; +http://www.bing.com/bingbot.htm) Chrome/116.0.1938.76 Safari/537.36',
  'Facebook link preview': 'facebookexternalhit/1.1 (+http://www.facebook.com/externalhit_uatext.php)',
  'Slack link preview': 'Slackbot-LinkExpanding 1.0 (+https://api.slack.com/robots)',
  'Twitter card': 'Twitterbot/1.0',
  'LinkedIn preview': 'LinkedInBot/1.0 (compatible; Mozilla/5.0; Apache-HttpClient +http://www.linkedin.com)',
  'WhatsApp preview': 'WhatsApp/2.23.20.0',
  Discordbot: 'Mozilla/5.0 (compatible; Discordbot/2.0; +https://discordapp.com)',
  'Telegram preview': 'TelegramBot (like TwitterBot)',
  curl: 'curl/8.4.0',
  'headless Chrome':
    'Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 (KHTML, like Gecko) HeadlessChrome/124.0.0.0 Safari/537.36',
};

describe('classifyUserAgent', () => {
  it.each(Object.entries(BOTS))('flags %s as a bot', (_name, ua) => {
    expect(classifyUserAgent(ua)).toMatchObject({ bot: true, device: 'bot' });
  });

  it('treats a missing or empty user agent as a bot (browsers always send one)', () => {
    expect(classifyUserAgent(undefined).bot).toBe(true);
    expect(classifyUserAgent('').bot).toBe(true);
  });

  it.each([
    ['iphone', { device: 'mobile', os: 'iOS', browser: 'Safari' }],
    ['ipad', { device: 'tablet', os: 'iOS', browser: 'Safari' }],
    ['android', { device: 'mobile', os: 'Android', browser: 'Chrome' }],
    ['windowsChrome', { device: 'desktop', os: 'Windows', browser: 'Chrome' }],
    ['windowsEdge', { device: 'desktop', os: 'Windows', browser: 'Microsoft Edge' }],
    ['macFirefox', { device: 'desktop', os: 'macOS', browser: 'Firefox' }],
    ['samsung', { device: 'mobile', os: 'Android' }],
  ] as const)('parses %s as a human with device, OS and browser', (name, expected) => {
    expect(classifyUserAgent(UA[name])).toMatchObject({ bot: false, ...expected });
  });

  it('never throws on garbage and reports unknowns as "unknown"', () => {
    for (const ua of ['x', '()', '\u0000\u0001', 'Mozilla/5.0', 'a'.repeat(10_000)]) {
      const info = classifyUserAgent(ua);
      expect(typeof info.bot).toBe('boolean');
      expect(info.os.length).toBeGreaterThan(0);
      expect(info.browser.length).toBeGreaterThan(0);
    }
  });

  it('gives the same answer from its per-user-agent memo, and callers cannot change the memo', () => {
    const first = classifyUserAgent(UA.iphone);
    const again = classifyUserAgent(UA.iphone);
    expect(again).toEqual({ bot: false, device: 'mobile', os: 'iOS', browser: 'Safari' });
    expect(() => {
      (again as { device: string }).device = 'desktop';
    }).toThrow(TypeError);
    expect(classifyUserAgent(UA.iphone)).toEqual(first);
  });

  it('still classifies correctly after more distinct user agents than the memo holds', () => {
    for (let i = 0; i < 1_200; i++) classifyUserAgent(`${UA.android} build/${i}`);
    expect(classifyUserAgent(UA.macFirefox)).toMatchObject({ bot: false, os: 'macOS', browser: 'Firefox' });
    expect(classifyUserAgent(BOTS.curl!).bot).toBe(true);
  });
});

describe('referrerHost', () => {
  it.each([
    ['https://www.Instagram.com/p/abc?x=1', 'www.instagram.com'],
    ['https://news.example/article/42#comments', 'news.example'],
    ['http://user:secret@host.example:8080/private', 'host.example'],
    ['android-app://com.google.android.gm/', 'com.google.android.gm'],
  ])('keeps only the host of %s', (referer, host) => {
    expect(referrerHost(referer)).toBe(host);
  });

  it.each([[undefined], [''], ['not a url'], ['/relative/path']])('is null for %j', (referer) => {
    expect(referrerHost(referer)).toBeNull();
  });

  it('never keeps a path, query or credentials', () => {
    const host = referrerHost('https://alice:pw@mail.example/inbox/123?token=abc') ?? '';
    expect(host).toBe('mail.example');
    for (const secret of ['alice', 'pw', 'inbox', '123', 'token', 'abc']) expect(host).not.toContain(secret);
  });
});

describe('countryCode', () => {
  it.each([
    ['DE', 'DE'],
    ['de', 'DE'],
    ['Us', 'US'],
  ])('accepts the two-letter code %s', (header, code) => {
    expect(countryCode(header)).toBe(code);
  });

  it.each([[undefined], [''], ['DEU'], ['Germany'], ['D1'], [' de'], ['1'], ['<x>']])(
    'rejects %j',
    (header) => {
      expect(countryCode(header)).toBeNull();
    },
  );
});
