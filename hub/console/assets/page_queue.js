// Discrepancy queue (#/queue?…): the hub filters, sorts and pages (GET /api/v1/discrepancies
// with limit/offset); the hash keeps the filters so a view can be bookmarked. Approvers tick rows
// within their limit and approve them at once (POST /api/v1/discrepancies/resolve), seeing each
// id's result. Live discrepancy events refetch the page shown.
import {api} from './api.js';
import {badge, cents, duration, el, field, kReasons, kStates, message, position, replace, select, table, time, words} from './dom.js';
import {mayApprove} from './roles.js';

const kPageSizes = [25, 50, 100, 200];
// Column → the sort key the API knows for it (a position sorts by its site).
const kSortable = {ID: 'opened', Position: 'site', Value: 'value', Age: 'age', Updated: 'updated'};

// The queue's parameters (as the API takes them: money in cents, ages in ms) and their defaults.
const kDefaults = {
  site: '', state: 'open', classification: '', reason: '', system: '', min_value_cents: '', max_value_cents: '',
  min_age_ms: '', max_age_ms: '', sort: 'opened', limit: '50', offset: '0',
};

function filtersOf(params) {
  return Object.fromEntries(Object.entries(kDefaults).map(([name, fallback]) => [name, params.get(name) ?? fallback]));
}

export async function show(page) {
  const filters = filtersOf(page.params);
  // What the approver chose survives the live redraws of the listing: the ticked ids and the reason.
  const selection = {ids: new Set(), reason: 'shrinkage'};
  const results = el('div', {class: 'results', 'aria-live': 'polite'});
  const listing = el('div', {class: 'listing'});
  page.view.append(el('h1', {tabindex: -1}, 'Discrepancy queue'), filterForm(page, filters), results, listing);
  const load = async () => {
    const answer = await api('/api/v1/discrepancies', {query: filters});
    render(page, listing, results, filters, answer, selection, load);
  };
  await page.follow(['discrepancy'], load, {errors: results});
}

function filterForm(page, filters) {
  const number = (name, value, scale, step) =>
    el('input', {name, type: 'number', min: 0, step, value: value === '' ? '' : String(Number(value) / scale)});
  const controls = {
    site: el('input', {name: 'site', type: 'text', value: filters.site, autocomplete: 'off'}),
    state: select('state', [['open', 'open (not closed)'], ['all', 'all'], ['closed', 'closed'],
                            ...kStates.filter((state) => state !== 'open' && state !== 'closed').map((state) => [state, words(state)])],
                  filters.state),
    classification: select('classification', [['', 'any'], ['variance', 'variance'], ['uom_error', 'uom error'],
                                              ['ambiguous', 'ambiguous']], filters.classification),
    reason: select('reason', [['', 'any'], ...kReasons.map((reason) => [reason, words(reason)])], filters.reason),
    system: select('system', [['', 'any'], ['warehouse', 'warehouse']], filters.system),
    min_value: number('min_value', filters.min_value_cents, 100, '0.01'),
    max_value: number('max_value', filters.max_value_cents, 100, '0.01'),
    min_age: number('min_age', filters.min_age_ms, 3600000, 'any'),
    max_age: number('max_age', filters.max_age_ms, 3600000, 'any'),
    limit: select('limit', kPageSizes.map((size) => [size, String(size)]), filters.limit),
  };
  const scaled = (input, scale) => (input.value === '' ? '' : String(Math.round(Number(input.value) * scale)));
  const submit = (event) => {
    event.preventDefault();
    page.navigate({
      site: controls.site.value.trim(), state: controls.state.value, classification: controls.classification.value,
      reason: controls.reason.value, system: controls.system.value,
      min_value_cents: scaled(controls.min_value, 100), max_value_cents: scaled(controls.max_value, 100),
      min_age_ms: scaled(controls.min_age, 3600000), max_age_ms: scaled(controls.max_age, 3600000),
      sort: filters.sort, limit: controls.limit.value, offset: 0,
    });
  };
  return el('form', {class: 'filters', 'aria-label': 'Filter the queue', on: {submit}},
            field('Site', controls.site), field('State', controls.state), field('Classification', controls.classification),
            field('Adjust reason', controls.reason), field('System', controls.system),
            field('Value at least', controls.min_value), field('Value at most', controls.max_value),
            field('Age at least (hours)', controls.min_age), field('Age at most (hours)', controls.max_age),
            field('Per page', controls.limit),
            el('div', {class: 'actions'}, el('button', {type: 'submit'}, 'Apply filters'),
               el('a', {class: 'button secondary', href: '#/queue'}, 'Reset')));
}

function render(page, listing, results, filters, answer, selection, reload) {
  const rows = answer.discrepancies;
  const approvable = rows.filter((row) => mayApprove(page.session, row));
  for (const id of [...selection.ids]) {
    if (!approvable.some((row) => row.id === id)) selection.ids.delete(id);
  }
  const bulk = approvable.length > 0 ? bulkBar(results, selection, reload) : null;
  const head = [
    bulk ? el('th', {scope: 'col'}, el('span', {class: 'visually-hidden'}, 'Select')) : null,
    ...['ID', 'Position', 'State', 'Classification', 'Counted', 'Expected', 'Variance', 'Value', 'Age', 'Updated'].map(
      (column) => sortHeader(page, filters, column)),
  ].filter(Boolean);
  const first = answer.total === 0 ? 0 : answer.offset + 1;
  const last = answer.offset + rows.length;
  replace(listing, bulk,
          table(`Discrepancies ${first}–${last} of ${answer.total}`, head,
                rows.map((row) => queueRow(row, bulk ? approvable.includes(row) : null, selection.ids, bulk))),
          rows.length === 0 ? message('info', 'No discrepancies match these filters.') : null,
          pager(page, filters, answer));
}

