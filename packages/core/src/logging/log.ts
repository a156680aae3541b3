import { z } from 'zod';
import { type Env, parseEnv } from '../config/parse-config';
import { gotInput } from '../config/settings';

/** How serious a line is. */
export type LogLevel = 'info' | 'warn' | 'error';

/** What a call site knows about a line besides its text. */
export interface LogFields {
  /** The job the line is about, when the call site knows it. */
  jobId?: string;
  /** @default 'info' */
  level?: LogLevel;
}

/**
 * Where a process's parts send their lines. Call sites that know no more than the text call it
 * with the line alone (`(line) => …` callbacks are Logs too); those that know the job or the
 * level add them.
 */
export type Log = (line: string, fields?: LogFields) => void;

/**
 * `LOG_FORMAT`: `text`, each line as it was written (what `metatrain local` and the tests read
 * from the processes they start; a container runtime timestamps it: `kubectl logs
 * --timestamps`), or `json`, one object per line with its time.
 */
export const LOG_FORMATS = ['text', 'json'] as const;
export type LogFormat = (typeof LOG_FORMATS)[number];

/** The variable every process reads its log format from (docs/RUNNING.md). */
export const LOG_FORMAT_ENV = 'LOG_FORMAT';

/** One line as `json` writes it. */
export interface LogRecord {
  time: string;
  level: LogLevel;
  /** The process: `coordinator`, `worker`, `serve`. */
  component: string;
  jobId?: string;
  msg: string;
}

export interface ProcessLogOptions {
  format: LogFormat;
  /** The process, as `component` of each record; a line's leading `${component}: ` is not repeated in `msg`. */
  component: string;
  /** @default appends to stderr */
  write?: (text: string) => void;
  /** @default the clock */
  now?: () => Date;
}

/**
 * The log of a process's entry point, which hands it to the parts it creates: `text` writes
 * each line as it is; `json` one object per line, `{ time, level, component, jobId?, msg }`
 * (ISO time, a line's own newlines, as in a stack, escaped inside `msg`).
 */
export function processLog(options: ProcessLogOptions): Log {
  const { format, component } = options;
  const write = options.write ?? ((text: string) => void process.stderr.write(text));
  const now = options.now ?? (() => new Date());
  const prefix = `${component}: `;
  return (line, fields = {}) => {
    if (format === 'text') return write(`${line}\n`);
    const time = now().toISOString();
    const msg = line.startsWith(prefix) ? line.slice(prefix.length) : line;
    const record: LogRecord = { time, level: fields.level ?? 'info', component, ...(fields.jobId !== undefined ? { jobId: fields.jobId } : {}), msg };
    write(`${JSON.stringify(record)}\n`);
  };
}

const logFormatText = z.enum(LOG_FORMATS, { error: gotInput('expected text or json') });

/** Reads {@link LOG_FORMAT_ENV} (unset: `text`). @throws {ConfigError} naming LOG_FORMAT. */
export function logFormatFromEnv(env: Env): LogFormat {
  return parseEnv(env, { format: LOG_FORMAT_ENV }, { format: logFormatText }).format ?? 'text';
}
