import type { HttpResult } from '#shared/http';

/**
 * The capture snippet served at `GET /t.js` (issue 18), for the customer's own site:
 *
 *   <script src="https://go.example.com/t.js" data-days="90" async></script>
 *
 * It reads `tp_cid` from the address, keeps it in a first-party cookie on that site (`tp_cid`, 90 days
 * unless `data-days` says otherwise, `data-cookie` renames it) and takes it out of the address bar, so a
 * shared or bookmarked URL does not carry the id. The shop's backend reads the cookie at checkout and
 * posts the conversion. No dependencies, no eval, no inline code: it runs under a strict CSP that allows
 * this script's origin. Kept as source here (not a build step) so it is byte-for-byte what is served.
 */
export const SNIPPET = `(function () {
  var s = document.currentScript, d = (s && s.dataset) || {};
  var days = Math.min(Math.max(parseInt(d.days || '90', 10) || 90, 1), 400);
  var name = /^[A-Za-z0-9_-]{1,64}$/.test(d.cookie || '') ? d.cookie : 'tp_cid';
  var url = new URL(window.location.href), id = url.searchParams.get('tp_cid');
  if (!id || !/^[A-Za-z0-9_-]{1,64}$/.test(id)) return;
  document.cookie = name + '=' + id + '; Max-Age=' + days * 86400 + '; Path=/; SameSite=Lax' +
    (url.protocol === 'https:' ? '; Secure' : '');
  url.searchParams.delete('tp_cid');
  if (window.history && window.history.replaceState) window.history.replaceState(window.history.state, '', url.toString());
})();
`;

export function snippetResponse(): HttpResult {
  return {
    statusCode: 200,
    headers: {
      'content-type': 'text/javascript; charset=utf-8',
      // Shops embed it on every page: let browsers and CloudFront keep it for an hour.
      'cache-control': 'public, max-age=3600',
      'x-content-type-options': 'nosniff',
      // Loaded cross-origin by the shop's pages.
      'access-control-allow-origin': '*',
    },
    body: SNIPPET,
  };
}
