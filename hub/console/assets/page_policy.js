// Policy (#/policy): the tolerance policy in force and its versions (GET /api/v1/policy, and the
// reconcile.policy entries of the audit log, which hold every version as it was set), an editor
// for a candidate, its what-if preview over the last days of counts (POST
// /api/v1/policy/what-if, which changes nothing) and, for admins, Save (PUT /api/v1/policy).
import {api} from './api.js';
import {cents, el, field, message, position, replace, table, time, words} from './dom.js';
import {roleAtLeast} from './roles.js';

const kOutcomes = ['flagged', 'accepted', 'recount', 'adjusted', 'approval'];
const kOutcomeText = {
  flagged: 'Flagged (not accepted)', accepted: 'Auto-accepted', recount: 'Sent to recount', adjusted: 'Auto-adjusted',
  approval: 'Sent to approval',
};

// "3 · 12.50": counts and their value.
function tally(figures) {
  return `${figures.counts} · ${cents(figures.value_cents)}`;
}

// "3 · 12.50 → 1 · 2.50", or one side when the candidate changes nothing.
function change(current, candidate) {
  const [before, after] = [tally(current), tally(candidate)];
  return before === after ? before : `${before} → ${after}`;
}

function limitsText(limits) {
  const parts = Object.entries(limits ?? {}).map(([name, value]) => `${words(name)} ${value}`);
  return parts.length === 0 ? 'any' : parts.join(', ');
}

function scopeText(scope) {
  const parts = Object.entries(scope ?? {}).map(([name, value]) => `${words(name)} ${value}`);
  return parts.length === 0 ? 'everything' : parts.join(', ');
}

function inForce(answer) {
  const policy = answer.policy;
  const facts = [
    ['Version', answer.version === 0 ? '0 (the built-in default)' : answer.version],
    ['Set', answer.set_ms === null ? '–' : `${time(answer.set_ms)} by ${answer.set_by}`],
    ['Ambiguity window', `${policy.ambiguity_window_ms} ms`], ['Settle delay', `${policy.settle_delay_ms} ms`],
    ['Recount rounds', policy.max_recount_rounds], ['Approval limit', cents(policy.approval_limit_cents)],
  ];
  return [
    el('h2', {}, 'In force'),
    el('dl', {class: 'facts'}, facts.map(([name, value]) => el('div', {}, el('dt', {}, name), el('dd', {}, value)))),
    policy.tolerances.length === 0 ? message('info', 'No tolerance rules: any variance is out of tolerance.')
      : table('Tolerance rules in force (the most specific matching rule wins)', ['Applies to', 'Shortage', 'Overage'],
              policy.tolerances.map((rule) => el('tr', {}, el('th', {scope: 'row'}, scopeText(rule.scope)),
                                                 el('td', {}, limitsText(rule.shortage)),
                                                 el('td', {}, limitsText(rule.overage))))),
  ];
}

// Every stored version, newest first, from the audit log; each can be loaded into the editor.
function versions(entries, load) {
  if (entries.length === 0) return message('info', 'No policy has been set: the built-in default is in force.');
  return table('Policy versions, newest first', ['Version', 'Set', 'By', 'Editor'],
               entries.slice().reverse().map((entry) => {
                 const version = entry.subject.replace('policy/', '');
                 return el('tr', {dataset: {version}}, el('th', {scope: 'row'}, version), el('td', {}, time(entry.at_ms)),
                           el('td', {}, entry.detail.actor ?? '–'),
                           el('td', {}, el('button', {type: 'button', class: 'secondary',
                                                      on: {click: () => load(entry.detail.policy)}},
                                           `Load version ${version}`)));
               }));
}

