// Touchpoint dashboard: a small single-page app over the public API. No framework, no build step: the
// browser loads these ES modules as they are (index.html preloads them all).
//
//   app.js        start: binds the views, routes on hash changes, redraws charts on resize
//   router.js     which view shows for `#/…`          feedback.js  announce, error boxes, runAction, loader
//   api.js        the only code that talks to the API  scope.js     journeys, chosen journey and period
//   dom.js        DOM and date helpers                  charts.js    inline SVG charts
//   view-*.js     one module per view, owning its state (view-attribution.js: models side by side) (link-qr.js and link-stats.js: the link view's cards)
import { $ } from './dom.js';
import { redrawCurrentView, registerViews, route } from './router.js';
import { fillPeriodSelects } from './scope.js';
import { attributionView, bindAttribution } from './view-attribution.js';
import { bindFunnel, funnelView } from './view-funnel.js';
import { bindLink, linkView } from './view-link.js';
import { bindLinks, linksView } from './view-links.js';
import { bindSignIn, resumeSession, signInView } from './view-signin.js';
import { bindTouchpoints, touchpointsView } from './view-touchpoints.js';

async function start() {
  registerViews(signInView, linksView, linkView, touchpointsView, funnelView, attributionView);
  fillPeriodSelects();
  bindSignIn();
  bindLinks();
  bindLink();
  bindTouchpoints();
  bindFunnel();
  bindAttribution();
  $('#skip-link').addEventListener('click', (event) => {
    event.preventDefault();
    $('#main').focus();
  });
  window.addEventListener('hashchange', () => route({ focus: true }));
  let resizeTimer;
  let lastWidth = window.innerWidth;
  window.addEventListener('resize', () => {
    if (window.innerWidth === lastWidth) return;
    lastWidth = window.innerWidth;
    clearTimeout(resizeTimer);
    resizeTimer = setTimeout(redrawCurrentView, 150);
  });

  if (await resumeSession()) await route();
}

start();
