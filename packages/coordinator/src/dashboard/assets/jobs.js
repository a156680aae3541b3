// The jobs page: one row per job, redrawn from each list the server pushes.
'use strict';

function jobRow(job) {
  const active = job.state === 'QUEUED' || job.state === 'RUNNING';
  const cancel = active ? mt.el('button', { type: 'button', class: 'danger', 'data-cancel': job.id, text: 'Cancel', onclick: () => mt.cancelJob(job.id) }) : '';
  const cells = [
    mt.el('td', {}, [mt.el('a', { href: `/dashboard/jobs/${encodeURIComponent(job.id)}`, text: job.id })]),
    mt.el('td', {}, [mt.stateBadge(job.state)]),
    mt.el('td', { text: job.algorithm }),
    mt.el('td', { text: job.taskFamily }),
    mt.el('td', { class: 'num', text: `${job.roundsCompleted} / ${job.totalRounds}` }),
    mt.el('td', { class: 'num', text: mt.number(job.tasksPerSecond, 3) }),
    mt.el('td', { class: 'num', text: mt.duration(job.elapsedMs) }),
    mt.el('td', { class: 'num', text: mt.duration(job.etaMs) }),
    mt.el('td', { class: 'num', text: mt.number(job.lastMetaLoss) }),
    mt.el('td', {}, [cancel]),
  ];
  return mt.el('tr', { 'data-job-id': job.id, 'data-state': job.state, title: job.error || undefined }, cells);
}

mt.follow('/dashboard/api/live/jobs', {
  jobs(jobs) {
    document.querySelector('#jobs tbody').replaceChildren(...jobs.map(jobRow));
    document.getElementById('no-jobs').hidden = jobs.length > 0;
    mt.status('live');
  },
  problem({ error }) {
    mt.status(error, true);
  },
});