function preview(answer) {
  const where = answer.site === null ? 'every site' : `site ${answer.site}`;
  const parts = [
    message(answer.changed === 0 ? 'info' : 'ok',
            `Over the last ${answer.days} days (since ${time(answer.since_ms)}), ${where}: ${answer.counts} counts; ` +
            `the candidate changes the verdict or outcome of ${answer.changed}, against version ` +
            `${answer.policy_in_force.version}. Nothing was saved.`),
    table('Outcomes of the counts: number · value', ['Outcome', 'Policy in force', 'Candidate'],
          kOutcomes.map((outcome) => el('tr', {dataset: {outcome}}, el('th', {scope: 'row'}, kOutcomeText[outcome]),
                                        el('td', {class: 'num'}, tally(answer.current[outcome])),
                                        el('td', {class: 'num'}, tally(answer.candidate[outcome]))))),
  ];
  if (answer.rows.length > 0) {
    parts.push(table('By site and item class: in force → candidate', ['Site', 'Class', 'Counts', 'Changed',
                     ...kOutcomes.map((outcome) => kOutcomeText[outcome])],
                     answer.rows.map((row) => el('tr', {},
                       el('th', {scope: 'row'}, row.site), el('td', {}, row.item_class || '(none)'),
                       el('td', {class: 'num'}, row.counts), el('td', {class: 'num'}, row.changed),
                       kOutcomes.map((outcome) => el('td', {class: 'num'},
                                                     change(row.current[outcome], row.candidate[outcome])))))));
  }
  parts.push(answer.examples.length === 0 ? message('info', 'No count changes its verdict or outcome.')
    : table('Examples of counts the candidate changes', ['Position', 'Counted at', 'Counted', 'Expected', 'Variance',
                                                         'Value', 'Verdict', 'Outcome'],
            answer.examples.map((example) => el('tr', {dataset: {group: example.group_id}},
              el('th', {scope: 'row'}, position(example)), el('td', {}, time(example.time_ms)),
              el('td', {class: 'num'}, example.counted), el('td', {class: 'num'}, example.expected),
              el('td', {class: 'num'}, example.variance), el('td', {class: 'num'}, cents(example.value_cents)),
              el('td', {}, `${words(example.verdict_before)} → ${words(example.verdict_after)}`),
              el('td', {}, `${words(example.before)} → ${words(example.after)}`)))));
  return parts;
}

export async function show(page) {
  const admin = roleAtLeast(page.session, 'admin');
  const current = el('section', {'aria-label': 'The policy in force'});
  const history = el('section', {'aria-label': 'Policy versions'});
  const outcome = el('div', {'aria-live': 'polite'});
  const editor = el('textarea', {name: 'policy', rows: 16, spellcheck: 'false', autocomplete: 'off'});
  const days = el('input', {name: 'days', type: 'number', min: 1, max: 366, step: 1, value: '30', required: true});
  const site = el('input', {name: 'site', type: 'text', autocomplete: 'off', placeholder: 'every site'});
  const reevaluate = el('input', {name: 'reevaluate', type: 'checkbox'});
  const load = (policy) => {
    editor.value = JSON.stringify(policy, null, 2);
    editor.focus();
  };
  // Sends the editor's document; the hub checks every member and names the one it refuses.
  const send = async (path, {failure, ...options}) => {
    let body;
    try {
      body = JSON.parse(editor.value);
    } catch (error) {
      replace(outcome, message('error', `${failure}: the candidate is not JSON (${error.message}).`));
      return null;
    }
    try {
      return await api(path, {...options, body});
    } catch (error) {
      replace(outcome, message('error', `${failure}: ${error.describe()}`));
      return null;
    }
  };
  const form = el('form', {class: 'editor', 'aria-label': 'Candidate policy', on: {submit: async (event) => {
    event.preventDefault();
    replace(outcome, message('info', 'Judging the counts under both policies…'));
    const answer = await send('/api/v1/policy/what-if', {method: 'POST', query: {days: days.value, site: site.value.trim()},
                                                         failure: 'No preview'});
    if (answer) replace(outcome, el('h2', {}, 'What-if preview'), preview(answer));
  }}},
  el('h2', {}, 'Candidate'),
  field('Candidate policy (JSON, as docs/reconciliation.md describes)', editor),
  el('div', {class: 'row'}, field('Last days of counts', days), field('Site (empty: every site)', site),
     el('div', {class: 'actions'}, el('button', {type: 'submit'}, 'Preview what-if'))),
  admin ? el('div', {class: 'row save'},
             el('div', {class: 'check'}, reevaluate, el('label', {for: 'policy-reevaluate'}, 'Re-judge every count on save')),
             el('div', {class: 'actions'}, el('button', {type: 'button', class: 'secondary', on: {click: async () => {
               const answer = await send('/api/v1/policy', {method: 'PUT', query: {reevaluate: reevaluate.checked ? 'true' : ''},
                                                            failure: 'Not saved'});
               if (!answer) return;
               await refresh();
               replace(outcome, message('ok', `Saved: version ${answer.version} is in force, set by ${answer.set_by}` +
                 (answer.reevaluation ? `; ${answer.reevaluation.groups_rejudged} counts re-judged.` : '.')));
             }}}, 'Save as the policy in force')))
    : message('info', 'Saving a policy needs the admin role; anyone may preview one.'));
  reevaluate.id = 'policy-reevaluate';
  page.view.append(el('h1', {tabindex: -1}, 'Policy'), current, form, outcome, history);
  const refresh = async () => {
    const [answer, audit] = await Promise.all([api('/api/v1/policy'),
                                               api('/api/v1/audit', {query: {kind: 'reconcile.policy', limit: 1000}})]);
    replace(current, inForce(answer));
    replace(history, el('h2', {}, 'Versions'), versions(audit.entries, load));
    return answer;
  };
  const answer = await refresh();
  editor.value = JSON.stringify(answer.policy, null, 2);
}
