// Unknown barcodes (#/unknown?site=S&state=open|mapped|all): scans no device could resolve, held
// on the devices; an admin maps a barcode to a SKU and pack size once (POST
// /api/v1/unknown-barcodes/map), the hub republishes the catalog and the devices apply the held scans.
import {api} from './api.js';
import {el, field, message, replace, siteStateFilters, table, time} from './dom.js';
import {roleAtLeast} from './roles.js';

export async function show(page) {
  const {form: filters, site, state} = siteStateFilters(page, 'Filter unknown barcodes', ['open', 'mapped', 'all'], 'open');
  const outcome = el('div', {'aria-live': 'polite'});
  const listing = el('div');
  const admin = roleAtLeast(page.session, 'admin');
  const form = admin ? mapForm(outcome, () => load()) : null;
  page.view.append(el('h1', {tabindex: -1}, 'Unknown barcodes'), filters, outcome,
                   admin ? form : message('info', 'Mapping a barcode needs the admin role.'), listing);
  const load = async () => {
    const answer = await api('/api/v1/unknown-barcodes', {query: {site, state}});
    replace(listing, answer.barcodes.length === 0 ? message('info', 'No unknown barcodes.')
      : table(`Unknown barcodes: ${answer.barcodes.length}`,
              ['Barcode', 'Site', 'Scans', 'Devices', 'First seen', 'Last seen', 'State', 'Mapped to', 'Applied', admin ? 'Action' : null].filter(Boolean),
              answer.barcodes.map((entry) => el('tr', {},
                el('th', {scope: 'row'}, el('code', {}, entry.barcode)), el('td', {}, entry.site),
                el('td', {class: 'num'}, entry.scans), el('td', {}, entry.devices.join(', ')),
                el('td', {}, time(entry.first_seen_ms)), el('td', {}, time(entry.last_seen_ms)), el('td', {}, entry.state),
                el('td', {}, entry.sku ? `${entry.sku} × ${entry.pack_qty} (by ${entry.mapped_by}, ${time(entry.mapped_ms)})` : '–'),
                el('td', {}, entry.sku ? (entry.applied ? 'yes' : 'not yet') : '–'),
                admin ? el('td', {}, entry.state === 'open'
                  ? el('button', {type: 'button', class: 'secondary', on: {click: () => form.fill(entry)},
                                  // JSON keeps site "a-b" with barcode "c" apart from site "a" with barcode "b-c".
                                  'data-focus-key': JSON.stringify(['map', entry.site, entry.barcode])},
                       `Map ${entry.barcode}`)
                  : '–') : null))));
  };
  await page.follow(['unknown_barcode'], load, {errors: listing});
}

// The map form: site and barcode (filled by a row's Map button or typed), SKU and pack size.
function mapForm(outcome, reload) {
  const site = el('input', {name: 'site', type: 'text', required: true, autocomplete: 'off'});
  const barcode = el('input', {name: 'barcode', type: 'text', required: true, autocomplete: 'off'});
  const sku = el('input', {name: 'sku', type: 'text', required: true, autocomplete: 'off'});
  const pack = el('input', {name: 'pack_qty', type: 'number', min: 1, step: 1, value: '1', required: true});
  const form = el('form', {class: 'map', 'aria-label': 'Map a barcode to an item', on: {submit: async (event) => {
    event.preventDefault();
    try {
      const entry = await api('/api/v1/unknown-barcodes/map', {method: 'POST', body: {
        site: site.value.trim(), barcode: barcode.value.trim(), sku: sku.value.trim(), pack_qty: Number(pack.value)}});
      replace(outcome, message('ok', `Mapped ${entry.barcode} at ${entry.site} to ${entry.sku} × ${entry.pack_qty}; ` +
                                        'the catalog is republished and the devices apply the held scans.'));
      sku.value = '';
      await reload();
    } catch (error) {
      replace(outcome, message('error', `Not mapped: ${error.describe()}`));
    }
  }}},
  el('h2', {}, 'Map a barcode'),
  el('div', {class: 'row'}, field('Site', site), field('Barcode', barcode), field('SKU', sku), field('Pack size (units)', pack),
     el('div', {class: 'actions'}, el('button', {type: 'submit'}, 'Map barcode'))));
  form.fill = (entry) => {
    site.value = entry.site;
    barcode.value = entry.barcode;
    sku.focus();
  };
  return form;
}
