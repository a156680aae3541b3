import type { CommandHelp } from './command-help';
import { COORDINATOR_FLAG, JSON_FLAG } from './command-help';

// The commands that drive jobs on a coordinator (docs/CLI.md). They load only the gRPC client.

/** `metatrain submit`. */
export const SUBMIT_HELP = {
  group: 'coordinator',
  summary: 'validate a spec and submit it as a job; prints the job id',
  usage: 'metatrain submit <spec.yaml|json> [--wait] [--coordinator host:port]',
  details: ['The spec is validated here first (a bad one never reaches the coordinator, every bad field named, exit 2). The job id is printed alone on stdout, for scripts.'],
  flags: {
    wait: { type: 'boolean', byDefault: 'return at once', text: 'follow the job and exit as it ends: 0 SUCCEEDED, 1 FAILED or CANCELLED' },
    coordinator: COORDINATOR_FLAG,
  },
  examples: ['metatrain submit examples/sinusoid-maml.yaml', 'job=$(metatrain submit examples/sinusoid-maml.yaml) && metatrain watch "$job"'],
} as const satisfies CommandHelp;

/** `metatrain status`. */
export const STATUS_HELP = {
  group: 'coordinator',
  summary: "a job's state, round, meta-loss, times and error",
  usage: 'metatrain status <job> [--json] [--coordinator host:port]',
  details: [],
  flags: { json: JSON_FLAG, coordinator: COORDINATOR_FLAG },
  examples: ['metatrain status sinusoid-maml-k3x9q2', 'metatrain status sinusoid-maml-k3x9q2 --json'],
} as const satisfies CommandHelp;

/** `metatrain list`. */
export const LIST_HELP = {
  group: 'coordinator',
  summary: 'all jobs, newest first',
  usage: 'metatrain list [--state RUNNING,QUEUED,…] [--json] [--coordinator host:port]',
  details: [],
  flags: {
    state: { type: 'string', value: 'S,…', byDefault: 'every state', text: 'only jobs in these states: QUEUED, RUNNING, SUCCEEDED, FAILED, CANCELLED' },
    json: JSON_FLAG,
    coordinator: COORDINATOR_FLAG,
  },
  examples: ['metatrain list', 'metatrain list --state RUNNING,QUEUED --json'],
} as const satisfies CommandHelp;

/** `metatrain watch`. */
export const WATCH_HELP = {
  group: 'coordinator',
  summary: "a job's progress until it ends",
  usage: 'metatrain watch <job> [--coordinator host:port]',
  details: ["A progress bar on stderr (the job's history first), then its final state on stdout. Exit 0 SUCCEEDED, 1 FAILED or CANCELLED, 130 on Ctrl-C (the job keeps running)."],
  flags: { coordinator: COORDINATOR_FLAG },
  examples: ['metatrain watch sinusoid-maml-k3x9q2'],
} as const satisfies CommandHelp;

/** `metatrain metrics`. */
export const METRICS_HELP = {
  group: 'coordinator',
  summary: "a job's learning curve: every round's and evaluation's metrics",
  usage: 'metatrain metrics <job> [--follow] [--json] [--coordinator host:port]',
  details: [
    "The coordinator stores each job's rounds and evaluations as they happen, so the whole curve is there after a restart, finished or not. A line per round (meta-loss, losses and accuracies before and after adaptation, tasks/s, time) and per evaluation (held-out losses and accuracies), in order.",
    'With --json, one JSON object per line (JSON Lines): {"type":"round", "time": <epoch ms>, ...} with the fields of a metrics.jsonl round, or {"type":"eval", "time": …, "version": …, ...}.',
  ],
  flags: {
    follow: { type: 'boolean', byDefault: 'the curve so far, then exit', text: 'then each new round and evaluation as it happens, until the job ends' },
    json: { type: 'boolean', byDefault: 'a line for people per round or evaluation', text: 'one JSON object per line' },
    coordinator: COORDINATOR_FLAG,
  },
  examples: ['metatrain metrics sinusoid-maml-k3x9q2', 'metatrain metrics sinusoid-maml-k3x9q2 --follow --json | jq .metaLoss'],
} as const satisfies CommandHelp;

/** `metatrain cancel`. */
export const CANCEL_HELP = {
  group: 'coordinator',
  summary: 'stop a job (again on a cancelled job is fine)',
  usage: 'metatrain cancel <job> [--reason <text>] [--coordinator host:port]',
  details: [],
  flags: {
    reason: { type: 'string', value: '<text>', byDefault: "'cancelled with metatrain cancel'", text: "recorded as the job's error" },
    coordinator: COORDINATOR_FLAG,
  },
  examples: ['metatrain cancel sinusoid-maml-k3x9q2 --reason "wrong learning rate"'],
} as const satisfies CommandHelp;

/** `metatrain export`. */
export const EXPORT_HELP = {
  group: 'coordinator',
  summary: "download a finished job's model (checksums verified); prints the directory",
  usage: 'metatrain export <job> [--out <dir>] [--coordinator host:port]',
  details: ['Writes model.json, weights.bin (a TensorFlow.js LayersModel) and meta.json, each under a temporary name first, meta.json last: an interrupted export never looks complete.'],
  flags: {
    out: { type: 'string', value: '<dir>', byDefault: 'exports/<job>', text: 'where the files go' },
    coordinator: COORDINATOR_FLAG,
  },
  examples: ['metatrain export sinusoid-maml-k3x9q2', 'metatrain export sinusoid-maml-k3x9q2 --out model/ && metatrain eval model/'],
} as const satisfies CommandHelp;

/** `metatrain workers`. */
export const WORKERS_HELP = {
  group: 'coordinator',
  summary: 'the workers the coordinator knows and what they are doing',
  usage: 'metatrain workers [--json] [--coordinator host:port]',
  details: [],
  flags: { json: JSON_FLAG, coordinator: COORDINATOR_FLAG },
  examples: ['metatrain workers', 'metatrain workers --json'],
} as const satisfies CommandHelp;
