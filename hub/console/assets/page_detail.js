// Discrepancy detail (#/discrepancy/ID): the facts, the position's timeline in event time with
// late arrivals marked, the transitions with who or what caused each, the recount tasks and who
// holds them, and the resolve actions the hub says this operator may take (allowed_actions).
import {api} from './api.js';
import {badge, cents, duration, el, field, kCaptionHidden, kReasons, message, position, replace, select, table, time, words} from './dom.js';

const kActionText = {'approve': 'Approve', 'write-off': 'Write off', 'reject': 'Reject'};
const kActionDone = {'approve': 'Approved', 'write-off': 'Written off', 'reject': 'Rejected'};

export async function show(page) {
  const id = Number(page.id);
  if (!Number.isInteger(id) || id < 1) {
    page.view.append(el('h1', {tabindex: -1}, 'Discrepancy'), message('error', `'${page.id}' is not a discrepancy id.`));
    return;
  }
  const heading = el('h1', {tabindex: -1}, `Discrepancy #${id}`);
  const outcome = el('div', {'aria-live': 'polite'});
  const body = el('div');
  page.view.append(el('p', {}, el('a', {href: '#/queue'}, '← Queue')), heading, outcome, body);
  // The reason an operator picked survives live redraws (a device taking the recount task
  // redraws the page): a reset to the default under their hand would record the wrong one.
  const choice = {reason: null};
  const load = async () => render(body, outcome, await api(`/api/v1/discrepancies/${id}`), choice, load);
  await page.follow([['discrepancy', (discrepancy) => discrepancy.id === id],
                     ['task', (task) => task.discrepancy_id === id]], load, {errors: outcome});
}

function render(body, outcome, d, choice, reload) {
  replace(body,
          el('dl', {class: 'facts'},
             fact('Position', position(d)), fact('State', badge(d.state)), fact('Classification', words(d.classification)),
             fact('Resolution', words(d.resolution)), fact('System', d.system ?? 'warehouse'),
             fact('Expected', d.expected), fact('Counted', d.counted),
             fact('Variance', d.variance > 0 ? `+${d.variance}` : d.variance), fact('Value', cents(d.value_cents)),
             fact('Round', d.round), fact('First counted by', d.first_user || '–'), fact('Opened', time(d.opened_ms)),
             fact('Age', duration(d.age_ms)), fact('Updated', time(d.updated_ms)), fact('Closed', time(d.closed_ms)),
             d.adjust_reason ? fact('Adjusted', `${d.adjust_qty} (${words(d.adjust_reason)}), ${cents(d.adjust_value_cents)}`) : null),
          resolveForm(d, outcome, choice, reload),
          d.snapshot ? systemReport(d) : null,
          el('h2', {}, 'Timeline in event time'),
          timeline(d.timeline ?? []),
          el('h2', {}, 'Recount tasks'),
          d.tasks.length === 0 ? message('info', 'No recount task was raised.')
            : table('Recount tasks', ['Task', 'Round', 'Not by', 'State', 'Held by', 'Received', 'Finished'],
                    d.tasks.map((task) => el('tr', {},
                      el('th', {scope: 'row'}, task.task_id), el('td', {class: 'num'}, task.round), el('td', {}, task.exclude_user),
                      el('td', {}, badge(task.state)), el('td', {}, task.held_by || task.acked_device || '–'),
                      el('td', {}, time(task.acked_ms)), el('td', {}, time(task.finished_ms)))), kCaptionHidden),
          el('h2', {}, 'Transitions'),
          table('Transitions', ['When', 'From', 'To', 'By', 'Cause'],
                d.transitions.map((step) => el('tr', {},
                  el('td', {}, time(step.at_ms)), el('td', {}, step.from ? words(step.from) : '–'),
                  el('th', {scope: 'row'}, words(step.to)),
                  el('td', {}, step.actor.id ? `${step.actor.kind} ${step.actor.id}` : step.actor.kind),
                  el('td', {}, step.cause))), kCaptionHidden));
}

