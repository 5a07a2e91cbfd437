import { createHash } from 'node:crypto';
import { closeSync, createReadStream, openSync } from 'node:fs';
import { Worker } from 'node:worker_threads';
import { lane64Stream } from './checksum64.js';

/** sha256 (hex) of a file, streamed. */
export function sha256File(path: string): Promise<string> {
  return new Promise((resolve, reject) => {
    const h = createHash('sha256');
    createReadStream(path, { highWaterMark: 4 << 20 })
      .on('data', (c) => h.update(c))
      .on('error', reject)
      .on('end', () => resolve(h.digest('hex')));
  });
}

export function sha256Bytes(bytes: Uint8Array): string {
  return createHash('sha256').update(bytes).digest('hex');
}

export interface ByteRange {
  key: string;
  offset: number;
  length: number;
}

/**
 * The worker's body, plain JavaScript (it runs the same from src/ under tsx and from
 * dist/; lane64 is inserted from its own source). Three jobs, interleaved one step at a
 * time so the urgent one goes first:
 *  1. the output's sha256: shared slots (an ONNX file being written) hashed in the order
 *     posted, each acknowledged at once so the writer can reuse it;
 *  2. the file's sha256, one streamed pass in 1 MiB positioned reads, posted when done;
 *     the byte ranges (tensors) posted before the pass reached them get their lane64
 *     checksums from the same reads;
 *  3. the lane64 of the ranges the pass had already gone by, read again from the page
 *     cache (the file was just read) in 1 MiB pieces, one a step; then all are posted.
 */
const WORKER_SOURCE = `
const { createHash } = require('node:crypto');
const { readSync } = require('node:fs');
const { parentPort, workerData } = require('node:worker_threads');
const lane64Stream = ${lane64Stream.toString()};
const CHUNK = 1 << 20;
let failed = false;
const fail = (e) => {
  failed = true;
  parentPort.postMessage({ kind: 'error', error: String((e && e.message) || e) });
};
function readFull(fd, buf, length, at) {
  let got = 0;
  while (got < length) {
    const n = readSync(fd, buf, got, length - got, at + got);
    if (n === 0) throw new Error('range ' + at + '+' + length + ' runs past the end of the file');
    got += n;
  }
}
const fd = workerData.fd; // opened and closed by the parent
const file = { h: createHash('sha256'), buf: Buffer.allocUnsafe(CHUNK), at: 0, done: false };
const out = { slots: null, h: null, queue: [], digestWanted: false };
const ranges = {
  posted: false,
  // ranges ahead of the file pass, by offset; the next to start; those started, with their streams
  inline: [],
  inlineNext: 0,
  active: [],
  // ranges behind it, read again: the next, how far into it, its stream
  reread: [],
  next: 0,
  at: 0,
  stream: null,
  // a fresh ArrayBuffer: offset 0 is aligned for lane64's 32-bit words
  buf: new Uint8Array(CHUNK),
  sums: {},
};
const pastEnd = (r) => new Error('range ' + r.offset + '+' + r.length + ' runs past the end of the file');
/** lane64 of the inline ranges over file bytes [at, at + n) in file.buf */
function feedRanges(at, n) {
  const end = at + n;
  while (ranges.inlineNext < ranges.inline.length && ranges.inline[ranges.inlineNext].offset < end)
    ranges.active.push({ r: ranges.inline[ranges.inlineNext++], s: lane64Stream() });
  ranges.active = ranges.active.filter(({ r, s }) => {
    const from = Math.max(r.offset, at);
    const to = Math.min(r.offset + r.length, end);
    if (to > from) s.update(file.buf.subarray(from - at, to - at));
    if (r.offset + r.length > end) return true;
    ranges.sums[r.key] = s.digest();
    return false;
  });
}
let scheduled = false;
function step() {
  scheduled = false;
  if (failed) return;
  try {
    if (out.queue.length > 0) {
      const { index, length } = out.queue.shift();
      out.h.update(new Uint8Array(out.slots[index], 0, length));
      parentPort.postMessage({ kind: 'slot', index });
    } else if (out.digestWanted) {
      out.digestWanted = false;
      parentPort.postMessage({ kind: 'output', sha256: out.h.digest('hex') });
      out.h = createHash('sha256'); // a later output starts afresh
    } else if (!file.done) {
      const n = readSync(fd, file.buf, 0, CHUNK, file.at);
      if (n > 0) {
        file.h.update(file.buf.subarray(0, n));
        feedRanges(file.at, n);
        file.at += n;
      } else {
        file.done = true;
        file.buf = null;
        parentPort.postMessage({ kind: 'file', sha256: file.h.digest('hex') });
        if (ranges.active.length > 0) throw pastEnd(ranges.active[0].r);
        for (const r of ranges.inline.slice(ranges.inlineNext)) {
          if (r.length > 0) throw pastEnd(r);
          ranges.sums[r.key] = lane64Stream().digest();
        }
        ranges.inlineNext = ranges.inline.length;
      }
    } else if (ranges.posted && ranges.next < ranges.reread.length) {
      const r = ranges.reread[ranges.next];
      ranges.stream ??= lane64Stream();
      const n = Math.min(CHUNK, r.length - ranges.at);
      readFull(fd, ranges.buf, n, r.offset + ranges.at);
      ranges.stream.update(ranges.buf.subarray(0, n));
      ranges.at += n;
      if (ranges.at === r.length) {
        ranges.sums[r.key] = ranges.stream.digest();
        ranges.stream = null;
        ranges.at = 0;
        ranges.next++;
      }
    } else if (ranges.posted) {
      parentPort.postMessage({ kind: 'ranges', checksums: ranges.sums });
      ranges.posted = false;
    } else return; // idle until the next message
  } catch (e) {
    return fail(e);
  }
  schedule();
}
function schedule() {
  if (!scheduled) {
    scheduled = true;
    setImmediate(step);
  }
}
parentPort.on('message', (m) => {
  if (m.kind === 'ranges') {
    ranges.posted = true;
    for (const r of [...m.ranges].sort((a, b) => a.offset - b.offset)) (file.done || r.offset < file.at ? ranges.reread : ranges.inline).push(r);
  } else if (m.kind === 'slots') {
    out.slots = m.slots;
    out.h = createHash('sha256');
  } else if (m.kind === 'slot') out.queue.push(m);
  else if (m.kind === 'digest') out.digestWanted = true;
  schedule();
});
schedule();
`;

