/**
 * A bounded, deterministic fuzz over real torch-written checkpoints in both
 * containers (fixtures/pth). Every mutated file must either read correctly or fail
 * with a PosePortError carrying a code, the file and an offset; never another
 * exception, a hang or a runaway allocation. "Correctly": every tensor's data has
 * numel elements, and, when the mutation overwrote bytes in place, each tensor whose
 * bytes lie outside the overwritten range and whose description is unchanged reads
 * exactly the original bytes.
 */
import { mulberry32 } from '../helpers/manifest-tensors.js';
import test from 'ava';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { DTYPE_BYTES } from '../../src/core/dtype.js';
import { PosePortError } from '../../src/core/errors.js';
import { tensorSha256 } from '../../src/core/tensor-bytes.js';
import { openCheckpointBytes, type PthTensorEntry } from '../../src/pth/index.js';
import { FIXTURES } from './fixtures.js';

// POSE_PORT_FUZZ=<n> runs n mutations per file (and a seed offset) for longer local runs
const SEED = 0x5eed2024 + Number(process.env.POSE_PORT_FUZZ_SEED ?? 0);
const MUTATIONS_PER_FILE = Number(process.env.POSE_PORT_FUZZ ?? 150);
const TIME_BUDGET_MS = Math.max(90_000, MUTATIONS_PER_FILE * 100);
const FILES = ['dtypes-zip.pth', 'dtypes-legacy.pth', 'dtypes-proto4-zip.pth', 'dtypes-proto4-legacy.pth'];

const rng = mulberry32;

interface Mutation {
  bytes: Uint8Array;
  what: string;
  /** overwritten range when the length is unchanged */
  inPlace?: [number, number];
}

function mutate(src: Uint8Array, r: () => number, headerEnd: number): Mutation {
  const n = src.length;
  const int = (k: number) => Math.floor(r() * k);
  // aim most mutations at the pickles, headers and the zip directory, where the parsing is
  const pos = (): number => {
    const x = r();
    if (x < 0.45) return int(headerEnd);
    if (x < 0.7) return n - 1 - int(Math.min(n, 400));
    return int(n);
  };
  const b = src.slice();
  const kind = int(8);
  const p = pos();
  switch (kind) {
    case 0:
      b[p] ^= 1 << int(8);
      return { bytes: b, what: `flip bit at ${p}`, inPlace: [p, p + 1] };
    case 1: {
      const v = [0x00, 0xff, 0x7f, 0x80, int(256)][int(5)];
      b[p] = v;
      return { bytes: b, what: `byte ${p} = ${v}`, inPlace: [p, p + 1] };
    }
    case 2: {
      const v = [0xffffffff, 0x7fffffff, 0x80000000, 0, int(2 ** 32)][int(5)];
      const q = Math.min(p, n - 4);
      new DataView(b.buffer).setUint32(q, v, true);
      return { bytes: b, what: `u32 at ${q} = ${v}`, inPlace: [q, q + 4] };
    }
    case 3: {
      const q = Math.min(p, n - 8);
      new DataView(b.buffer).setBigUint64(q, [2n ** 63n, 2n ** 64n - 1n, 2n ** 40n][int(3)], true);
      return { bytes: b, what: `u64 at ${q}`, inPlace: [q, q + 8] };
    }
    case 4:
      return { bytes: src.slice(0, p), what: `truncate at ${p}` };
    case 5: {
      const k = 1 + int(16);
      return { bytes: new Uint8Array([...src.subarray(0, p), ...src.subarray(p + k)]), what: `delete ${k} at ${p}` };
    }
    case 6: {
      const ins = Array.from({ length: 1 + int(16) }, () => int(256));
      return { bytes: new Uint8Array([...src.subarray(0, p), ...ins, ...src.subarray(p)]), what: `insert ${ins.length} at ${p}` };
    }
    default: {
      const k = 1 + int(64);
      const from = int(Math.max(1, n - k));
      b.set(src.subarray(from, from + k), Math.min(p, n - k));
      const q = Math.min(p, n - k);
      return { bytes: b, what: `copy ${k} bytes from ${from} to ${q}`, inPlace: [q, q + k] };
    }
  }
}

function describe(e: PthTensorEntry): string {
  return JSON.stringify([e.dtype, e.shape, e.stride, e.storageOffset, e.fileOffset]);
}

for (const [fi, file] of FILES.entries()) {
  test(`fuzz ${file}: ${MUTATIONS_PER_FILE} mutations, each a correct read or a PosePortError`, (t) => {
    const original = new Uint8Array(readFileSync(join(FIXTURES, file)));
    const ref = openCheckpointBytes(original, { name: file });
    const refTensors = new Map(ref.tensors.entries.map((e) => [e.name, { desc: describe(e), sha: tensorSha256(e), e }]));
    const headerEnd = Math.min(...ref.tensors.entries.map((e) => e.fileOffset)) + 64;
    const r = rng(SEED + fi);
    const started = Date.now();
    const outcomes = new Map<string, number>();
    let done = 0;
    for (; done < MUTATIONS_PER_FILE && Date.now() - started < TIME_BUDGET_MS / FILES.length; done++) {
      const m = mutate(original, r, headerEnd);
      const t0 = Date.now();
      let outcome: string;
      try {
        const c = openCheckpointBytes(m.bytes, { name: file });
        for (const e of c.tensors.entries) {
          const d = e.data();
          if (d.length !== e.numel || d.byteLength !== e.byteLength) t.fail(`${m.what}: ${e.name} read ${d.length} of ${e.numel}`);
          const was = refTensors.get(e.name);
          if (m.inPlace && was && was.desc === describe(e)) {
            const [a, b] = m.inPlace;
            const lo = e.fileOffset;
            const hi = e.fileOffset + (e as unknown as { span: number }).span * DTYPE_BYTES[e.dtype];
            if ((b <= lo || a >= hi) && tensorSha256(e) !== was.sha) t.fail(`${m.what}: ${e.name} changed though its bytes were not touched`);
          }
        }
        outcome = 'read';
      } catch (e) {
        if (!(e instanceof PosePortError)) {
          t.fail(`${m.what}: ${(e as Error).stack}`);
          return;
        }
        if (e.file !== file || typeof e.offset !== 'number') t.fail(`${m.what}: error without file/offset: ${e.message}`);
        outcome = e.code;
      }
      outcomes.set(outcome, (outcomes.get(outcome) ?? 0) + 1);
      t.true(Date.now() - t0 < 10_000, `${m.what} took ${Date.now() - t0} ms`);
    }
    t.true(done >= Math.min(MUTATIONS_PER_FILE, 50), `only ${done} mutations in the time budget`);
    t.true(outcomes.size >= 2, 'both reads and errors occur');
    t.log(`${done} mutations: ${JSON.stringify(Object.fromEntries(outcomes))}`);
  });
}