// What the connected system reported: the compared quantity against the ledger at the report's
// as-of time, its own names, the other figures its file gave (shown, never compared), and the
// claims an operator recorded with a read-only system (recountctl claim).
function systemReport(d) {
  const snapshot = d.snapshot;
  const figures = Object.entries(snapshot.figures ?? {});
  return el('section', {'aria-label': 'System report'},
            el('h2', {}, `What ${d.system} reported`),
            el('dl', {class: 'facts'},
               fact('Reported', snapshot.reported), fact('Ledger at as-of', snapshot.expected_at_as_of ?? '–'),
               fact('As of', time(snapshot.as_of_ms)), fact('Report', snapshot.kind),
               snapshot.system_sku ? fact('As', `${snapshot.item_ref || snapshot.system_sku} at ${snapshot.system_location || 'the whole site'}`) : null,
               d.proposal ? fact('Proposed action', words(d.proposal)) : null),
            figures.length === 0 ? null
              : table('Other figures', ['Figure', 'Quantity'],
                      figures.map(([name, value]) => el('tr', {}, el('th', {scope: 'row'}, words(name)), el('td', {class: 'num'}, value)))),
            (d.claims ?? []).length === 0 ? null
              : table('Claims with the system', ['When', 'Case', 'State', 'By', 'Note'],
                      d.claims.map((claim) => el('tr', {},
                        el('td', {}, time(claim.at_ms)), el('th', {scope: 'row'}, claim.case_id), el('td', {}, words(claim.state)),
                        el('td', {}, claim.actor), el('td', {}, claim.note || '–')))));
}

function fact(term, value) {
  return el('div', {}, el('dt', {}, term), el('dd', {}, value));
}

// The position's entries in event time; an entry stored after later ones had arrived is marked
// with how late it came (late_ms), since it changed what those later counts were judged against.
// A position's history lines (as GET /api/v1/positions/history gives them) with late arrivals
// marked; the drift page shows the events around an origin with it.
export function timeline(entries, caption = 'Timeline') {
  if (entries.length === 0) return message('info', 'The hub gave no timeline for this position.');
  return table(caption, ['Event time', 'Type', 'Qty', 'Delta', 'Balance', 'Device', 'User', 'Reason / ref', 'Arrived', 'Late'],
               entries.map((entry) => el('tr', {class: entry.late_ms > 0 ? 'late' : null},
                 el('td', {}, time(entry.wall_ms)), el('th', {scope: 'row'}, words(entry.type)),
                 el('td', {class: 'num'}, entry.qty), el('td', {class: 'num'}, entry.delta), el('td', {class: 'num'}, entry.balance),
                 el('td', {}, entry.device || 'hub'), el('td', {}, entry.user || '–'),
                 el('td', {}, [entry.reason, entry.reference, entry.task_id].filter(Boolean).join(' · ') || '–'),
                 el('td', {}, time(entry.arrived_ms)),
                 el('td', {}, entry.late_ms > 0 ? el('span', {class: 'badge badge-late'}, `late by ${duration(entry.late_ms)}`) : '–'))),
               kCaptionHidden);
}

// One button per action the hub allows this operator here, with the adjustment's reason (the
// operator's `choice` once they made one).
function resolveForm(d, outcome, choice, reload) {
  const actions = d.allowed_actions ?? [];
  if (actions.length === 0) {
    return message('info', d.state === 'closed' ? 'Closed: nothing left to decide.' : 'Your role has no resolve action on this discrepancy in its state.');
  }
  const reason = select('reason', kReasons.map((code) => [code, words(code)]),
                        choice.reason ?? (d.variance < 0 ? 'shrinkage' : 'found'));
  reason.dataset.focusKey = 'reason';
  reason.addEventListener('change', () => { choice.reason = reason.value; });
  const decide = async (action, button) => {
    button.disabled = true;
    try {
      const answer = await api(`/api/v1/discrepancies/${d.id}/resolve`, {method: 'POST', body: {action, reason: reason.value}});
      replace(outcome, message('ok', `${kActionDone[action] ?? action}: discrepancy #${d.id} is now ${words(answer.discrepancy.state)}` +
                                         ` (${words(answer.discrepancy.resolution)}).`));
      await reload();
    } catch (error) {
      button.disabled = false;
      replace(outcome, message('error', `The hub refused: ${error.describe()}`));
    }
  };
  return el('form', {class: 'resolve', 'aria-label': 'Resolve', on: {submit: (event) => event.preventDefault()}},
            field('Reason', reason),
            actions.map((action) => el('button', {type: 'button', class: action === 'reject' ? 'secondary' : null,
                                                   'data-focus-key': `resolve-${action}`,
                                                   on: {click: (event) => decide(action, event.currentTarget)}},
                                        kActionText[action] ?? action)));
}
