// Drift origin (#/drift?site=S[&sku=K[&location=L[&lot=T]]][&system=Y]): when and where the ledger
// and the counts (or a connected system's reports) began to disagree for good (GET /api/v1/drift). A site or SKU lists its drifting
// positions, earliest origin first; a position shows its origin, the last count that agreed, the
// ranked candidate explanations with their evidence and the events around the origin.
import {api} from './api.js';
import {el, field, message, position, replace, table, time, words} from './dom.js';
import {timeline} from './page_detail.js';

const kFields = [['site', 'Site'], ['sku', 'SKU'], ['location', 'Location'], ['lot', 'Lot'],
                 ['system', 'System (empty: the floor\'s counts)']];

export async function show(page) {
  const values = Object.fromEntries(kFields.map(([name]) => [name, page.params.get(name) ?? '']));
  const inputs = kFields.map(([name, text]) =>
    [name, field(text, el('input', {name, type: 'text', value: values[name], autocomplete: 'off'}))]);
  const form = el('form', {class: 'filters', 'aria-label': 'Choose what to trace', on: {submit: (event) => {
    event.preventDefault();
    page.navigate(Object.fromEntries(inputs.map(([name, wrap]) => [name, wrap.querySelector('input').value.trim()])));
  }}}, inputs.map(([, wrap]) => wrap), el('div', {class: 'actions'}, el('button', {type: 'submit'}, 'Trace drift')));
  const body = el('div');
  page.view.append(el('h1', {tabindex: -1}, 'Drift origin'), form, body);
  if (!values.site) {
    replace(body, message('info', 'Name a site; add a SKU for its locations, and a location for one position.'));
    return;
  }
  const query = Object.fromEntries(Object.entries(values).filter(([, value]) => value));
  const report = await api('/api/v1/drift', {query});
  if (report.drifts.length === 0) {
    replace(body, message('ok', report.system === 'warehouse'
      ? `No drift: all ${report.positions_examined} positions examined agree with their latest count.`
      : `No drift: all ${report.positions_examined} subjects examined agree with ${report.system}'s latest report.`));
  } else if (report.scope === 'position' || (report.system !== 'warehouse' && report.sku && report.drifts.length === 1)) {
    replace(body, ...positionDrift(report.drifts[0]));
  } else {
    replace(body, driftList(report));
  }
}

function signed(value) {
  return value > 0 ? `+${value}` : String(value);
}

function observation(drift, seen) {
  const versus = `where the ledger held ${seen.expected} (${signed(seen.variance)})`;
  return drift.system === 'warehouse' ? `counted ${seen.counted} ${versus} by ${seen.user || '–'}, ${time(seen.time_ms)}`
    : `${drift.system} reported ${seen.counted} ${versus} as of ${time(seen.time_ms)}`;
}

// A connected system's subject over a whole site has no location.
function subject(drift) {
  return drift.location ? position(drift) : `${drift.site}/(whole site)/${drift.sku}`;
}

function fact(term, value) {
  return el('div', {}, el('dt', {}, term), el('dd', {}, value));
}

function driftList(report) {
  const rows = report.drifts.map((drift) => {
    const top = drift.candidates[0];
    const href = `#/drift?${new URLSearchParams({site: drift.site, sku: drift.sku, location: drift.location,
                                                 ...(drift.lot ? {lot: drift.lot} : {}),
                                                 ...(drift.system !== 'warehouse' ? {system: drift.system} : {})})}`;
    return el('tr', {},
      el('th', {scope: 'row'}, el('a', {href}, subject(drift))), el('td', {}, time(drift.origin.time_ms)),
      el('td', {class: 'num'}, signed(drift.origin.variance)), el('td', {class: 'num'}, drift.diverged_observations),
      el('td', {}, top ? words(top.kind) : '–'), el('td', {class: 'num'}, top ? top.score : '–'));
  });
  const shown = `${report.drifts.length} of ${report.positions_drifting} drifting positions (${report.positions_examined} examined)`;
  return el('div', {},
    table(`Drifting positions, earliest origin first: ${shown}`,
          ['Position', 'Origin', 'Variance', 'Counts since', 'Top candidate', 'Score'], rows),
    report.truncated ? message('info', 'More positions drift than are shown: narrow by SKU, or ask the API with a higher limit.') : null);
}

function positionDrift(drift) {
  return [
    el('dl', {class: 'facts'},
       fact('Position', subject(drift)), fact('Origin', observation(drift, drift.origin)),
       fact('Last agreed', drift.known_good ? observation(drift, drift.known_good) : 'nothing agreed before'),
       fact('Latest', observation(drift, drift.latest)), fact('Disagreeing observations', drift.diverged_observations)),
    el('h2', {}, 'Candidate explanations'),
    drift.candidates.length === 0 ? message('info', 'No candidate explains this drift; read the events below.')
      : table('Candidate explanations, best first', ['Score', 'Candidate', 'Explanation', 'Evidence (event ids)'],
              drift.candidates.map((candidate) => el('tr', {},
                el('td', {class: 'num'}, candidate.score), el('th', {scope: 'row'}, words(candidate.kind)),
                el('td', {}, candidate.explanation), el('td', {class: 'ids'}, candidate.evidence.join(' '))))),
    el('h2', {}, 'Events around the origin'),
    timeline(drift.around, 'Events around the origin, in event time'),
  ];
}
