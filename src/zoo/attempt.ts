/**
 * One download attempt: a GET (following redirects) that continues the partial file
 * with a Range request or rewrites it on 200, writing every chunk to the end and
 * within the fetch's limits (size cap, overall deadline, minimum rate). Failures
 * another attempt may cure are `AttemptError`s; the rest (a local write error, a body
 * past the cap, the deadline) are `PosePortError`s that end the fetch.
 */
import { rm } from 'node:fs/promises';
import type { FileHandle } from 'node:fs/promises';
import { PosePortError } from '../core/errors.js';
import type { HttpGet, HttpResponse } from './http.js';
import { isSpaceError, openPart, partSize, writeError } from './part-file.js';
import { AttemptWatch, Stopped, type RateLimits } from './watch.js';

export const MAX_REDIRECTS = 5;

/** A failure of one attempt; `retry` says whether another attempt may help. */
export class AttemptError extends Error {
  constructor(
    message: string,
    readonly retry: boolean,
    readonly status?: number,
    readonly retryAfterMs?: number,
  ) {
    super(message);
  }
}

export interface Job {
  url: string;
  /** the `.part` file */
  part: string;
  /** the registry's file name (progress) */
  file: string;
  get: HttpGet;
  idleTimeoutMs: number;
  limits: RateLimits & {
    /** the largest body accepted, and where that figure comes from (for messages) */
    maxBytes: number;
    maxBytesSource: string;
    deadlineMs: number;
  };
  onProgress?: (p: { file: string; received: number; total?: number }) => void;
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

/** The deadline passed: the fetch ends (the partial file stays for a later resume). */
export function deadlineError(job: Job, attempts: number): PosePortError {
  return new PosePortError(
    'DOWNLOAD_FAILED',
    `download of ${job.url} did not finish within the ${job.limits.deadlineMs / 1000} s deadline (attempts: ${attempts}; what arrived stays in ${job.part} for a later resume)`,
    { file: job.part.slice(0, -'.part'.length), details: { url: job.url, attempts, reason: 'deadline', deadlineMs: job.limits.deadlineMs } },
  );
}

function tooLarge(job: Job, attempts: number, what: string): PosePortError {
  return new PosePortError('DOWNLOAD_FAILED', `download of ${job.url} refused: ${what}, more than the ${job.limits.maxBytes}-byte cap (${job.limits.maxBytesSource}); not retried`, {
    file: job.part.slice(0, -'.part'.length),
    details: { url: job.url, attempts, reason: 'too-large', maxBytes: job.limits.maxBytes },
  });
}

/** Writes all of `chunk` (a write may take fewer bytes than asked). */
async function writeAll(fh: FileHandle, chunk: Uint8Array): Promise<void> {
  for (let done = 0; done < chunk.length; ) {
    const { bytesWritten } = await fh.write(chunk, done, chunk.length - done);
    if (bytesWritten <= 0) throw Object.assign(new Error('write accepted no bytes'), { code: 'EIO' });
    done += bytesWritten;
  }
}

/**
 * One request: appends to the partial file on 206, rewrites it on 200. `restarted` is
 * called when the partial file is dropped or rewritten from byte 0.
 */
export async function attemptOnce(job: Job, attempt: number, restarted: () => void): Promise<{ bytes: number; resumed: boolean }> {
  const watch = new AttemptWatch(job.limits);
  let res: HttpResponse | undefined;
  try {
    return await transfer(job, attempt, restarted, watch, (r) => (res = r));
  } catch (e) {
    res?.cancel();
    if (e instanceof Stopped) {
      if (e.why === 'deadline') throw deadlineError(job, attempt);
      throw new AttemptError(`transfer too slow: ${e.message}`, true);
    }
    throw e;
  } finally {
    watch.dispose();
  }
}

async function transfer(job: Job, attempt: number, restarted: () => void, watch: AttemptWatch, opened: (r: HttpResponse) => void): Promise<{ bytes: number; resumed: boolean }> {
  const { part, file, limits } = job;
  const offset = await partSize(part);
  const headers: Record<string, string> = offset > 0 ? { range: `bytes=${offset}-` } : {};
  let url = job.url;
  let res: HttpResponse;
  for (let hops = 0; ; hops++) {
    res = await watch.race(job.get(url, headers, { idleTimeoutMs: job.idleTimeoutMs, signal: watch.signal }));
    opened(res);
    const loc = res.headers.location;
    if (![301, 302, 303, 307, 308].includes(res.status) || loc === undefined) break;
    res.cancel();
    if (hops >= MAX_REDIRECTS) throw new AttemptError(`more than ${MAX_REDIRECTS} redirects from ${job.url}`, false);
    const next = new URL(loc, url);
    if (next.protocol !== 'http:' && next.protocol !== 'https:') throw new AttemptError(`redirect to unsupported URL ${next.href}`, false);
    url = next.href;
  }

  const status = res.status;
  let start: number;
  let total: number | undefined;
  const lengthHeader = res.headers['content-length'];
  const length = lengthHeader !== undefined && /^\d+$/.test(lengthHeader.trim()) ? Number(lengthHeader) : undefined;
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
  if (total !== undefined && total > limits.maxBytes) {
    res.cancel();
    throw tooLarge(job, attempt, `the server announces ${total} bytes`);
  }

  if (start === 0) restarted();
  let fh: FileHandle;
  try {
    const p = await openPart(part, start > 0);
    fh = p.fh;
    if (p.size !== start) {
      await fh.close();
      throw new AttemptError(`the partial file changed size (${start} -> ${p.size} bytes) while the request was made`, true);
    }
  } catch (e) {
    res.cancel();
    throw e;
  }
  let received = start;
  let closed = false;
  try {
    job.onProgress?.({ file, received, total });
    const chunks = res.body[Symbol.asyncIterator]();
    for (;;) {
      let next: IteratorResult<Uint8Array>;
      try {
        next = await watch.race(chunks.next());
      } catch (e) {
        if (e instanceof Stopped) throw e;
        throw new AttemptError(`connection broken after ${received}${total !== undefined ? ` of ${total}` : ''} bytes: ${(e as Error)?.message ?? String(e)}`, true);
      }
      if (next.done) break;
      const chunk = next.value;
      if (received + chunk.length > limits.maxBytes) {
        res.cancel();
        await fh.close();
        closed = true;
        await rm(part, { force: true });
        restarted();
        throw tooLarge(job, attempt, `the body went past ${limits.maxBytes} bytes${total !== undefined ? ` (${total} announced)` : ''}; the partial file was dropped`);
      }
      try {
        await writeAll(fh, chunk);
      } catch (e) {
        res.cancel();
        await fh.close().catch(() => {});
        closed = true;
        if (isSpaceError(e)) await rm(part, { force: true });
        throw writeError(part, e, received);
      }
      received += chunk.length;
      watch.count(chunk.length);
      job.onProgress?.({ file, received, total });
    }
    closed = true;
    try {
      await fh.close(); // a deferred write error (NFS, quota) surfaces here
    } catch (e) {
      if (isSpaceError(e)) await rm(part, { force: true });
      throw writeError(part, e, received);
    }
  } finally {
    if (!closed) await fh.close().catch(() => {});
  }
  if (total !== undefined && received < total) throw new AttemptError(`connection closed after ${received} of ${total} bytes`, true);
  if (total !== undefined && received > total) {
    await rm(part, { force: true });
    restarted();
    throw new AttemptError(`received ${received} bytes, more than the ${total} announced; the partial file was dropped`, true);
  }
  return { bytes: received, resumed: start > 0 };
}
