import { createHash } from 'node:crypto';
import { createReadStream } from 'node:fs';
import { Worker } from 'node:worker_threads';
import { lane64 } from './checksum64.js';

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
 * dist/; lane64 is inserted from its own source): one streamed pass of the file in
 * 8 MiB positioned reads for its sha256, posted at once; then it waits for the byte
 * ranges (tensors) and posts the lane64 checksum of each. The file was just read
 * whole, so those reads come from the page cache.
 */
const WORKER_SOURCE = `
const { createHash } = require('node:crypto');
const { closeSync, openSync, readSync } = require('node:fs');
const { parentPort, workerData } = require('node:worker_threads');
const lane64 = ${lane64.toString()};
const CHUNK = 8 << 20;
const fail = (e) => parentPort.postMessage({ kind: 'error', error: String((e && e.message) || e) });
function readFull(fd, buf, length, at) {
  let got = 0;
  while (got < length) {
    const n = readSync(fd, buf, got, length - got, at + got);
    if (n === 0) throw new Error('range ' + at + '+' + length + ' runs past the end of the file');
    got += n;
  }
}
function fileSha256(path) {
  const fd = openSync(path, 'r');
  try {
    const h = createHash('sha256');
    const buf = Buffer.allocUnsafe(CHUNK);
    for (let at = 0; ; ) {
      const n = readSync(fd, buf, 0, CHUNK, at);
      if (n === 0) break;
      h.update(buf.subarray(0, n));
      at += n;
    }
    return h.digest('hex');
  } finally {
    closeSync(fd);
  }
}
function rangeChecksums(path, ranges) {
  const fd = openSync(path, 'r');
  try {
    // a fresh ArrayBuffer: offset 0 is aligned for lane64's 32-bit words
    const buf = new Uint8Array(ranges.reduce((m, r) => Math.max(m, r.length), 0));
    const out = {};
    for (const r of ranges) {
      readFull(fd, buf, r.length, r.offset);
      out[r.key] = lane64(buf.subarray(0, r.length));
    }
    return out;
  } finally {
    closeSync(fd);
  }
}
try {
  parentPort.postMessage({ kind: 'file', sha256: fileSha256(workerData.path) });
  parentPort.once('message', (ranges) => {
    try {
      parentPort.postMessage({ kind: 'ranges', checksums: rangeChecksums(workerData.path, ranges) });
    } catch (e) {
      fail(e);
    }
  });
} catch (e) {
  fail(e);
}
`;

type WorkerMessage = { kind: 'file'; sha256: string } | { kind: 'ranges'; checksums: Record<string, string> } | { kind: 'error'; error: string };

/** What hashCheckpointInWorker computes, on another core. */
export interface FileHasher {
  /** sha256 of the whole file, one streamed pass */
  readonly sha256: Promise<string>;
  /** lane64 (./checksum64.ts) of each byte range, computed after the file's sha256 */
  checksums(ranges: readonly ByteRange[]): Promise<Record<string, string>>;
  /** stops the worker (idempotent; a pending result then never settles) */
  close(): void;
}

/**
 * Starts one worker thread on `path`: the file's sha256 at once, then the lane64 of the
 * ranges given to `checksums` (once; the tensors' offsets are known only after the
 * checkpoint's index is read). Both promises are also handled, so a caller that stops
 * early leaves no unhandled rejection; close() ends the worker.
 */
export function hashFileInWorker(path: string): FileHasher {
  // no inherited flags: the body is CommonJS even when the parent runs with --input-type=module
  const worker = new Worker(WORKER_SOURCE, { eval: true, execArgv: [], workerData: { path } });
  worker.unref();
  let onRanges: { resolve: (c: Record<string, string>) => void; reject: (e: Error) => void } | null = null;
  let failure: Error | null = null;
  let resolveSha!: (s: string) => void;
  let rejectSha!: (e: Error) => void;
  const sha256 = new Promise<string>((res, rej) => ((resolveSha = res), (rejectSha = rej)));
  sha256.catch(() => {});
  const fail = (e: Error) => {
    failure ??= e;
    rejectSha(failure);
    onRanges?.reject(failure);
  };
  worker.on('message', (m: WorkerMessage) => {
    if (m.kind === 'error') fail(new Error(`hashing '${path}': ${m.error}`));
    else if (m.kind === 'file') resolveSha(m.sha256);
    else onRanges?.resolve(m.checksums);
  });
  worker.once('error', fail);
  worker.once('exit', (code) => {
    if (code !== 0) fail(new Error(`hash worker exited with ${code}`));
  });
  return {
    sha256,
    checksums(ranges) {
      const p = new Promise<Record<string, string>>((resolve, reject) => {
        if (failure) return reject(failure);
        onRanges = { resolve, reject };
        worker.postMessage(ranges);
      });
      p.catch(() => {});
      return p;
    },
    close: () => void worker.terminate(),
  };
}
