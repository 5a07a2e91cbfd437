/**
 * Verified checkpoint download: streams the registry's URL (or its path on a mirror)
 * into `<dir>/<file>.part`, resumes an interrupted download with an HTTP Range
 * request, retries transient failures with bounded exponential backoff, and renames
 * the file into place only once its sha256 starts with the registry's prefix.
 */
import { sha256File } from '../core/hash.js';
import { mkdir, open, rename, rm, stat } from 'node:fs/promises';
import { homedir } from 'node:os';
import { join } from 'node:path';
import { PosePortError } from '../core/errors.js';
import { nodeHttpGet, type HttpGet, type HttpResponse } from './http.js';
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

const OPTION_KEYS: ReadonlySet<string> = new Set(['dir', 'mirror', 'retries', 'retryDelayMs', 'maxRetryDelayMs', 'idleTimeoutMs', 'onProgress', 'fetchImpl']);
const MAX_REDIRECTS = 5;

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

/** A failure of one attempt; `retry` says whether another attempt may help. */
class AttemptError extends Error {
  constructor(
    message: string,
    readonly retry: boolean,
    readonly status?: number,
    readonly retryAfterMs?: number,
  ) {
    super(message);
  }
}

function retriable(status: number): boolean {
  return status >= 500 || status === 408 || status === 429;
}

function retryAfter(h: string | undefined): number | undefined {
  if (h === undefined) return undefined;
  const s = Number(h);
  if (Number.isFinite(s) && s >= 0) return s * 1000;
  const t = Date.parse(h);
  return Number.isNaN(t) ? undefined : Math.max(0, t - Date.now());
}

