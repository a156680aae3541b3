// One job's page: facts, live learning curves (uPlot), checkpoints, export and spec. The event
// stream replays the job's history first, so a page opened mid-job draws every round so far;
// rounds are kept by number, so a reconnect (which replays again) draws nothing twice.
'use strict';

const jobId = document.getElementById('job-title').dataset.jobId;
const api = `/dashboard/api/jobs/${encodeURIComponent(jobId)}`;
const rounds = new Map(); // round -> RoundCompleted
const evals = new Map(); // parameter version -> EvalCompleted
let detail;
let state;

const BLUE = '#2563eb';
const AMBER = '#d97706';
const GREEN = '#16a34a';

// x is rounds completed, for rounds (round + 1) and evaluations (the version evaluated) alike.
// Training curves are noisy (each round is a fresh meta-batch); `smooth` adds an exponential
// moving average, as `metatrain train` shows it, for MAML's meta-loss is its post-adaptation loss.
const CHARTS = [
  { id: 'chart-loss', from: rounds, series: [['meta-loss', '#93c5fd', (r) => r.metaLoss], ['meta-loss (smoothed)', BLUE, (r) => r.metaLoss, 'smooth']] },
  { id: 'chart-adaptation', from: rounds, series: [['before adaptation (smoothed)', AMBER, (r) => r.preLoss, 'smooth'], ['after adaptation (smoothed)', GREEN, (r) => r.postLoss, 'smooth']] },
  { id: 'chart-accuracy', from: rounds, needs: 'postAccuracy', series: [['before adaptation (smoothed)', AMBER, (r) => r.preAccuracy, 'smooth'], ['after adaptation (smoothed)', GREEN, (r) => r.postAccuracy, 'smooth']] },
  { id: 'chart-eval', from: evals, series: [['before adaptation', AMBER, (e) => e.preLoss], ['after adaptation', GREEN, (e) => e.postLoss]] },
  { id: 'chart-eval-accuracy', from: evals, needs: 'postAccuracy', series: [['before adaptation', AMBER, (e) => e.preAccuracy], ['after adaptation', GREEN, (e) => e.postAccuracy]] },
  { id: 'chart-throughput', from: rounds, series: [['tasks/s', '#7c3aed', (r) => r.tasksPerSecond]] },
  { id: 'chart-latency', from: rounds, series: [['round ms', '#db2777', (r) => r.roundMs]] },
];
/** Weight of the newest round in a smoothed curve. */
const SMOOTHING = 0.05;

function smoothed(values) {
  let average;
  return values.map((v) => (v === null ? null : (average = average === undefined ? v : (1 - SMOOTHING) * average + SMOOTHING * v)));
}
const plots = new Map(); // chart id -> uPlot

function chartData(chart) {
  const entries = [...chart.from.entries()].sort((a, b) => a[0] - b[0]);
  const x = entries.map(([key]) => (chart.from === rounds ? key + 1 : key));
  return [x, ...chart.series.map(([, , value, smooth]) => {
    const values = entries.map(([, e]) => value(e) ?? null);
    return smooth ? smoothed(values) : values;
  })];
}

function draw() {
  for (const chart of CHARTS) {
    const figure = document.getElementById(chart.id);
    const values = [...chart.from.values()];
    if (values.length === 0 || (chart.needs && !values.some((v) => v[chart.needs] !== undefined))) continue;
    figure.hidden = false;
    const data = chartData(chart);
    figure.dataset.points = String(data[0].length);
    const plot = plots.get(chart.id);
    if (plot) {
      plot.setData(data);
      continue;
    }
    const options = {
      width: Math.max(320, figure.clientWidth - 16),
      height: 220,
      scales: { x: { time: false } },
      axes: [{ label: 'round' }, {}],
      series: [{ label: 'round' }, ...chart.series.map(([label, stroke, , smooth]) => ({ label, stroke, width: smooth ? 2 : 1, spanGaps: true, points: { show: chart.from === evals } }))],
      legend: { live: false },
    };
    plots.set(chart.id, new uPlot(options, data, figure));
  }
}

