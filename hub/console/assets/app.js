// The console's shell: finds the session (else the login page), shows who is logged in, keeps
// the live feed open and shows the page of the hash route, which each page module renders.
import {api, ApiError, toLogin, useCsrfToken} from './api.js';
import {el, message, replace} from './dom.js';
import {debounce, Live} from './live.js';
import * as alerts from './page_alerts.js';
import * as audit from './page_audit.js';
import * as detail from './page_detail.js';
import * as drift from './page_drift.js';
import * as overview from './page_overview.js';
import * as plans from './page_plans.js';
import * as policy from './page_policy.js';
import * as queue from './page_queue.js';
import * as tasks from './page_tasks.js';
import * as unknown from './page_unknown.js';

// Route name → page module and the nav entry it highlights.
const kRoutes = {
  overview: [overview, 'overview'],
  queue: [queue, 'queue'],
  discrepancy: [detail, 'queue'],
  tasks: [tasks, 'tasks'],
  drift: [drift, 'drift'],
  alerts: [alerts, 'alerts'],
  plans: [plans, 'plans'],
  unknown: [unknown, 'unknown'],
  policy: [policy, 'policy'],
  audit: [audit, 'audit'],
};

// '#/queue?state=all' → {name: 'queue', id: '', params: URLSearchParams('state=all')}.
function parseHash(hash) {
  const [path, query = ''] = hash.replace(/^#\/?/, '').split('?');
  const [name, id = ''] = path.split('/');
  return {name: name || 'overview', id: decodeURIComponent(id), params: new URLSearchParams(query)};
}

// What went wrong, as the hub said it or as the browser threw it.
const describe = (error) => (error instanceof ApiError ? error.describe() : String(error));

let unsubscribers = [];

async function show(session, live, {focus}) {
  for (const unsubscribe of unsubscribers) unsubscribe();
  unsubscribers = [];
  const route = parseHash(window.location.hash);
  const main = document.getElementById('main');
  const [module, nav] = kRoutes[route.name] ?? [];
  for (const link of document.querySelectorAll('nav a')) {
    if (link.dataset.route === nav) link.setAttribute('aria-current', 'page');
    else link.removeAttribute('aria-current');
  }
  // Each visit renders into its own element: a slow answer for a page left meanwhile lands in a
  // detached node instead of over the page now shown.
  const view = el('div', {class: 'view'});
  replace(main, view);
  if (!module) {
    view.append(el('h1', {tabindex: -1}, 'No such page'), message('error', `There is no page '#/${route.name}'.`));
    return;
  }
  const page = {
    view,
    session,
    id: route.id,
    params: route.params,
    // Fetches the page's data with `load`, and again, debounced by `wait` ms, on each live event of
    // `events` (a name, or [name, filter] for the events whose data passes `filter`) and when the
    // feed reconnects, for as long as this page is shown. It subscribes before the first fetch, so
    // a change the hub commits while that fetch is in flight fetches again. A failed refetch shows
    // its error in `errors` (without one, the next refetch may mend it); the first fetch's failure
    // is the caller's.
    follow: (events, load, {errors = null, wait} = {}) => {
      const refresh = debounce(() => load().catch((error) => {
        if (errors) replace(errors, message('error', describe(error)));
      }), wait);
      for (const event of [...events, 'reconnect']) {
        const [name, wanted = () => true] = Array.isArray(event) ? event : [event];
        unsubscribers.push(live.on(name, (data) => wanted(data) && refresh()));
      }
      return load();
    },
    // Shows the same page with other parameters (filters, sort, paging), as a new history entry.
    navigate: (params) => {
      const query = new URLSearchParams(Object.entries(params).filter(([, value]) => value !== '' && value !== null));
      const text = query.toString();
      window.location.hash = `#/${route.name}${route.id ? `/${route.id}` : ''}${text ? `?${text}` : ''}`;
    },
  };
  try {
    await module.show(page);
  } catch (error) {
    view.append(message('error', describe(error)));
  }
  const heading = view.querySelector('h1');
  if (heading) {
    document.title = `${heading.textContent} · recount console`;
    if (focus) heading.focus();
  }
}

async function start() {
  let session;
  try {
    session = await api('/api/v1/session');
  } catch (error) {
    if (error.status === 401) {
      toLogin();
      return;
    }
    replace(document.getElementById('main'), message('error', `The session could not be read: ${describe(error)}`));
    return;
  }
  useCsrfToken(session.csrf_token);
  document.getElementById('who-name').textContent = session.name;
  document.getElementById('who-role').textContent = session.role;
  document.getElementById('logout').addEventListener('click', async () => {
    try {
      await api('/api/v1/session', {method: 'DELETE'});
    } finally {
      toLogin();
    }
  });
  const live = new Live(document.getElementById('live-state'));
  await live.start();
  // Route changes move focus to the new page's heading, so keyboard and screen-reader users start
  // there; the first page keeps the browser's own start.
  window.addEventListener('hashchange', () => show(session, live, {focus: true}));
  await show(session, live, {focus: false});
}

start();
