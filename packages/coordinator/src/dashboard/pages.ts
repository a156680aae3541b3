// The dashboard's HTML: small static shells that load their script; the scripts fetch the
// data and follow the live streams. Nothing from a job is put into the HTML (the scripts set
// text, never markup), so a job name or spec cannot inject anything.

const escape = (text: string): string => text.replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);

/** What every page gets: its title, the CSRF token its forms and requests send back, and whether a logout button makes sense. */
export interface PageContext {
  csrf: string;
  loggedIn: boolean;
}

function shell(title: string, context: PageContext, body: string, scripts: string[]): string {
  const logout = context.loggedIn
    ? `<form method="post" action="/dashboard/logout" class="logout"><input type="hidden" name="csrf" value="${escape(context.csrf)}"><button type="submit">Log out</button></form>`
    : '';
  return `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<meta name="csrf-token" content="${escape(context.csrf)}">
<title>${escape(title)} · metatrain</title>
<link rel="icon" href="data:,">
<link rel="stylesheet" href="/dashboard/static/uPlot.min.css">
<link rel="stylesheet" href="/dashboard/static/app.css">
</head>
<body>
<header><a class="brand" href="/dashboard/">metatrain</a><nav><a href="/dashboard/">Jobs</a><a href="/dashboard/workers">Workers</a></nav>${logout}</header>
<main>
${body}
</main>
${scripts.map((s) => `<script src="/dashboard/static/${s}"></script>`).join('\n')}
</body>
</html>
`;
}

/** Every job, live. */
export function jobsPage(context: PageContext): string {
  return shell(
    'Jobs',
    context,
    `<h1>Jobs</h1>
<p class="status" id="status">connecting…</p>
<table id="jobs">
<thead><tr><th>Job</th><th>State</th><th>Algorithm</th><th>Tasks</th><th>Round</th><th>Tasks/s</th><th>Elapsed</th><th>Left</th><th>Meta-loss</th><th></th></tr></thead>
<tbody></tbody>
</table>
<p class="empty" id="no-jobs" hidden>No jobs yet. Submit one with <code>metatrain submit spec.yaml</code>.</p>`,
    ['common.js', 'jobs.js'],
  );
}

/** One job: its curves, spec, checkpoints and export. */
export function jobPage(context: PageContext, jobId: string): string {
  return shell(
    jobId,
    context,
    `<h1 id="job-title" data-job-id="${escape(jobId)}">${escape(jobId)}</h1>
<p class="status" id="status">connecting…</p>
<section class="facts" id="facts"></section>
<p class="actions"><button type="button" id="cancel" class="danger" hidden>Cancel job</button></p>
<section class="charts">
<figure class="chart" id="chart-loss"><figcaption>Meta-training loss</figcaption></figure>
<figure class="chart" id="chart-adaptation"><figcaption>Training tasks: query loss before and after adaptation</figcaption></figure>
<figure class="chart" id="chart-eval" hidden><figcaption>Held-out tasks: loss before and after adaptation</figcaption></figure>
<figure class="chart" id="chart-eval-accuracy" hidden><figcaption>Held-out tasks: accuracy before and after adaptation</figcaption></figure>
<figure class="chart" id="chart-accuracy" hidden><figcaption>Training tasks: query accuracy before and after adaptation</figcaption></figure>
<figure class="chart" id="chart-throughput"><figcaption>Throughput (tasks/s per round)</figcaption></figure>
<figure class="chart" id="chart-latency"><figcaption>Round latency (ms)</figcaption></figure>
</section>
<section class="side">
<h2>Export</h2>
<p id="export">Not yet: the export is written when the job succeeds.</p>
<h2>Checkpoints</h2>
<table id="checkpoints"><thead><tr><th>Version</th><th>Location</th></tr></thead><tbody></tbody></table>
<h2>Spec</h2>
<pre id="spec"></pre>
</section>`,
    ['uPlot.iife.min.js', 'common.js', 'job.js'],
  );
}

/** Every worker the coordinator knows, live. */
export function workersPage(context: PageContext): string {
  return shell(
    'Workers',
    context,
    `<h1>Workers</h1>
<p class="status" id="status">connecting…</p>
<table id="workers">
<thead><tr><th>Worker</th><th>State</th><th>Pool</th><th>Backend</th><th>Device</th><th>Cores</th><th>Shards done</th><th>Current shard</th><th>Last heartbeat</th><th>Host</th></tr></thead>
<tbody></tbody>
</table>
<p class="empty" id="no-workers" hidden>No workers. Start one with <code>pnpm start:worker</code>.</p>`,
    ['common.js', 'workers.js'],
  );
}

/** The login form: the token is POSTed in the body, never put in a URL. */
export function loginPage(message = ''): string {
  return `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>Log in · metatrain</title>
<link rel="icon" href="data:,">
<link rel="stylesheet" href="/dashboard/static/app.css">
</head>
<body class="login">
<main>
<h1>metatrain</h1>
<form method="post" action="/dashboard/login">
<label for="token">Token (METATRAIN_TOKEN)</label>
<input id="token" name="token" type="password" autocomplete="current-password" required autofocus>
<button type="submit">Log in</button>
${message ? `<p class="error" role="alert">${escape(message)}</p>` : ''}
</form>
</main>
</body>
</html>
`;
}
