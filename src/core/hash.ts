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
function run({ path, ranges }) {
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
    parentPort.postMessage({ kind: 'file', sha256: hashRange(0, null) });
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

/**
 * sha256 of a whole file, then of named byte ranges in it, computed in a worker thread
 * (another core) while the caller goes on. The file's digest resolves first.
 */
export function hashFileAndRanges(path: string, ranges: readonly ByteRange[]): { file: Promise<string>; ranges: Promise<Record<string, string>> } {
  let fileDone: (v: string) => void, fileFail: (e: Error) => void, rangesDone: (v: Record<string, string>) => void, rangesFail: (e: Error) => void;
  const file = new Promise<string>((res, rej) => ((fileDone = res), (fileFail = rej)));
  const rangesP = new Promise<Record<string, string>>((res, rej) => ((rangesDone = res), (rangesFail = rej)));
  // a caller that fails early may never await the ranges: keep that from being an unhandled rejection
  rangesP.catch(() => {});
  const fail = (e: Error) => {
    fileFail(e);
    rangesFail(e);
  };
  const worker = new Worker(WORKER_SOURCE, { eval: true, workerData: { path, ranges } });
  worker.on('message', (m: { kind: 'file' | 'ranges' | 'error'; sha256?: string | Record<string, string>; error?: string }) => {
    if (m.kind === 'file') fileDone(m.sha256 as string);
    else if (m.kind === 'ranges') rangesDone(m.sha256 as Record<string, string>);
    else fail(new Error(`hashing '${path}': ${m.error}`));
  });
  worker.once('error', fail);
  worker.once('exit', (code) => {
    if (code !== 0) fail(new Error(`hash worker exited with ${code}`));
  });
  return { file, ranges: rangesP };
}
