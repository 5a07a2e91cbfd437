import { createHash } from 'node:crypto';
import { createReadStream } from 'node:fs';
import { Worker } from 'node:worker_threads';

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
 * dist/): positioned reads of the file in 8 MiB chunks, sha256 of each named range
 * and of the whole file.
 */
const WORKER_SOURCE = `
const { createHash } = require('node:crypto');
const { closeSync, openSync, readSync } = require('node:fs');
const { parentPort, workerData } = require('node:worker_threads');
const CHUNK = 8 << 20;
function run({ path, ranges, file }) {
  const fd = openSync(path, 'r');
  try {
    const buf = Buffer.allocUnsafe(CHUNK);
    const hashRange = (offset, length) => {
      const h = createHash('sha256');
      let at = offset;
      for (;;) {
        const want = length === null ? CHUNK : Math.min(CHUNK, offset + length - at);
        if (want <= 0) break;
        const n = readSync(fd, buf, 0, want, at);
        if (n === 0) {
          if (length !== null) throw new Error('range ' + offset + '+' + length + ' runs past the end of the file');
          break;
        }
        h.update(buf.subarray(0, n));
        at += n;
      }
      return h.digest('hex');
    };
    if (file) parentPort.postMessage({ kind: 'file', sha256: hashRange(0, null) });
    const out = {};
    for (const r of ranges) out[r.key] = hashRange(r.offset, r.length);
    parentPort.postMessage({ kind: 'ranges', sha256: out });
  } finally {
    closeSync(fd);
  }
}
try {
  run(workerData);
} catch (e) {
  parentPort.postMessage({ kind: 'error', error: String((e && e.message) || e) });
}
`;

function startWorker(path: string, job: { file: boolean; ranges: readonly ByteRange[] }, onMessage: (m: WorkerMessage) => void, fail: (e: Error) => void): void {
  // no inherited flags: the body is CommonJS even when the parent runs with --input-type=module
  const worker = new Worker(WORKER_SOURCE, { eval: true, execArgv: [], workerData: { path, ...job } });
  worker.on('message', (m: WorkerMessage) => (m.kind === 'error' ? fail(new Error(`hashing '${path}': ${m.error}`)) : onMessage(m)));
  worker.once('error', fail);
  worker.once('exit', (code) => {
    if (code !== 0) fail(new Error(`hash worker exited with ${code}`));
  });
}

type WorkerMessage =
  | { kind: 'file'; sha256: string }
  | { kind: 'ranges'; sha256: Record<string, string> }
  | { kind: 'error'; error: string };

/** sha256 of a whole file, computed in a worker thread (another core) while the caller goes on. */
export function sha256FileInWorker(path: string): Promise<string> {
  return new Promise((resolve, reject) =>
    startWorker(path, { file: true, ranges: [] }, (m) => m.kind === 'file' && resolve(m.sha256), reject),
  );
}

/** sha256 of named byte ranges of a file, computed in a worker thread. */
export function sha256RangesInWorker(path: string, ranges: readonly ByteRange[]): Promise<Record<string, string>> {
  return new Promise((resolve, reject) =>
    startWorker(path, { file: false, ranges }, (m) => m.kind === 'ranges' && resolve(m.sha256), reject),
  );
}
