/**
 * Verified checkpoint download: streams the registry's URL (or its path on a mirror)
 * into `<dir>/<file>.part`, resumes an interrupted download with an HTTP Range
 * request, retries transient failures with bounded exponential backoff, and renames
 * the file into place only once its sha256 starts with the registry's prefix. The
 * whole fetch has a deadline, every attempt a minimum rate and the body a size cap;
 * local errors (a full disk, a read-only directory) end it at once.
 */
import { sha256File } from '../core/hash.js';
import { rename, rm, stat } from 'node:fs/promises';
import { makeDirs } from '../core/output-path.js';
import { homedir } from 'node:os';
import { join } from 'node:path';
import { PosePortError } from '../core/errors.js';
import { partSize } from './part-file.js';
import { AttemptError, attemptOnce, deadlineError, type Job } from './attempt.js';
import { nodeHttpGet, type HttpGet } from './http.js';
import { getZooEntry } from './registry.js';
import type { ZooEntry } from './types.js';

export interface FetchProgress {
  file: string;
  /** bytes in the .part file so far (a resumed download starts above 0) */
  received: number;
  /** expected size, when the server said */
  total?: number;
}

export interface FetchOptions {
  /** where the checkpoint is stored; default `defaultCheckpointDir()` */
  dir?: string;
  /** `http(s)://host[:port][/prefix]`: replaces the scheme and host of the registry URL, keeps its path */
  mirror?: string;
  /** further attempts after the first for a transient failure (default 4) */
  retries?: number;
  /** delay before the first retry, doubled for each next one (default 1000 ms) */
  retryDelayMs?: number;
  /** upper bound of one delay (default 16000 ms) */
  maxRetryDelayMs?: number;
  /** an attempt fails when no byte arrives for this long (default 30000 ms) */
  idleTimeoutMs?: number;
  /** the whole fetch, every attempt and wait included, fails after this long (default 7_200_000 ms = 2 h) */
  deadlineMs?: number;
  /**
   * an attempt fails (and is retried, resuming) when fewer than this many bytes per
   * second arrive over one `rateWindowMs` window (default 16384; 0: no minimum)
   */
  minBytesPerSecond?: number;
  /** the window the rate is measured over (default 30000 ms) */
  rateWindowMs?: number;
  /**
   * the largest download accepted; default the registry's `checkpoint.bytes` when it
   * has one, else `defaultMaxBytes(entry)`. A larger body is refused and removed.
   */
  maxBytes?: number;
  onProgress?: (p: FetchProgress) => void;
  /** the HTTP GET to use (default node:http / node:https) */
  fetchImpl?: HttpGet;
}

export interface FetchResult {
  name: string;
  /** the verified checkpoint */
  path: string;
  /** the URL downloaded from (after --mirror; before redirects) */
  url: string;
  bytes: number;
  sha256: string;
  /** false when a verified file was already in place */
  downloaded: boolean;
  /** true when a Range request continued a partial download */
  resumed: boolean;
  /** HTTP requests made, redirects not counted */
  attempts: number;
}

const NUMBER_OPTIONS = ['retries', 'retryDelayMs', 'maxRetryDelayMs', 'idleTimeoutMs', 'deadlineMs', 'minBytesPerSecond', 'rateWindowMs', 'maxBytes'] as const;
type NumberOption = (typeof NUMBER_OPTIONS)[number];
const OPTION_KEYS: ReadonlySet<string> = new Set<string>(['dir', 'mirror', 'onProgress', 'fetchImpl', ...NUMBER_OPTIONS]);
const DEFAULTS: Readonly<Record<Exclude<NumberOption, 'maxBytes'>, number>> = {
  retries: 4,
  retryDelayMs: 1000,
  maxRetryDelayMs: 16000,
  idleTimeoutMs: 30000,
  deadlineMs: 2 * 3600 * 1000,
  minBytesPerSecond: 16384,
  rateWindowMs: 30000,
};
const INTEGER_OPTIONS: ReadonlySet<NumberOption> = new Set(['retries', 'minBytesPerSecond', 'maxBytes']);

/**
 * The size cap when the registry does not give the file's size: four times the
 * float32 state_dict its `param_count` describes (room for an optimizer's moments or
 * a float64 copy, which published checkpoints do not carry) plus 64 MiB for the rest.
 */
