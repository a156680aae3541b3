// The workers page: one row per worker the coordinator knows, redrawn on every change.
'use strict';

function workerRow(worker) {
  const age = Date.now() - worker.lastHeartbeatMs;
  const cells = [
    mt.el('td', { text: worker.workerId }),
    mt.el('td', {}, [mt.stateBadge(worker.state)]),
    mt.el('td', { text: worker.pool }),
    mt.el('td', { text: worker.backend }),
    mt.el('td', { text: worker.device }),
    mt.el('td', { class: 'num', text: worker.cores }),
    mt.el('td', { class: 'num', text: worker.shardsDone }),
    mt.el('td', { text: worker.currentShard || 'idle' }),
    mt.el('td', { class: 'num', 'data-heartbeat': worker.lastHeartbeatMs, text: `${mt.duration(age)} ago` }),
    mt.el('td', { text: worker.hostname }),
  ];
  return mt.el('tr', { 'data-worker-id': worker.workerId, 'data-state': worker.state }, cells);
}

mt.follow('/dashboard/api/live/workers', {
  workers(workers) {
    document.querySelector('#workers tbody').replaceChildren(...workers.map(workerRow));
    document.getElementById('no-workers').hidden = workers.length > 0;
  },
});

// Heartbeat ages move on between pushes.
setInterval(() => {
  for (const cell of document.querySelectorAll('[data-heartbeat]')) cell.textContent = `${mt.duration(Date.now() - Number(cell.dataset.heartbeat))} ago`;
}, 1000);