function checkOptions(o: FetchOptions): Required<Pick<FetchOptions, 'retries' | 'retryDelayMs' | 'maxRetryDelayMs' | 'idleTimeoutMs'>> {
  for (const k of Object.keys(o)) if (!OPTION_KEYS.has(k)) throw new PosePortError('USAGE', `fetchCheckpoint: unknown option '${k}'`);
  const num = (k: 'retries' | 'retryDelayMs' | 'maxRetryDelayMs' | 'idleTimeoutMs', dflt: number, int: boolean): number => {
    const v = o[k];
    if (v === undefined) return dflt;
    if (typeof v !== 'number' || !Number.isFinite(v) || v < 0 || (int && !Number.isInteger(v)))
      throw new PosePortError('USAGE', `fetchCheckpoint: option '${k}' must be a ${int ? 'non-negative integer' : 'non-negative number'}, got ${String(v)}`);
    return v;
  };
  return { retries: num('retries', 4, true), retryDelayMs: num('retryDelayMs', 1000, false), maxRetryDelayMs: num('maxRetryDelayMs', 16000, false), idleTimeoutMs: num('idleTimeoutMs', 30000, false) };
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
    await mkdir(dir, { recursive: true });
  } catch (e) {
    throw new PosePortError('IO', `cannot create checkpoint directory: ${(e as Error).message}`, { file: dir });
  }

  const get = options.fetchImpl ?? nodeHttpGet;
  let attempts = 0;
  let resumed = false;
  let freshRetryDone = false;
  for (;;) {
    const r = await download(url, part, get, limits, options.onProgress, file, () => ++attempts);
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

/** Downloads `url` into `part` (continuing what is there), with retries; the bytes are not checked here. */
async function download(
  url: string,
  part: string,
  get: HttpGet,
  limits: ReturnType<typeof checkOptions>,
  onProgress: FetchOptions['onProgress'],
  file: string,
  countAttempt: () => number,
): Promise<DownloadResult> {
  const earlier = ((await sizeOf(part)) ?? 0) > 0;
  const target = part.slice(0, -'.part'.length);
  let resumed = false;
  let rewritten = false;
  for (let attempt = 1; ; attempt++) {
    const n = countAttempt();
    try {
      const r = await attemptOnce(url, part, get, limits.idleTimeoutMs, onProgress, file, () => (rewritten = true));
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
      await new Promise((r) => setTimeout(r, delay));
    }
  }
}

/** One request (following redirects): appends to `part` on 206, rewrites it on 200. */
async function attemptOnce(
  startUrl: string,
  part: string,
  get: HttpGet,
  idleTimeoutMs: number,
  onProgress: FetchOptions['onProgress'],
  file: string,
  /** called when the partial file is dropped or rewritten from byte 0 */
  restarted: () => void,
): Promise<{ bytes: number; resumed: boolean }> {
  const offset = (await sizeOf(part)) ?? 0;
  const headers: Record<string, string> = offset > 0 ? { range: `bytes=${offset}-` } : {};
  let url = startUrl;
  let res: HttpResponse;
  for (let hops = 0; ; hops++) {
    res = await get(url, headers, { idleTimeoutMs });
    const loc = res.headers.location;
    if (![301, 302, 303, 307, 308].includes(res.status) || loc === undefined) break;
    res.cancel();
    if (hops >= MAX_REDIRECTS) throw new AttemptError(`more than ${MAX_REDIRECTS} redirects from ${startUrl}`, false);
    const next = new URL(loc, url);
    if (next.protocol !== 'http:' && next.protocol !== 'https:') throw new AttemptError(`redirect to unsupported URL ${next.href}`, false);
    url = next.href;
  }

  const status = res.status;
  let start: number;
  let total: number | undefined;
  const length = res.headers['content-length'] !== undefined ? Number(res.headers['content-length']) : undefined;
  if (status === 206) {
    const cr = /^bytes (\d+)-(\d+)\/(\d+|\*)$/.exec(res.headers['content-range'] ?? '');
    if (!cr || Number(cr[1]) !== offset) {
      // a range we did not ask for: drop the partial file and start over on the next attempt
      res.cancel();
      await rm(part, { force: true });
      restarted();
      throw new AttemptError(`206 with Content-Range '${res.headers['content-range'] ?? ''}' for a request from byte ${offset}`, true, status);
    }
    start = offset;
    total = cr[3] !== '*' ? Number(cr[3]) : length !== undefined ? offset + length : undefined;
  } else if (status === 200) {
    start = 0; // the whole file: a server that ignores Range restarts it cleanly
    total = length;
  } else if (status === 416 && offset > 0) {
    // nothing after `offset`: complete when the server's size is exactly what we hold
    res.cancel();
    const cr = /^bytes \*\/(\d+)$/.exec(res.headers['content-range'] ?? '');
    if (cr && Number(cr[1]) === offset) return { bytes: offset, resumed: true };
    await rm(part, { force: true });
    restarted();
    throw new AttemptError(`416 ${res.statusText} for bytes from ${offset}; the partial file was dropped`, true, status);
  } else {
    res.cancel();
    throw new AttemptError(`${status} ${res.statusText}`.trim(), retriable(status), status, retryAfter(res.headers['retry-after']));
  }

  if (start === 0) restarted();
  let fh;
  try {
    fh = await open(part, start > 0 ? 'a' : 'w');
  } catch (e) {
    res.cancel();
    throw new PosePortError('IO', `cannot write the download: ${(e as Error).message}`, { file: part });
  }
  let received = start;
  try {
    onProgress?.({ file, received, total });
    for await (const chunk of res.body) {
      await fh.write(chunk);
      received += chunk.length;
      onProgress?.({ file, received, total });
    }
  } catch (e) {
    res.cancel();
    throw new AttemptError(`connection broken after ${received}${total !== undefined ? ` of ${total}` : ''} bytes: ${(e as Error)?.message ?? String(e)}`, true);
  } finally {
    await fh.close();
  }
  if (total !== undefined && received < total) throw new AttemptError(`connection closed after ${received} of ${total} bytes`, true);
  if (total !== undefined && received > total) {
    await rm(part, { force: true });
    restarted();
    throw new AttemptError(`received ${received} bytes, more than the ${total} announced; the partial file was dropped`, true);
  }
  return { bytes: received, resumed: start > 0 };
}
