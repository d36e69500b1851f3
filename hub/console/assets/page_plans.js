// Count plans (#/plans[?site=S]): each plan in force with how its positions stand (GET
// /api/v1/plans), and the open planned counts, most overdue first, with owner and due date
// (GET /api/v1/due); docs/investigation.md, "Count plans".
import {api} from './api.js';
import {el, field, message, position, replace, table, time} from './dom.js';

export async function show(page) {
  const site = page.params.get('site') ?? '';
  const input = el('input', {name: 'site', type: 'text', value: site, autocomplete: 'off'});
  const form = el('form', {class: 'filters', 'aria-label': 'Choose a site', on: {submit: (event) => {
    event.preventDefault();
    page.navigate({site: input.value.trim()});
  }}}, field('Site', input), el('div', {class: 'actions'}, el('button', {type: 'submit'}, 'Show')));
  const body = el('div');
  page.view.append(el('h1', {tabindex: -1}, 'Count plans'), form, body);
  const query = site ? {site} : {};
  const [plans, due] = await Promise.all([api('/api/v1/plans', {query}), api('/api/v1/due', {query})]);
  if (plans.plans.length === 0) {
    replace(body, message('info', 'The policy in force has no count plans; add them to the policy document.'));
    return;
  }
  replace(body, planTable(plans), el('h2', {}, 'Due counts'), dueTable(due));
}

function list(values) {
  return values.length === 0 ? 'any' : values.join(', ');
}

function planTable(plans) {
  const rows = plans.plans.map((plan) => el('tr', {},
    el('th', {scope: 'row'}, plan.name), el('td', {}, list(plan.sites)), el('td', {}, list(plan.abc)),
    el('td', {}, list(plan.location_classes)), el('td', {class: 'num'}, plan.every_days), el('td', {}, plan.owner),
    el('td', {}, time(plan.start_ms)), el('td', {class: 'num'}, plan.positions), el('td', {class: 'num'}, plan.due),
    el('td', {class: 'num'}, plan.overdue), el('td', {class: 'num'}, plan.done)));
  return table('Count plans in force', ['Plan', 'Sites', 'ABC', 'Location classes', 'Every (days)', 'Owner', 'Start',
                                        'Positions', 'Due', 'Overdue', 'Done'], rows);
}

function dueTable(due) {
  if (due.counts.length === 0) return message('ok', 'Nothing is due: every planned count of this period is done.');
  const rows = due.counts.map((count) => el('tr', {class: count.overdue ? 'overdue' : ''},
    el('th', {scope: 'row'}, position(count)), el('td', {}, count.plan), el('td', {}, count.owner),
    el('td', {}, count.abc), el('td', {}, time(count.due_ms)),
    el('td', {}, count.overdue ? el('strong', {}, 'Overdue') : 'Due')));
  return el('div', {},
    table(`Open planned counts, most overdue first: ${due.counts.length} of ${due.total}`,
          ['Position', 'Plan', 'Owner', 'ABC', 'Due by', 'State'], rows),
    due.truncated ? message('info', 'More counts are due than are shown: choose a site.') : null);
}