type WorkerMessage =
  | { kind: 'file'; sha256: string }
  | { kind: 'ranges'; checksums: Record<string, string> }
  | { kind: 'slot'; index: number }
  | { kind: 'output'; sha256: string }
  | { kind: 'error'; error: string };

/** The sha256 of a stream of bytes passed through shared slots (see FileHasher.output). */
export interface SlotHasher {
  /** hashes the first `length` bytes of slot `index` after every slot posted before; resolves when the slot may be reused */
  hash(index: number, length: number): Promise<void>;
  /** the digest of everything posted, once hashed */
  digest(): Promise<string>;
}

/** What hashFileInWorker computes, on another core. */
export interface FileHasher {
  /** sha256 of the whole file, one streamed pass */
  readonly sha256: Promise<string>;
  /** lane64 (./checksum64.ts) of each byte range, computed after the file's sha256 */
  checksums(ranges: readonly ByteRange[]): Promise<Record<string, string>>;
  /**
   * A sha256 over bytes the caller writes into `slots` (once per hasher): each posted slot
   * is hashed before the file's own pass continues, so a writer waits only for the hashing
   * of what it wrote.
   */
  output(slots: readonly SharedArrayBuffer[]): SlotHasher;
  /** stops the worker (idempotent; a pending result then never settles) */
  close(): void;
}

type Pending<T> = { resolve: (v: T) => void; reject: (e: Error) => void };

/** A promise with its settle functions, its rejection handled (a caller that stops early leaves none unhandled). */
function pending<T>(): { promise: Promise<T>; settle: Pending<T> } {
  let settle!: Pending<T>;
  const promise = new Promise<T>((resolve, reject) => (settle = { resolve, reject }));
  promise.catch(() => {});
  return { promise, settle };
}

/**
 * Starts one worker thread on `path`: the file's sha256 at once, the lane64 of the ranges
 * given to `checksums` (once; the tensors' offsets are known only after the checkpoint's
 * index is read), and the sha256 of an output written through `output`'s slots. Every
 * promise is also handled, so a caller that stops early leaves no unhandled rejection;
 * close() ends the worker.
 */
export function hashFileInWorker(path: string): FileHasher {
  // no inherited flags: the body is CommonJS even when the parent runs with --input-type=module
  // the file is opened here and closed once the worker has stopped; a file that cannot be
  // opened gives a hasher whose every result rejects (the reader reports the file itself)
  let fd: number;
  try {
    fd = openSync(path, 'r');
  } catch (e) {
    const failed = <T>(): Promise<T> => {
      const p = Promise.reject(new Error(`hashing '${path}': ${(e as Error).message}`));
      p.catch(() => {});
      return p;
    };
    return { sha256: failed(), checksums: failed, output: () => ({ hash: failed, digest: failed }), close() {} };
  }
  const worker = new Worker(WORKER_SOURCE, { eval: true, execArgv: [], workerData: { fd } });
  worker.unref();
  let closed = false;
  let failure: Error | null = null;
  const sha = pending<string>();
  let onRanges: Pending<Record<string, string>> | null = null;
  const slotWaits = new Map<number, Pending<void>[]>();
  let onOutput: Pending<string> | null = null;
  const fail = (e: Error) => {
    failure ??= e;
    sha.settle.reject(failure);
    onRanges?.reject(failure);
    onOutput?.reject(failure);
    for (const ws of slotWaits.values()) for (const w of ws) w.reject(failure);
    slotWaits.clear();
  };
  worker.on('message', (m: WorkerMessage) => {
    if (m.kind === 'error') fail(new Error(`hashing '${path}': ${m.error}`));
    else if (m.kind === 'file') sha.settle.resolve(m.sha256);
    else if (m.kind === 'ranges') onRanges?.resolve(m.checksums);
    else if (m.kind === 'slot') slotWaits.get(m.index)?.shift()?.resolve();
    else onOutput?.resolve(m.sha256);
  });
  worker.once('error', fail);
  worker.once('exit', (code) => {
    if (code !== 0) fail(new Error(`hash worker exited with ${code}`));
  });
  /** posts `message` and returns a promise settled by `register` (rejected at once after a failure) */
  const ask = <T>(message: unknown, register: (p: Pending<T>) => void): Promise<T> => {
    const { promise, settle } = pending<T>();
    if (failure) settle.reject(failure);
    else {
      register(settle);
      worker.postMessage(message);
    }
    return promise;
  };
  return {
    sha256: sha.promise,
    checksums: (ranges) => ask({ kind: 'ranges', ranges }, (p) => (onRanges = p)),
    output(slots) {
      worker.postMessage({ kind: 'slots', slots });
      return {
        hash: (index, length) =>
          ask({ kind: 'slot', index, length }, (p) => {
            const ws = slotWaits.get(index) ?? [];
            ws.push(p);
            slotWaits.set(index, ws);
          }),
        digest: () => ask({ kind: 'digest' }, (p) => (onOutput = p)),
      };
    },
    close() {
      if (closed) return;
      closed = true;
      void worker.terminate().finally(() => closeSync(fd));
    },
  };
}
