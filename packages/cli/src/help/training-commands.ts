import type { CommandHelp } from './command-help';
import { COORDINATOR_FLAG } from './command-help';

// The commands that train or use a model on this machine.

const RUN_DIRECTORY = 'the run directory: spec.json, LATEST, checkpoints/<version>/, export/, metrics.jsonl, learning-curves.svg';

/** `metatrain train`. */
export const TRAIN_HELP = {
  group: 'here',
  summary: 'train a whole job in this process',
  usage: 'metatrain train <spec.yaml|json> [--out <dir>] [--resume | --force]',
  details: [
    `Runs the job's rounds here, with a progress bar on stderr, and writes ${RUN_DIRECTORY}. On stdout it prints the meta-loss at the start and the end and a held-out evaluation of the export. Ctrl-C stops with a checkpoint of the last complete round (exit 130).`,
    'Without --out, a second run of the same spec does not touch the first: it goes to the next free runs/<name>-2, runs/<name>-3, … and says so.',
  ],
  flags: {
    out: {
      type: 'string',
      value: '<dir>',
      byDefault: 'runs/<name>, or the next free runs/<name>-N when it holds a run',
      text: 'the run directory; one that holds a run is refused unless --resume or --force',
    },
    resume: {
      type: 'boolean',
      byDefault: 'off',
      text: 'continue the run in --out (without --out: the newest runs/<name>[-N]) from its newest complete checkpoint',
    },
    force: {
      type: 'boolean',
      byDefault: 'off',
      text: "delete the run in --out (its checkpoints, export and metrics; nothing else) and start afresh",
    },
  },
  examples: [
    'metatrain train examples/sinusoid-maml.yaml                # runs/sinusoid-maml, then runs/sinusoid-maml-2, …',
    'metatrain train examples/sinusoid-maml.yaml --resume       # continue the newest run after Ctrl-C',
    'metatrain train examples/sinusoid-maml.yaml --out runs/try --force',
  ],
} as const satisfies CommandHelp;

/** `metatrain local`. */
export const LOCAL_HELP = {
  group: 'here',
  summary: 'run a job on a coordinator and N worker processes on this machine',
  usage: 'metatrain local <spec.yaml|json> [--workers N] [--threads T] [--out <dir>] [--force]',
  details: [
    'Starts a coordinator, N workers and a private redis-server (unless REDIS_URL is set), runs the job to the end and writes what train writes: export/, metrics.jsonl and learning-curves.svg at the top of the run directory, the same bits as train. The coordinator keeps its own storage (its checkpoints) in <dir>/.coordinator/, or at STORAGE_URL when set. The dashboard address is printed at the start.',
    'Run directories are chosen as for train: without --out a second run goes to runs/<name>-2, …; an --out that holds a run is refused unless --force. There is no --resume.',
  ],
  flags: {
    workers: { type: 'string', value: 'N', byDefault: '2', text: 'worker processes' },
    threads: { type: 'string', value: 'T', byDefault: "the machine's cores divided among the workers, at least 1", text: 'compute threads per worker (WORKER_THREADS): shards each worker computes at once' },
    out: {
      type: 'string',
      value: '<dir>',
      byDefault: 'runs/<name>, or the next free runs/<name>-N when it holds a run',
      text: 'the run directory',
    },
    force: { type: 'boolean', byDefault: 'off', text: 'delete the run in --out first (its checkpoints, export and metrics; nothing else)' },
  },
  examples: ['metatrain local examples/sinusoid-maml.yaml', 'metatrain local examples/sinusoid-maml.yaml --workers 4 --out runs/sine-local', 'metatrain local examples/omniglot-protonet.yaml --workers 1 --threads 2'],
} as const satisfies CommandHelp;

