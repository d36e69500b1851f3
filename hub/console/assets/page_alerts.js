// Alerts (#/alerts?site=S&state=open|acknowledged|all): what the policy's alert rules raised
// (docs/investigation.md, "Alerts"), each with how its deliveries went; whoever may resolve
// discrepancies acknowledges one (POST /api/v1/alerts/{id}/ack), as themselves.
import {api} from './api.js';
import {el, field, message, replace, select, table, time} from './dom.js';
import {debounce} from './live.js';
import {roleAtLeast} from './roles.js';

export async function show(page) {
  const site = page.params.get('site') ?? '';
  const state = page.params.get('state') ?? 'open';
  const siteInput = el('input', {name: 'site', type: 'text', value: site, autocomplete: 'off'});
  const stateSelect = select('state', [['open', 'open'], ['acknowledged', 'acknowledged'], ['all', 'all']], state);
  const filters = el('form', {class: 'filters', 'aria-label': 'Filter alerts', on: {submit: (event) => {
    event.preventDefault();
    page.navigate({site: siteInput.value.trim(), state: stateSelect.value});
  }}}, field('Site', siteInput), field('State', stateSelect),
  el('div', {class: 'actions'}, el('button', {type: 'submit'}, 'Apply filters')));
  const outcome = el('div', {'aria-live': 'polite'});
  const listing = el('div');
  const mayAck = roleAtLeast(page.session, 'counter-lead');
  page.view.append(el('h1', {tabindex: -1}, 'Alerts'), filters, outcome,
                   mayAck ? '' : message('info', 'Acknowledging an alert needs the counter-lead role.'), listing);
  const acknowledge = async (alert) => {
    try {
      await api(`/api/v1/alerts/${alert.id}/ack`, {method: 'POST', body: {}});
      replace(outcome, message('ok', `Alert ${alert.id} acknowledged.`));
      await load();
    } catch (error) {
      replace(outcome, message('error', `Not acknowledged: ${error.describe()}`));
    }
  };
  const load = async () => {
    const answer = await api('/api/v1/alerts', {query: {site, state: state === 'all' ? '' : state}});
    replace(listing, answer.alerts.length === 0 ? message('info', 'No alerts.')
      : table(`Alerts: ${answer.alerts.length}`,
              ['Alert', 'Rule', 'Site', 'Summary', 'Raised', 'State', 'Acknowledged', mayAck ? 'Action' : null].filter(Boolean),
              answer.alerts.map((alert) => el('tr', {'data-alert': alert.id},
                el('th', {scope: 'row'}, `#${alert.id}`), el('td', {}, alert.rule), el('td', {}, alert.site),
                el('td', {}, alert.summary), el('td', {}, time(alert.raised_ms)), el('td', {}, alert.state),
                el('td', {}, alert.acked_by ? `${alert.acked_by}, ${time(alert.acked_ms)}` : '–'),
                mayAck ? el('td', {}, alert.state === 'open'
                  ? el('button', {type: 'button', on: {click: () => acknowledge(alert)}}, `Acknowledge #${alert.id}`)
                  : '–') : null))));
  };
  await load();
  const refresh = debounce(() => load().catch((error) => replace(listing, message('error', error.describe()))));
  page.on('alert', refresh);
  page.on('reconnect', refresh);
}
