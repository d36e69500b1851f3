// Audit (#/audit?kind=…&actor=…&from_ms=…&to_ms=…&after=N): the hash-chained log, filtered and
// paged by the hub (GET /api/v1/audit), and a button that has the hub verify the whole chain
// (GET /api/v1/audit/verify).
import {api} from './api.js';
import {el, field, message, replace, table, time} from './dom.js';

// <input type=datetime-local> holds local time without a zone; the API takes Unix ms.
function toInput(ms) {
  if (!ms) return '';
  const d = new Date(Number(ms));
  return new Date(d.getTime() - d.getTimezoneOffset() * 60000).toISOString().slice(0, 16);
}

function fromInput(value) {
  return value === '' ? '' : String(new Date(value).getTime());
}

export async function show(page) {
  const query = {
    kind: page.params.get('kind') ?? '', actor: page.params.get('actor') ?? '', from_ms: page.params.get('from_ms') ?? '',
    to_ms: page.params.get('to_ms') ?? '', after: page.params.get('after') ?? '', limit: 100,
  };
  const kind = el('input', {name: 'kind', type: 'text', value: query.kind, placeholder: 'e.g. reconcile.', autocomplete: 'off'});
  const actor = el('input', {name: 'actor', type: 'text', value: query.actor, autocomplete: 'off'});
  const from = el('input', {name: 'from', type: 'datetime-local', value: toInput(query.from_ms)});
  const to = el('input', {name: 'to', type: 'datetime-local', value: toInput(query.to_ms)});
  const filters = el('form', {class: 'filters', 'aria-label': 'Filter the audit log', on: {submit: (event) => {
    event.preventDefault();
    page.navigate({kind: kind.value.trim(), actor: actor.value.trim(), from_ms: fromInput(from.value), to_ms: fromInput(to.value)});
  }}}, field('Kind starts with', kind), field('Actor', actor), field('From', from), field('To', to),
  el('div', {class: 'actions'}, el('button', {type: 'submit'}, 'Apply filters'),
     el('a', {class: 'button secondary', href: '#/audit'}, 'Reset')));
  const verdict = el('div', {'aria-live': 'polite'});
  const verify = el('button', {type: 'button', on: {click: async () => {
    verify.disabled = true;
    replace(verdict, message('info', 'Verifying the chain and the events it records…'));
    try {
      const result = await api('/api/v1/audit/verify');
      replace(verdict, result.intact
        ? message('ok', `Audit log intact: ${result.entries} entries, head ${result.head_hash}.`)
        : message('error', `Audit log broken at entry ${result.broken_id}: ${result.problem} (${result.entries} entries before it verify).`));
    } catch (error) {
      replace(verdict, message('error', `Verification failed: ${error.describe()}`));
    }
    verify.disabled = false;
  }}}, 'Verify the audit log');
  page.view.append(el('h1', {tabindex: -1}, 'Audit log'), filters, el('div', {class: 'verify'}, verify, verdict));
  const answer = await api('/api/v1/audit', {query});
  page.view.append(
    answer.entries.length === 0 ? message('info', 'No audit entries match these filters.')
      : table(`Audit entries ${answer.entries[0].id} to ${answer.entries.at(-1).id}`, ['ID', 'At', 'Kind', 'Subject', 'Detail'],
              answer.entries.map((entry) => el('tr', {},
                el('th', {scope: 'row'}, entry.id), el('td', {}, time(entry.at_ms)), el('td', {}, entry.kind),
                el('td', {}, entry.subject), el('td', {class: 'detail'}, el('code', {}, JSON.stringify(entry.detail)))))),
    el('nav', {class: 'pager', 'aria-label': 'Pages of the audit log'},
       el('button', {type: 'button', disabled: !query.after, on: {click: () => page.navigate({...query, after: '', limit: ''})}},
          'First page'),
       el('button', {type: 'button', disabled: answer.next_after === null,
                     on: {click: () => page.navigate({...query, after: answer.next_after, limit: ''})}}, 'Next page')));
}
