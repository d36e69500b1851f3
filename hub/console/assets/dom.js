// Building the page from data without innerHTML (every text goes through textContent), and the
// formats the pages share: money, times, durations, states.

// el('td', {class: 'num', dataset: {id: 3}}, 'text', child): an element with attributes, event
// listeners (on: {click: fn}) and children (strings become text nodes; null/false are skipped).
export function el(tag, attributes = {}, ...children) {
  const svg = ['svg', 'polyline', 'circle', 'rect', 'line', 'title', 'g', 'text'].includes(tag);
  const node = svg ? document.createElementNS('http://www.w3.org/2000/svg', tag) : document.createElement(tag);
  for (const [name, value] of Object.entries(attributes)) {
    if (value === null || value === undefined || value === false) continue;
    if (name === 'on') {
      for (const [event, handler] of Object.entries(value)) node.addEventListener(event, handler);
    } else if (name === 'dataset') {
      Object.assign(node.dataset, value);
    } else if (name === 'value' && !svg) {
      node.value = value;
    } else if (name === 'checked' || name === 'disabled' || name === 'selected') {
      node[name] = Boolean(value);
    } else {
      node.setAttribute(name, value === true ? '' : String(value));
    }
  }
  append(node, children);
  return node;
}

function append(node, children) {
  for (const child of children.flat(Infinity)) {
    if (child === null || child === undefined || child === false) continue;
    node.append(child instanceof Node ? child : document.createTextNode(String(child)));
  }
}

// Replaces everything inside `node` with `children`. Live updates redraw whole tables and forms,
// so a keyboard user's place must survive them: the control that had the focus gets it back in
// the new content (the one with the same data-focus-key), or, when it is gone (an acknowledged
// alert has no button any more), the table region it was in does, instead of the page's top.
export function replace(node, ...children) {
  const focused = node.contains(document.activeElement) ? document.activeElement : null;
  const key = focused?.dataset?.focusKey;
  const inTable = Boolean(focused?.closest('.table-wrap'));
  node.replaceChildren();
  append(node, children);
  if (focused) {
    const again = key ? node.querySelector(`[data-focus-key="${CSS.escape(key)}"]`) : null;
    (again ?? (inTable ? node.querySelector('.table-wrap') : null))?.focus();
  }
  return node;
}

// A labelled control: <div class="field"><label for=id>text</label>control</div>.
export function field(text, control) {
  if (!control.id) control.id = `f-${++fieldCount}`;
  return el('div', {class: 'field'}, el('label', {for: control.id}, text), control);
}
let fieldCount = 0;

// A <select> of [value, text] pairs with `selected` chosen.
export function select(name, options, selected) {
  return el('select', {name},
            options.map(([value, text]) => el('option', {value, selected: String(value) === String(selected ?? '')}, text)));
}

// A page's filter form of a Site field and a State select (of `states`, the names shown as they
// are) labelled `label`, which shows the page again with them. Returns the form and the page's
// current site and state (`fallback` when the route names none).
export function siteStateFilters(page, label, states, fallback) {
  const site = page.params.get('site') ?? '';
  const state = page.params.get('state') ?? fallback;
  const siteInput = el('input', {name: 'site', type: 'text', value: site, autocomplete: 'off'});
  const stateSelect = select('state', states.map((name) => [name, name]), state);
  const form = el('form', {class: 'filters', 'aria-label': label, on: {submit: (event) => {
    event.preventDefault();
    page.navigate({site: siteInput.value.trim(), state: stateSelect.value});
  }}}, field('Site', siteInput), field('State', stateSelect),
  el('div', {class: 'actions'}, el('button', {type: 'submit'}, 'Apply filters')));
  return {form, site, state};
}

// Whether a table's caption is shown or only read out (when a heading above already says it).
export const kCaptionShown = 'shown';
export const kCaptionHidden = 'hidden';

// A table whose header cells have scope="col"; `head` is a list of strings or <th> elements. It
// scrolls sideways inside its own region (focusable, so keyboards can scroll it) on narrow screens.
export function table(caption, head, rows, captionShown = kCaptionShown) {
  return el('div', {class: 'table-wrap', role: 'region', 'aria-label': caption, tabindex: 0},
            el('table', {}, el('caption', {class: captionShown === kCaptionHidden ? 'visually-hidden' : null}, caption),
               el('thead', {}, el('tr', {}, head.map((cell) => cell instanceof Node ? cell : el('th', {scope: 'col'}, cell)))),
               el('tbody', {}, rows)));
}

export function cents(value) {
  if (value === null || value === undefined) return '–';
  const sign = value < 0 ? '−' : '';
  const abs = Math.abs(value);
  return `${sign}${Math.floor(abs / 100).toLocaleString('en')}.${String(abs % 100).padStart(2, '0')}`;
}

// Unix ms as local date and time (the browser's zone), to the second; 0 and null mean never.
export function time(ms) {
  if (!ms) return '–';
  const d = new Date(ms);
  const pad = (n) => String(n).padStart(2, '0');
  return `${d.getFullYear()}-${pad(d.getMonth() + 1)}-${pad(d.getDate())} ${pad(d.getHours())}:${pad(d.getMinutes())}:${pad(d.getSeconds())}`;
}

// A duration in ms as its two largest units: "3d 4h", "2h 5m", "45s", "120 ms".
export function duration(ms) {
  if (ms === null || ms === undefined) return '–';
  const sign = ms < 0 ? '−' : '';
  let rest = Math.abs(Math.round(ms));
  if (rest < 1000) return `${sign}${rest} ms`;
  rest = Math.floor(rest / 1000);
  const units = [['d', 86400], ['h', 3600], ['m', 60], ['s', 1]];
  const parts = [];
  for (const [unit, size] of units) {
    if (rest >= size || (parts.length > 0 && parts.length < 2)) {
      parts.push(`${Math.floor(rest / size)}${unit}`);
      rest %= size;
    }
    if (parts.length === 2) break;
  }
  return sign + parts.join(' ');
}

export function percent(ratio) {
  return ratio === null || ratio === undefined ? '–' : `${(ratio * 100).toFixed(1)}%`;
}

// "recount_requested" → "recount requested".
export function words(name) {
  return String(name ?? '').replaceAll('_', ' ');
}

// A state as a badge whose colour class follows the state (text always says it too).
export function badge(state) {
  return el('span', {class: `badge badge-${state}`}, words(state));
}

// site/location/sku[/lot], as recountctl writes a position.
export function position(item) {
  return [item.site, item.location, item.sku, item.lot].filter((part) => part).join('/');
}

// The adjustment reason codes the hub accepts (docs/api.md, resolve).
export const kReasons = ['damage', 'expired', 'theft', 'found', 'return', 'data_entry_error', 'uom_error', 'count_error',
                         'misplaced', 'receiving_error', 'shrinkage', 'other'];

export const kStates = ['open', 'recount_requested', 'recounted', 'confirmed', 'awaiting_approval', 'awaiting_review',
                        'adjusted', 'closed'];

// A message box: kind is 'error', 'ok' or 'info'; role alert for errors so screen readers say it.
export function message(kind, ...text) {
  return el('p', {class: `msg msg-${kind}`, role: kind === 'error' ? 'alert' : 'status'}, text);
}
