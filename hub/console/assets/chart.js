// Small SVG charts drawn from the API's numbers (no chart library): a line of a measure's periods
// and a row of bars. Each is an image with a text alternative that says the same in words.
import {el} from './dom.js';

const kWidth = 300;
const kHeight = 80;
const kPad = 6;

// A line over `points` ([{from_ms, to_ms, value}], value null where nothing happened: a gap),
// `format` turning a value into text for the alternative, `label` naming the measure and its period.
export function trend(points, format, label) {
  const values = points.map((point) => point.value).filter((value) => value !== null);
  const top = Math.max(0, ...values);
  const bottom = Math.min(0, ...values);
  const span = top - bottom || 1;
  const x = (index) => kPad + (index * (kWidth - 2 * kPad)) / Math.max(1, points.length - 1);
  const y = (value) => kHeight - kPad - ((value - bottom) * (kHeight - 2 * kPad)) / span;
  const lines = [];
  let run = [];
  points.forEach((point, index) => {
    if (point.value === null) {
      if (run.length) lines.push(run);
      run = [];
    } else {
      run.push(`${x(index).toFixed(1)},${y(point.value).toFixed(1)}`);
    }
  });
  if (run.length) lines.push(run);
  const described = points.map((point) => (point.value === null ? 'none' : format(point.value))).join(', ');
  const text = `${label}, oldest to newest: ${described}`;
  return el('svg', {class: 'chart', viewBox: `0 0 ${kWidth} ${kHeight}`, role: 'img', 'aria-label': text},
            el('title', {}, text),
            el('line', {class: 'axis', x1: kPad, x2: kWidth - kPad, y1: y(0), y2: y(0)}),
            lines.map((line) => el('polyline', {class: 'trend', points: line.join(' ')})),
            points.map((point, index) => point.value === null ? null
                                                               : el('circle', {class: 'dot', cx: x(index), cy: y(point.value), r: 3})));
}

// Vertical bars for `items` ([{label, value}]), all from zero, each labelled below.
export function bars(items, format, label) {
  const kLabelRoom = 16;
  const base = kHeight - kLabelRoom;
  const top = Math.max(1, ...items.map((item) => item.value));
  const slot = (kWidth - 2 * kPad) / Math.max(1, items.length);
  const text = `${label}: ${items.map((item) => `${item.label} ${format(item.value)}`).join(', ')}`;
  return el('svg', {class: 'chart', viewBox: `0 0 ${kWidth} ${kHeight}`, role: 'img', 'aria-label': text},
            el('title', {}, text),
            items.map((item, index) => {
              const height = (item.value * (base - kPad)) / top;
              return el('g', {},
                        el('rect', {class: 'bar', x: kPad + index * slot + slot * 0.15, width: slot * 0.7,
                                    y: base - height, height: Math.max(height, item.value > 0 ? 1 : 0)}),
                        el('text', {class: 'label', x: kPad + (index + 0.5) * slot, y: kHeight - 3, 'text-anchor': 'middle'},
                           `${item.label}: ${format(item.value)}`));
            }),
            el('line', {class: 'axis', x1: kPad, x2: kWidth - kPad, y1: base, y2: base}));
}
