// Overview (#/overview?site=S): open discrepancies by state and age, value at risk, the four
// measures as trends over their review periods, and the fleet's health (GET /api/v1/overview).
import {api} from './api.js';
import {bars, trend} from './chart.js';
import {cents, duration, el, field, percent, replace, select, table, time, words} from './dom.js';

// The measures in the order the issue names them, with how each value reads.
const kMeasures = [
  ['variance_rate', 'Stock variance rate', percent],
  ['cycle_time_ms', 'Reconciliation cycle time (count to closed)', duration],
  ['write_off_by_reason', 'Write-off value by reason', cents],
  ['resolution_time_ms', 'Discrepancy resolution time', duration],
];

const kPeriodWords = {week: 'weekly', month: 'monthly', day: 'daily'};

export async function show(page) {
  const site = page.params.get('site') ?? '';
  const body = el('div', {class: 'overview'});
  page.view.append(el('h1', {tabindex: -1}, 'Overview'), body);
  const load = async () => {
    const overview = await api('/api/v1/overview', {query: {site}});
    render(page, body, overview, site);
  };
  await page.follow(['discrepancy', 'device'], load, {wait: 500});
}

function render(page, body, overview, site) {
  const picker = select('site', [['', 'All sites'], ...overview.sites.map((name) => [name, name])], site);
  picker.dataset.focusKey = 'site';
  picker.addEventListener('change', () => page.navigate({site: picker.value}));
  const openTotal = Object.values(overview.open.by_state).reduce((sum, count) => sum + count, 0);
  replace(body,
          el('form', {class: 'filters', on: {submit: (event) => event.preventDefault()}}, field('Site', picker)),
          el('section', {class: 'cards', 'aria-label': 'Open discrepancies'},
             card('Open discrepancies', String(openTotal), el('a', {href: `#/queue${site ? `?site=${encodeURIComponent(site)}` : ''}`}, 'Review the queue')),
             card('Value at risk', cents(overview.value_at_risk_cents), 'absolute value of the open variances'),
             card('Devices online', `${overview.fleet.online} of ${overview.fleet.online + overview.fleet.offline}`,
                  `${overview.fleet.offline} offline`),
             card('Dead letters', String(overview.fleet.dead_letters), 'messages the hub refused'),
             card('Ingest lag', duration(overview.fleet.ingest_lag_ms), 'from arrival to committed')),
          el('div', {class: 'columns'},
             table('Open discrepancies by state', ['State', 'Open'],
                   Object.entries(overview.open.by_state).map(([state, count]) =>
                     el('tr', {}, el('th', {scope: 'row'}, words(state)), el('td', {class: 'num'}, count)))),
             el('figure', {class: 'age'}, el('figcaption', {}, el('strong', {}, 'Open discrepancies by age')),
                bars(overview.open.by_age.map((bucket) => ({label: bucket.label, value: bucket.count})), String,
                     'Open discrepancies by age'))),
          el('h2', {}, 'Measures'),
          el('div', {class: 'measures'}, kMeasures.map(([name, label, format]) => measure(overview.measures[name], label, format))),
          el('h2', {}, 'Fleet health'),
          table('Devices', ['Site', 'Device', 'State', 'Backlog', 'Last seen', 'Clock skew'],
                overview.fleet.devices.map((device) => el('tr', {},
                  el('td', {}, device.site), el('th', {scope: 'row'}, device.device),
                  el('td', {}, el('span', {class: `badge badge-${device.state}`}, device.state)),
                  el('td', {class: 'num'}, device.backlog ?? '–'), el('td', {}, time(device.last_seen_ms)),
                  el('td', {class: 'num'}, device.skew_ms === null ? '–' : duration(device.skew_ms))))));
}

function card(title, value, note) {
  return el('div', {class: 'card'}, el('h2', {}, title), el('p', {class: 'figure'}, value), el('p', {class: 'note'}, note));
}

// One measure: its trend over the last periods, labelled with its review frequency, and the last
// period's value in words. Write-offs by reason plot each period's total and list the reasons.
function measure(data, label, format) {
  const frequency = kPeriodWords[data.period] ?? data.period;
  const title = `${label} (${frequency})`;
  const byReason = data.points.length > 0 && 'by_reason' in data.points[0];
  const points = byReason ? data.points.map((point) => ({...point, value: sumOrNull(point.by_reason)})) : data.points;
  const last = points.at(-1);
  const lastText = last && last.value !== null ? format(last.value) : 'nothing this period';
  const reasons = byReason && last ? Object.entries(data.points.at(-1).by_reason ?? {}) : [];
  return el('figure', {class: 'measure'},
            el('figcaption', {}, el('strong', {}, title), el('span', {class: 'note'}, `this ${data.period}: ${lastText}`)),
            trend(points, format, title),
            reasons.length > 0 ? el('p', {class: 'note'}, reasons.map(([reason, value]) => `${words(reason)} ${format(value)}`).join(' · ')) : null);
}

function sumOrNull(byReason) {
  const values = Object.values(byReason ?? {});
  return values.length === 0 ? null : values.reduce((sum, value) => sum + value, 0);
}
