// Alerts (#/alerts?site=S&state=open|acknowledged|all): what the policy's alert rules raised
// (docs/investigation.md, "Alerts"), newest first (the summary names the site), with who
// acknowledged each; whoever may resolve discrepancies acknowledges one
// (POST /api/v1/alerts/{id}/ack), as themselves.
import {api} from './api.js';
import {el, message, replace, siteStateFilters, table, time} from './dom.js';
import {roleAtLeast} from './roles.js';

export async function show(page) {
  const {form: filters, site, state} = siteStateFilters(page, 'Filter alerts', ['open', 'acknowledged', 'all'], 'open');
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
              ['Alert', 'Rule', 'Summary', 'Raised', 'State', 'Acknowledged', mayAck ? 'Action' : null].filter(Boolean),
              answer.alerts.map((alert) => el('tr', {'data-alert': alert.id},
                el('th', {scope: 'row'}, `#${alert.id}`), el('td', {}, alert.rule),
                el('td', {class: 'detail'}, alert.summary), el('td', {}, time(alert.raised_ms)), el('td', {}, alert.state),
                el('td', {}, alert.acked_by ? `${alert.acked_by}, ${time(alert.acked_ms)}` : '–'),
                mayAck ? el('td', {}, alert.state === 'open'
                  ? el('button', {type: 'button', 'aria-label': `Acknowledge alert #${alert.id}`,
                                'data-focus-key': `ack-${alert.id}`, on: {click: () => acknowledge(alert)}}, 'Acknowledge')
                  : '–') : null))));
  };
  await page.follow(['alert'], load, {errors: listing});
}