function sortHeader(page, filters, column) {
  const key = kSortable[column];
  if (!key) return el('th', {scope: 'col'}, column);
  const descending = filters.sort === `-${key}`;
  const active = filters.sort === key || descending;
  const next = active && !descending ? `-${key}` : key;
  return el('th', {scope: 'col', 'aria-sort': active ? (descending ? 'descending' : 'ascending') : null},
            el('button', {type: 'button', class: 'sort', 'data-focus-key': `sort-${key}`,
                          on: {click: () => page.navigate({...filters, sort: next, offset: 0})}},
               column, el('span', {'aria-hidden': 'true'}, active ? (descending ? ' ▼' : ' ▲') : ''),
               el('span', {class: 'visually-hidden'}, active ? `, sorted ${descending ? 'descending' : 'ascending'}` : ', sort')));
}

// `checkable`: null when the table has no selection column, else whether this row may be ticked.
function queueRow(row, checkable, selected, bulk) {
  const box = checkable === null ? null
    : el('td', {}, checkable
      ? el('input', {type: 'checkbox', 'aria-label': `Select discrepancy ${row.id}`, checked: selected.has(row.id),
                     'data-focus-key': `select-${row.id}`,
                     on: {change: (event) => {
                       if (event.target.checked) selected.add(row.id); else selected.delete(row.id);
                       bulk.update();
                     }}})
      : el('span', {class: 'note', title: 'not yours to approve in this state or at this value'}, '–'));
  return el('tr', {dataset: {id: row.id}},
            box,
            el('th', {scope: 'row'}, el('a', {href: `#/discrepancy/${row.id}`, 'data-focus-key': `open-${row.id}`}, `#${row.id}`)),
            el('td', {}, position(row)), el('td', {}, badge(row.state)), el('td', {}, words(row.classification)),
            el('td', {class: 'num'}, row.counted), el('td', {class: 'num'}, row.expected),
            el('td', {class: 'num'}, row.variance > 0 ? `+${row.variance}` : row.variance),
            el('td', {class: 'num'}, cents(row.value_cents)), el('td', {class: 'num'}, duration(row.age_ms)),
            el('td', {}, time(row.updated_ms)));
}

// The bulk approve bar: a reason, and a button that names how many are ticked.
function bulkBar(results, selection, reload) {
  const selected = selection.ids;
  const reason = select('reason', kReasons.map((code) => [code, words(code)]), selection.reason);
  reason.dataset.focusKey = 'bulk-reason';
  reason.addEventListener('change', () => { selection.reason = reason.value; });
  const button = el('button', {type: 'submit', 'data-focus-key': 'bulk-approve'});
  const form = el('form', {class: 'bulk', 'aria-label': 'Approve the selected discrepancies', on: {submit: async (event) => {
    event.preventDefault();
    if (selected.size === 0) return;
    button.disabled = true;
    try {
      const answer = await api('/api/v1/discrepancies/resolve',
                               {method: 'POST', body: {ids: [...selected], action: 'approve', reason: reason.value}});
      replace(results, bulkResults(answer.results));
      selected.clear();
    } catch (error) {
      replace(results, message('error', `Nothing was approved: ${error.describe()}`));
      button.disabled = false;
    }
    await reload();
  }}}, field('Reason', reason), button);
  form.update = () => {
    button.textContent = selected.size === 0 ? 'Approve selected (none ticked)' : `Approve ${selected.size} selected`;
    button.disabled = selected.size === 0;
  };
  form.update();
  return form;
}

function bulkResults(entries) {
  const done = entries.filter((entry) => entry.ok).length;
  return el('div', {class: 'bulk-results'},
            message(done === entries.length ? 'ok' : 'error', `${done} of ${entries.length} approved.`),
            el('ul', {}, entries.map((entry) => el('li', {class: entry.ok ? 'ok' : 'refused'},
              el('a', {href: `#/discrepancy/${entry.id}`}, `#${entry.id}`), ': ',
              entry.ok ? `approved, now ${words(entry.discrepancy.state)}` : `refused (${entry.error.code}): ${entry.error.message}`))));
}

function pager(page, filters, answer) {
  const limit = Number(answer.limit);
  const previous = Math.max(0, answer.offset - limit);
  const next = answer.offset + limit;
  return el('nav', {class: 'pager', 'aria-label': 'Pages of the queue'},
            el('button', {type: 'button', disabled: answer.offset === 0, on: {click: () => page.navigate({...filters, offset: previous})}},
               'Previous page'),
            el('span', {}, `Page ${Math.floor(answer.offset / limit) + 1} of ${Math.max(1, Math.ceil(answer.total / limit))} · ${answer.total} in all`),
            el('button', {type: 'button', disabled: next >= answer.total, on: {click: () => page.navigate({...filters, offset: next})}},
               'Next page'));
}
