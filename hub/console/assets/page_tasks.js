// Tasks (#/tasks?site=S&state=open|all): recount tasks with their site, position, round, the
// device that holds them and how long they have been open (GET /api/v1/tasks); live task events
// refetch.
import {api} from './api.js';
import {badge, duration, el, message, replace, siteStateFilters, table, time} from './dom.js';

export async function show(page) {
  const {form: form, site, state} = siteStateFilters(page, 'Filter the tasks', ['open', 'all'], 'open');
  const listing = el('div');
  page.view.append(el('h1', {tabindex: -1}, 'Recount tasks'), form, listing);
  const load = async () => {
    const answer = await api('/api/v1/tasks', {query: {site, state}});
    replace(listing, answer.tasks.length === 0 ? message('info', 'No recount tasks.')
      : table(`Recount tasks: ${answer.tasks.length}`,
              ['Task', 'Site', 'Position', 'Round', 'Not by', 'State', 'Held by', 'Open for', 'Discrepancy'],
              answer.tasks.map((task) => el('tr', {},
                el('th', {scope: 'row'}, task.task_id), el('td', {}, task.site),
                el('td', {}, [task.location, task.sku, task.lot].filter(Boolean).join('/')),
                el('td', {class: 'num'}, task.round), el('td', {}, task.exclude_user || '–'), el('td', {}, badge(task.state)),
                el('td', {}, task.held_by || '–'),
                el('td', {}, task.state === 'open' ? duration(task.age_ms) : `closed ${time(task.finished_ms)}`),
                el('td', {}, el('a', {href: `#/discrepancy/${task.discrepancy_id}`, 'data-focus-key': `open-${task.task_id}`},
                           `#${task.discrepancy_id}`))))));
  };
  await page.follow(['task'], load, {errors: listing});
}