export function defaultMaxBytes(entry: ZooEntry): number {
  return 4 * 4 * entry.config.param_count + 64 * 1024 * 1024;
}

/** `$POSE_PORT_CACHE/checkpoints`, else `$XDG_CACHE_HOME/pose-port/checkpoints`, else `~/.cache/pose-port/checkpoints`. */
export function defaultCheckpointDir(env: NodeJS.ProcessEnv = process.env): string {
  if (env.POSE_PORT_CACHE) return join(env.POSE_PORT_CACHE, 'checkpoints');
  return join(env.XDG_CACHE_HOME || join(homedir(), '.cache'), 'pose-port', 'checkpoints');
}

/**
 * The URL to download `url` from when a mirror is given: the mirror's scheme, host
 * and port (and its path as a prefix, if it has one) with `url`'s path and query.
 */
export function mirrorUrl(url: string, mirror: string): string {
  let m: URL;
  try {
    m = new URL(mirror);
  } catch {
    throw new PosePortError('USAGE', `mirror '${mirror}' is not a URL (expected http(s)://host[:port][/prefix])`);
  }
  if (m.protocol !== 'http:' && m.protocol !== 'https:') throw new PosePortError('USAGE', `mirror '${mirror}': only http and https are supported, not '${m.protocol}'`);
  if (m.search || m.hash) throw new PosePortError('USAGE', `mirror '${mirror}' must not have a query or fragment`);
  const u = new URL(url);
  return `${m.origin}${m.pathname.replace(/\/+$/, '')}${u.pathname}${u.search}`;
}


async function sizeOf(path: string): Promise<number | undefined> {
  try {
    const s = await stat(path);
    return s.isFile() ? s.size : undefined;
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
    throw e;
  }
}

type Limits = Record<Exclude<NumberOption, 'maxBytes'>, number> & { maxBytes?: number };

function checkOptions(o: FetchOptions): Limits {
  for (const k of Object.keys(o)) if (!OPTION_KEYS.has(k)) throw new PosePortError('USAGE', `fetchCheckpoint: unknown option '${k}'`);
  const out: Partial<Record<NumberOption, number>> = {};
  for (const k of NUMBER_OPTIONS) {
    const v = o[k];
    const int = INTEGER_OPTIONS.has(k);
    const positive = k === 'deadlineMs' || k === 'rateWindowMs' || k === 'maxBytes';
    if (v === undefined) continue;
    if (typeof v !== 'number' || !Number.isFinite(v) || v < 0 || (positive && v === 0) || (int && !Number.isInteger(v)))
      throw new PosePortError('USAGE', `fetchCheckpoint: option '${k}' must be a ${positive ? 'positive' : 'non-negative'} ${int ? 'integer' : 'number'}, got ${String(v)}`);
    out[k] = v;
  }
  return { ...DEFAULTS, ...out };
}

/**
 * Makes the checkpoint of a zoo entry available in `dir` and returns its path.
 * A file already there whose sha256 starts with the registry's prefix is used as is
 * (no network). Errors: ZOO_UNKNOWN, DOWNLOAD_FAILED (URL, status, attempts),
 * CHECKSUM_MISMATCH (nothing is left in place), USAGE (bad options), IO.
 */
