import { describeError } from './cli-errors';
import { runCommand } from './commands/run-command';

const USAGE = `metatrain — distributed meta-training

Usage:
  metatrain train <spec.yaml> [--out <dir>] [--resume]    train a whole job in this process
  metatrain local <spec.yaml> [--workers 2] [--out <dir>]  the same job on a coordinator and N worker
                                                          processes here (Redis: REDIS_URL or a private one)
  metatrain eval <exportDir|runDir> [--tasks 600] [--shots K] [--steps n] [--data <path>]
                                                          adapt an exported model on held-out tasks
  metatrain adapt <exportDir|runDir|job> --support <file> --query <file> [--steps n] [--lr x] [--out predictions.json]
                                                          adapt a trained meta-model to your own task (JSON or CSV files)

Datasets a spec can name (tasks.dataset), from METATRAIN_DATA_DIR, the repository, the user cache
(METATRAIN_CACHE_DIR, else $XDG_CACHE_HOME/metatrain) or their official URL:
  metatrain data list [--json]                            each dataset, its size and licence, and where it is here
  metatrain data fetch <name>...                          make them available here (download, checked); prints the paths
  metatrain data verify [<name>...]                       check every copy present (exit 1 if one fails)

Jobs on a coordinator (--coordinator host:port, else COORDINATOR_ADDR, else 127.0.0.1:50051;
METATRAIN_TOKEN, when set, is sent as a bearer token):
  metatrain submit <spec.yaml> [--wait]                   validate and submit a job; prints its id
  metatrain status <job> [--json]                         state, round, meta-loss, times, error
  metatrain list [--state RUNNING,…] [--json]             all jobs, newest first
  metatrain watch <job>                                   progress until the job ends
  metatrain cancel <job> [--reason <text>]                stop a job
  metatrain export <job> [--out <dir>]                    download the trained model (checksums verified)
  metatrain workers [--json]                              the workers and what they are doing

Results go to stdout, progress and messages to stderr.
Exit codes: 0 success, 1 failure (watch, submit --wait: the job FAILED or was CANCELLED),
2 usage or validation error.`;

async function main(argv: string[]): Promise<number> {
  const [command, ...rest] = argv;
  if (!command || command === '--help' || command === '-h' || command === 'help') {
    process.stdout.write(`${USAGE}\n`);
    return command ? 0 : 2;
  }
  return runCommand(command, rest);
}

main(process.argv.slice(2)).then(
  (code) => {
    process.exitCode = code;
  },
  (err: unknown) => {
    const { message, exitCode } = describeError(err);
    process.stderr.write(`error: ${message}\n`);
    process.exitCode = exitCode;
  },
);
