/**
 * lane64 (src/core/checksum64.ts), the per-tensor checksum of report.json, and the hash
 * worker (src/core/hash.ts) that runs the same function from its source text.
 */
import test from 'ava';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { lane64, lane64Stream } from '../../src/core/checksum64.js';
import { hashFileInWorker, sha256Bytes } from '../../src/core/hash.js';
import { createHash } from 'node:crypto';

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

test('lane64-v1 values are pinned (reports written earlier must still verify)', (t) => {
  // computed by the one-piece implementation that wrote the first lane64-v1 reports
  const pinned: Record<number, string> = {
    0: '30afad15de800661',
    1: 'b691f67dc054d5c9',
    3: 'b0e9605bc6a84ede',
    4: 'e5d07ccdb33c24f2',
    15: '575d63b0b68d83cc',
    16: 'f90efe067bb3074e',
    17: '957c23efeae6325c',
    31: '17d33d8b95bfbac6',
    64: '7e22ee96e1b4c2a0',
    1027: '5115ccffed74bf4d',
    65543: '8cb1692505444981',
  };
  for (const [n, h] of Object.entries(pinned)) t.is(lane64(bytesOf(Number(n), Number(n) + 1)), h, `n=${n}`);
});

test('lane64Stream over any split of the bytes equals lane64 of the whole', (t) => {
  for (const n of [0, 1, 5, 16, 17, 33, 100, 1027, 4099]) {
    const b = bytesOf(n, n + 3);
    const whole = lane64(b);
    for (const cuts of [[0], [1], [3, 7], [15, 16, 17], [5, 6, 7, 8, 9, 40], [n >> 1]]) {
      const s = lane64Stream();
      let at = 0;
      for (const c of [...cuts.filter((x) => x <= n), n]) {
        s.update(b.subarray(at, Math.max(at, c)));
        at = Math.max(at, c);
      }
      t.is(s.digest(), whole, `n=${n}, cuts ${cuts.join(',')}`);
    }
  }
});

test('the worker: an output written through shared slots gets the sha256 of the bytes in order; a slot is released once hashed', async (t) => {
  const dir = mkdtempSync(join(tmpdir(), 'pose-port-slots-'));
  try {
    const file = join(dir, 'f.bin');
    writeFileSync(file, bytesOf((3 << 20) + 5, 3));
    const hasher = hashFileInWorker(file);
    const slots = [new SharedArrayBuffer(1 << 16), new SharedArrayBuffer(1 << 16)];
    const out = hasher.output(slots);
    const data = bytesOf(5 * (1 << 16) + 123, 9);
    const h = createHash('sha256');
    for (let at = 0, i = 0; at < data.length; i++) {
      const n = Math.min(1 << 16, data.length - at);
      new Uint8Array(slots[i % 2]).set(data.subarray(at, at + n));
      await out.hash(i % 2, n); // the slot is reused only after this resolves
      h.update(data.subarray(at, at + n));
      at += n;
    }
    t.is(await out.digest(), h.digest('hex'));
    t.is(await out.digest(), sha256Bytes(new Uint8Array(0)), 'a second digest starts afresh');
    t.is(await hasher.sha256, sha256Bytes(bytesOf((3 << 20) + 5, 3)));
    hasher.close();
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('the worker: the file sha256 and the lane64 of byte ranges equal those computed here', async (t) => {
  const dir = mkdtempSync(join(tmpdir(), 'pose-port-lane64-'));
  try {
    const bytes = bytesOf((9 << 20) + 13, 7); // several 2 MiB reads
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

    // posted at once, the ranges are checksummed from the sha256 pass's own reads (overlapping, empty, unordered)
    const early = hashFileInWorker(file);
    const overlapping = [...ranges, { key: 'd', offset: (5 << 20) + 100, length: 3 << 20 }, { key: 'e', offset: (9 << 20) + 13, length: 0 }, { key: 'f', offset: 1, length: (9 << 20) + 12 }];
    const early2 = early.checksums(overlapping);
    t.is(await early.sha256, sha256Bytes(bytes));
    const got2 = await early2;
    for (const r of overlapping) t.is(got2[r.key], lane64(bytes.subarray(r.offset, r.offset + r.length)), `early ${r.key}`);
    early.close();
    const earlyPast = hashFileInWorker(file);
    await t.throwsAsync(earlyPast.checksums([{ key: 'x', offset: bytes.length - 4, length: 8 }]), { message: /f\.bin.*runs past the end of the file/ });
    earlyPast.close();

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
