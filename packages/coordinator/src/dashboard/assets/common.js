// Helpers every dashboard page uses (plain browser JavaScript, no build step). Data from the
// coordinator is only ever put into the page as text, never as markup.
'use strict';

const mt = {
  /** The CSRF token the page was served with; sent back with every POST. */
  csrf: document.querySelector('meta[name="csrf-token"]')?.getAttribute('content') ?? '',

  /** A new element with attributes and children (strings become text). */
  el(tag, attributes = {}, children = []) {
    const node = document.createElement(tag);
    for (const [name, value] of Object.entries(attributes)) {
      if (value === undefined || value === false) continue;
      if (name === 'text') node.textContent = String(value);
      else if (name.startsWith('on')) node.addEventListener(name.slice(2), value);
      else node.setAttribute(name, value === true ? '' : String(value));
    }
    for (const child of children) node.append(child);
    return node;
  },

  /** A coloured state badge. */
  stateBadge(state) {
    return mt.el('span', { class: `state state-${state}`, text: state });
  },

  duration(ms) {
    if (ms === undefined || ms === null || !Number.isFinite(ms)) return '–';
    const s = Math.round(ms / 1000);
    if (s < 60) return `${s}s`;
    const m = Math.floor(s / 60);
    if (m < 60) return `${m}m ${String(s % 60).padStart(2, '0')}s`;
    return `${Math.floor(m / 60)}h ${String(m % 60).padStart(2, '0')}m`;
  },

  number(value, digits = 4) {
    if (value === undefined || value === null || !Number.isFinite(value)) return '–';
    return Math.abs(value) >= 1000 ? Math.round(value).toLocaleString('en') : Number(value.toPrecision(digits)).toString();
  },

  /** Sets the page's status line; `error` paints it red. */
  status(text, error = false) {
    const node = document.getElementById('status');
    if (!node) return;
    node.textContent = text;
    node.classList.toggle('error', error);
  },

  /** GET a JSON API; a lost session sends the browser to the login form. */
  async getJson(url) {
    const response = await fetch(url, { headers: { accept: 'application/json' } });
    if (response.status === 401) {
      location.assign('/dashboard/login');
      throw new Error('not logged in');
    }
    const body = await response.json();
    if (!response.ok) throw new Error(body.error ?? `${response.status}`);
    return body;
  },

  /** POST to an API with the CSRF token; resolves with the JSON answer or throws its error. */
  async post(url) {
    const response = await fetch(url, { method: 'POST', headers: { 'x-csrf-token': mt.csrf, accept: 'application/json' } });
    const body = await response.json().catch(() => ({}));
    if (!response.ok) throw new Error(body.error ?? `${response.status}`);
    return body;
  },

  /** Asks for confirmation, then cancels the job; reports on the status line. */
  async cancelJob(jobId) {
    if (!window.confirm(`Cancel job ${jobId}? Its rounds stop and it cannot be resumed.`)) return;
    try {
      const { job } = await mt.post(`/dashboard/api/jobs/${encodeURIComponent(jobId)}/cancel`);
      mt.status(`job ${job.id} is ${job.state}`);
    } catch (error) {
      mt.status(`cancel failed: ${error.message}`, true);
    }
  },

  /**
   * Follows a Server-Sent Events stream: `handlers` maps event types to functions of the
   * parsed data. The browser reconnects by itself; a lost session goes to the login form.
   */
  follow(url, handlers) {
    const source = new EventSource(url);
    source.addEventListener('open', () => mt.status('live'));
    for (const [type, handle] of Object.entries(handlers)) source.addEventListener(type, (event) => handle(JSON.parse(event.data)));
    source.addEventListener('error', () => {
      mt.status('connection lost; reconnecting…', true);
      // EventSource does not say why: ask the API whether the session is still good.
      fetch('/dashboard/api/workers').then((r) => r.status === 401 && location.assign('/dashboard/login'), () => undefined);
    });
    return source;
  },
};
