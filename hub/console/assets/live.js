// The live feed (GET /api/v1/live, Server-Sent Events): pages subscribe to event names
// (discrepancy, task, device, unknown_barcode, alert) and to 'reconnect', after which they refetch what
// they show, since the hub replays nothing. The header's indicator says whether the feed is up.

const kEvents = ['discrepancy', 'task', 'device', 'unknown_barcode', 'alert'];

export class Live {
  constructor(indicator) {
    this.indicator = indicator;
    this.handlers = new Map();
    this.wasDown = false;
  }

  // Opens the feed; resolves once it is open, or down, or after `waitMs`. The hub subscribes a
  // stream before it answers, so what a page fetches after the feed opened misses no change: each
  // later one comes on the feed. A feed that is down, or slow to open, does not hold the page back
  // longer than waitMs; it sends 'reconnect' when it comes up, and the page fetches again.
  start(waitMs = 2000) {
    this.source = new EventSource('/api/v1/live');
    let settled;
    const first = new Promise((resolve) => {
      settled = resolve;
      setTimeout(() => {
        // Not open yet: the page fetches now, so its opening must fetch again, as after a reconnect.
        if (this.source.readyState !== EventSource.OPEN) this.wasDown = true;
        resolve();
      }, waitMs);
    });
    this.source.addEventListener('open', () => {
      this.show('live', 'Live');
      if (this.wasDown) this.emit('reconnect', null);
      this.wasDown = false;
      settled();
    });
    // EventSource reconnects by itself after an error (unless the hub refused it outright).
    this.source.addEventListener('error', () => {
      this.wasDown = true;
      this.show('down', this.source.readyState === EventSource.CLOSED ? 'Live updates off' : 'Reconnecting…');
      settled();
    });
    for (const name of kEvents) {
      this.source.addEventListener(name, (event) => {
        let data;
        try {
          data = JSON.parse(event.data);
        } catch {
          return;  // a line that is not JSON carries nothing a page could show
        }
        this.emit(name, data);
      });
    }
    return first;
  }

  // Calls handler(data) for each event `name` until the returned function is called.
  on(name, handler) {
    if (!this.handlers.has(name)) this.handlers.set(name, new Set());
    this.handlers.get(name).add(handler);
    return () => this.handlers.get(name).delete(handler);
  }

  emit(name, data) {
    for (const handler of this.handlers.get(name) ?? []) handler(data);
  }

  show(state, text) {
    this.indicator.textContent = text;
    this.indicator.className = `live live-${state}`;
  }
}

// Calls `fn` once, `wait` ms after the last of a burst of calls: a burst of live events (a
// recount closing five discrepancies) costs one refetch.
export function debounce(fn, wait = 250) {
  let timer = null;
  return (...args) => {
    clearTimeout(timer);
    timer = setTimeout(() => fn(...args), wait);
  };
}