let drawing = false;
function redraw() {
  if (drawing) return;
  drawing = true;
  requestAnimationFrame(() => {
    drawing = false;
    draw();
    showFacts();
  });
}

function fact(label, value) {
  return mt.el('div', {}, [mt.el('dt', { text: label }), mt.el('dd', { text: value })]);
}

function showFacts() {
  if (!detail) return;
  const job = detail.job;
  const last = rounds.get(Math.max(-1, ...rounds.keys()));
  const lastEval = evals.get(Math.max(-1, ...evals.keys()));
  const roundsCompleted = Math.max(job.roundsCompleted, last ? last.round + 1 : 0);
  const heldOut = lastEval ? `${mt.number(lastEval.preLoss)} → ${mt.number(lastEval.postLoss)} (version ${lastEval.version})` : '–';
  const stateNode = mt.el('div', {}, [mt.el('dt', { text: 'State' }), mt.el('dd', {}, [mt.stateBadge(state ?? job.state)])]);
  document.getElementById('facts').replaceChildren(
    stateNode,
    fact('Algorithm', job.algorithm),
    fact('Tasks', job.taskFamily),
    mt.el('div', {}, [mt.el('dt', { text: 'Round' }), mt.el('dd', { id: 'round', text: `${roundsCompleted} / ${job.totalRounds}` })]),
    fact('Tasks/s', mt.number(last?.tasksPerSecond ?? job.tasksPerSecond, 3)),
    fact('Elapsed', mt.duration(job.elapsedMs)),
    fact('Left', mt.duration(job.etaMs)),
    fact('Meta-loss', mt.number(last?.metaLoss ?? job.lastMetaLoss)),
    fact('Held-out loss (before → after adaptation)', heldOut),
  );
  const active = (state ?? job.state) === 'QUEUED' || (state ?? job.state) === 'RUNNING';
  document.getElementById('cancel').hidden = !active;
  if (job.error) mt.status(job.error, job.state === 'FAILED');
}

function showDetail() {
  document.getElementById('spec').textContent = detail.spec;
  document.querySelector('#checkpoints tbody').replaceChildren(
    ...[...detail.checkpoints].reverse().map((c) => mt.el('tr', {}, [mt.el('td', { class: 'num', text: c.version }), mt.el('td', { text: c.location })])),
  );
  const exportNode = document.getElementById('export');
  if (detail.exportFiles.length > 0) {
    const links = detail.exportFiles.map((file) => mt.el('a', { href: `${api}/export/${file}`, download: `${jobId}-${file}`, text: file }));
    exportNode.replaceChildren('Download: ', ...links.flatMap((link, i) => (i === 0 ? [link] : [', ', link])), ' (a TensorFlow.js LayersModel and meta.json)');
  }
  showFacts();
}

let refreshing;
function refresh() {
  refreshing ??= mt
    .getJson(api)
    .then((d) => {
      detail = d;
      state = d.job.state;
      showDetail();
    })
    .catch((error) => mt.status(error.message, true))
    .finally(() => (refreshing = undefined));
  return refreshing;
}

document.getElementById('cancel').addEventListener('click', async () => {
  await mt.cancelJob(jobId);
  await refresh();
});

refresh().then(() => {
  mt.follow(`${api}/events`, {
    'job-event'(event) {
      if (event.type === 'round') rounds.set(event.round, event);
      else if (event.type === 'eval') evals.set(event.version, event);
      else {
        if (event.type === 'state') state = event.state;
        void refresh();
      }
      redraw();
    },
    // The job's stored history could not be read (storage away): the stream closes and reconnects.
    problem({ error }) {
      mt.status(error, true);
    },
  });
});
// Elapsed time and time left move on between events.
setInterval(() => (state === 'QUEUED' || state === 'RUNNING') && refresh(), 5000);
window.addEventListener('resize', () => {
  for (const [id, plot] of plots) plot.setSize({ width: Math.max(320, document.getElementById(id).clientWidth - 16), height: 220 });
});
