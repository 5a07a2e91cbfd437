/**
 * lane64 (src/core/checksum64.ts), the per-tensor checksum of report.json, and the hash
 * worker (src/core/hash.ts) that runs the same function from its source text.
 */
import test from 'ava';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { lane64 } from '../../src/core/checksum64.js';
import { hashFileInWorker, sha256Bytes } from '../../src/core/hash.js';

/** deterministic bytes (a 32-bit LCG), so a failure reproduces */
function bytesOf(n: number, seed = 1): Uint8Array {
  const out = new Uint8Array(n);
  let s = seed >>> 0;
  for (let i = 0; i < n; i++) {
    s = (Math.imul(s, 1664525) + 1013904223) >>> 0;
    out[i] = s >>> 24;
  }
  return out;
}

test('16 hex digits, the same for the same bytes wherever they lie in memory', (t) => {
  const b = bytesOf(103);
  const h = lane64(b);
  t.regex(h, /^[0-9a-f]{16}$/);
  for (let off = 0; off < 4; off++) {
    const host = new Uint8Array(b.length + 8);
    host.set(b, off);
    t.is(lane64(host.subarray(off, off + b.length)), h, `offset ${off}`);
    t.is(lane64(Buffer.from(host).subarray(off, off + b.length)), h, `Buffer at offset ${off}`);
  }
});

test('one changed byte anywhere (lanes, tail words, tail bytes) changes the checksum; so does the length', (t) => {
  for (const n of [1, 2, 3, 4, 5, 15, 16, 17, 37, 64, 1027]) {
    const b = bytesOf(n, n);
    const h = lane64(b);
    for (let i = 0; i < n; i++) {
      const c = b.slice();
      c[i] ^= 1 << (i % 8);
      t.not(lane64(c), h, `n=${n}, byte ${i}`);
    }
  }
  const seen = new Set([new Uint8Array(0), new Uint8Array(1), new Uint8Array(2), new Uint8Array(4), new Uint8Array(16), new Uint8Array(17)].map(lane64));
  t.is(seen.size, 6, 'zero runs of different lengths differ');
});

test('the worker: the file sha256 and the lane64 of byte ranges equal those computed here', async (t) => {
  const dir = mkdtempSync(join(tmpdir(), 'pose-port-lane64-'));
  try {
    const bytes = bytesOf((9 << 20) + 13, 7); // more than one 8 MiB read
    const file = join(dir, 'f.bin');
    writeFileSync(file, bytes);
    const hasher = hashFileInWorker(file);
    t.is(await hasher.sha256, sha256Bytes(bytes));
    const ranges = [
      { key: 'a', offset: 0, length: 4096 },
      { key: 'b', offset: 3, length: 1001 },
      { key: 'c', offset: 5 << 20, length: (4 << 20) + 13 },
      { key: 'empty', offset: 10, length: 0 },
    ];
    const got = await hasher.checksums(ranges);
    for (const r of ranges) t.is(got[r.key], lane64(bytes.subarray(r.offset, r.offset + r.length)), r.key);
    hasher.close();

    const past = hashFileInWorker(file);
    await past.sha256;
    await t.throwsAsync(past.checksums([{ key: 'x', offset: bytes.length - 4, length: 8 }]), { message: /f\.bin.*runs past the end of the file/ });
    past.close();
    const absent = hashFileInWorker(join(dir, 'absent.bin'));
    await t.throwsAsync(absent.sha256, { message: /absent\.bin/ });
    absent.close();
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});