export async function fetchCheckpoint(model: string | ZooEntry, options: FetchOptions = {}): Promise<FetchResult> {
  const limits = checkOptions(options);
  const entry = typeof model === 'string' ? getZooEntry(model) : model;
  const url = options.mirror !== undefined ? mirrorUrl(entry.checkpoint.url, options.mirror) : entry.checkpoint.url;
  const dir = options.dir ?? defaultCheckpointDir();
  const file = entry.checkpoint.file;
  const path = join(dir, file);
  const part = `${path}.part`;
  const prefix = entry.checkpoint.sha256Prefix.toLowerCase();
  const base = { name: entry.name, path, url };

  const existing = await sizeOf(path);
  if (existing !== undefined) {
    const sha256 = await sha256File(path);
    if (sha256.startsWith(prefix)) return { ...base, bytes: existing, sha256, downloaded: false, resumed: false, attempts: 0 };
    // a damaged copy: download again; it is replaced only by a verified file
  }
  try {
    makeDirs(dir); // not mkdir({recursive}), which never returns for some paths (/proc/x)
  } catch (e) {
    throw new PosePortError('IO', `cannot create checkpoint directory: ${(e as Error).message}`, { file: dir });
  }

  const declared = entry.checkpoint.bytes;
  const maxBytes = limits.maxBytes ?? declared ?? defaultMaxBytes(entry);
  const job: Job = {
    url,
    part,
    file,
    get: options.fetchImpl ?? nodeHttpGet,
    idleTimeoutMs: limits.idleTimeoutMs,
    limits: {
      deadlineAt: Date.now() + limits.deadlineMs,
      deadlineMs: limits.deadlineMs,
      minBytesPerSecond: limits.minBytesPerSecond,
      rateWindowMs: limits.rateWindowMs,
      maxBytes,
      maxBytesSource: limits.maxBytes !== undefined ? 'maxBytes / --max-bytes' : declared !== undefined ? "the registry's size of the file" : "4 x the registry's float32 parameter bytes + 64 MiB; raise it with --max-bytes",
    },
    onProgress: options.onProgress,
  };
  let attempts = 0;
  let resumed = false;
  let freshRetryDone = false;
  for (;;) {
    const r = await download(job, limits, () => ++attempts);
    resumed ||= r.resumed;
    const sha256 = await sha256File(part);
    if (sha256.startsWith(prefix)) {
      await rename(part, path);
      return { ...base, bytes: r.bytes, sha256, downloaded: true, resumed, attempts };
    }
    await rm(part, { force: true });
    // bytes appended to a stale .part (another server, another version) fail the check
    // although the server is right: start once more from byte 0 before giving up
    if (r.resumedFromEarlierRun && !freshRetryDone) {
      freshRetryDone = true;
      continue;
    }
    throw new PosePortError(
      'CHECKSUM_MISMATCH',
      `${file} from ${url}: sha256 ${sha256} does not start with the registry's ${prefix}; the download was removed`,
      { file: path, key: entry.name, details: { url, expected: prefix, actual: sha256, bytes: r.bytes } },
    );
  }
}

interface DownloadResult {
  bytes: number;
  /** some attempt continued a partial file with a Range request */
  resumed: boolean;
  /** the file still begins with bytes a .part from an earlier run held */
  resumedFromEarlierRun: boolean;
}

/** Downloads into the partial file (continuing what is there), with retries; the bytes are not checked here. */
async function download(job: Job, limits: Limits, countAttempt: () => number): Promise<DownloadResult> {
  const { url, part } = job;
  const earlier = (await partSize(part)) > 0;
  const target = part.slice(0, -'.part'.length);
  let resumed = false;
  let rewritten = false;
  for (let attempt = 1; ; attempt++) {
    const n = countAttempt();
    if (Date.now() >= job.limits.deadlineAt) throw deadlineError(job, n - 1);
    try {
      const r = await attemptOnce(job, n, () => (rewritten = true));
      resumed ||= r.resumed;
      return { bytes: r.bytes, resumed, resumedFromEarlierRun: earlier && !rewritten };
    } catch (e) {
      if (e instanceof PosePortError) throw e;
      const err = e instanceof AttemptError ? e : new AttemptError((e as Error)?.message ?? String(e), true);
      const what = err.status !== undefined ? `HTTP ${err.message}` : err.message;
      const details = { url, status: err.status, attempts: n, reason: err.message };
      if (!err.retry) throw new PosePortError('DOWNLOAD_FAILED', `download of ${url} failed: ${what} (not retried; attempts: ${n})`, { file: target, details });
      if (attempt > limits.retries) throw new PosePortError('DOWNLOAD_FAILED', `download of ${url} failed after ${n} attempts: ${what}`, { file: target, details });
      const backoff = Math.min(limits.maxRetryDelayMs, limits.retryDelayMs * 2 ** (attempt - 1));
      const delay = Math.min(limits.maxRetryDelayMs, Math.max(backoff, err.retryAfterMs ?? 0));
      if (Date.now() + delay >= job.limits.deadlineAt) throw deadlineError(job, n);
      await new Promise((r) => setTimeout(r, delay));
    }
  }
}