/** `metatrain eval`. */
export const EVAL_HELP = {
  group: 'here',
  summary: 'adapt an exported model on held-out tasks and print loss (and accuracy) before and after',
  usage: 'metatrain eval <runDir|exportDir> [--tasks N] [--shots K] [--steps n] [--ways N] [--data <path>] [--json]',
  details: ['Takes a run directory (its export/) or an export directory (from metatrain export). Tasks come from the held-out classes or groups, from a stream of their own; the table gives mean ± 95 % CI.'],
  flags: {
    tasks: { type: 'string', value: 'N', byDefault: '600', text: 'held-out tasks' },
    shots: { type: 'string', value: 'K', byDefault: "the spec's tasks.shots", text: 'support examples per class (per task for regression)' },
    steps: { type: 'string', value: 'n', byDefault: "the spec's inner.steps", text: 'adaptation steps' },
    ways: { type: 'string', value: 'N', byDefault: "the spec's tasks.ways", text: 'classes per task (protonet exports only)' },
    data: { type: 'string', value: '<path>', byDefault: 'the data the job trained on', text: "the dataset to draw tasks from, in the spec's format" },
    json: { type: 'boolean', byDefault: 'a table', text: 'the report as one JSON line' },
  },
  examples: ['metatrain eval runs/sinusoid-maml', 'metatrain eval runs/sinusoid-maml --tasks 1000 --shots 10 --steps 5'],
} as const satisfies CommandHelp;

/** `metatrain adapt`. */
export const ADAPT_HELP = {
  group: 'here',
  summary: 'adapt a trained meta-model to your own task (support and query files, JSON or CSV)',
  usage: 'metatrain adapt <runDir|exportDir|job> --support <file> --query <file> [--steps n] [--lr x] [--out predictions.json] [--coordinator host:port]',
  details: [
    'A run directory or an export directory adapts here; a job id asks the coordinator (the Adapt RPC): the same code, the same numbers. Prints the support loss of every step and the query loss (and accuracy) before and after. File formats: docs/CLI.md.',
  ],
  flags: {
    support: { type: 'string', value: '<file>', byDefault: 'none; it is required', text: 'the labelled examples to adapt on' },
    query: { type: 'string', value: '<file>', byDefault: 'none; it is required', text: 'the examples to predict (targets optional)' },
    steps: { type: 'string', value: 'n', byDefault: "the spec's inner.steps", text: 'SGD steps' },
    lr: { type: 'string', value: 'x', byDefault: "the spec's inner.lr (Meta-SGD: its learned rates)", text: 'the adaptation learning rate' },
    out: { type: 'string', value: '<file.json>', byDefault: 'predictions are not written', text: 'write the predictions' },
    coordinator: COORDINATOR_FLAG,
  },
  examples: [
    'metatrain adapt runs/sinusoid-maml --support support.csv --query query.csv',
    'metatrain adapt sinusoid-maml-k3x9q2 --support support.json --query query.json --steps 5 --out predictions.json',
  ],
} as const satisfies CommandHelp;

/** `metatrain serve`. */
export const SERVE_HELP = {
  group: 'here',
  summary: 'serve exported meta-models over HTTP: few-shot adaptation and predictions, concurrent requests batched',
  usage: 'metatrain serve <runDir|exportDir|s3://bucket/prefix>... [--port N] [--host H] [--threads N] [--batch-window-ms N] [--no-batching]',
  details: [
    "Each argument is a model: a run directory (its export/), an export directory, or an export in storage (s3://bucket/jobs/<jobId>, with S3_ENDPOINT, S3_ACCESS_KEY, S3_SECRET_KEY). A model is named after its job's directory; write name=source to name it. POST /v1/models/<name>:predict with {\"support\": {\"inputs\", \"targets\"}, \"query\": {\"inputs\"}} answers what 'metatrain adapt' answers for the same examples. API, limits and environment: docs/CLI.md, docs/RUNNING.md.",
  ],
  flags: {
    port: { type: 'string', value: 'N', byDefault: 'SERVE_PORT, else 8080', text: 'the HTTP port (0 picks a free one)' },
    host: { type: 'string', value: 'H', byDefault: 'SERVE_HOST, else 0.0.0.0', text: 'the interface to listen on' },
    threads: { type: 'string', value: 'N', byDefault: 'SERVE_THREADS, else one per core', text: 'compute threads' },
    'batch-window-ms': { type: 'string', value: 'N', byDefault: 'SERVE_BATCH_WINDOW_MS, else 2', text: 'while a computation runs, how long a request waits for others of its model to be adapted with' },
    'no-batching': { type: 'boolean', byDefault: 'SERVE_BATCHING, else on', text: 'adapt every request alone (for comparison)' },
  },
  examples: [
    'metatrain serve runs/house-prices-maml --port 8080',
    'metatrain serve sine=runs/sinusoid-maml omni=s3://metatrain/jobs/omniglot-protonet-x1y2z3',
  ],
} as const satisfies CommandHelp;
