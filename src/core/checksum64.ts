/**
 * lane64: pose-port's 64-bit, non-cryptographic checksum of a tensor's bytes, the one
 * report.json's `tensor_checksums` records and `pose-port verify` recomputes.
 *
 * Why not sha256: the per-tensor checksums only have to tell `verify` which tensors of
 * a checkpoint differ from the converted one (the file's own sha256 is recorded and
 * checked as well); they are computed over every tensor byte at each convert and verify.
 * A multiply-rotate hash over 32-bit words in four independent lanes (the xxHash32 round
 * structure, our own finalisation; not compatible with any xxHash output) runs at memory
 * speed in plain JavaScript, ~1.3 GB/s here, on any CPU; sha256 is ~1.2 GB/s only where
 * the CPU has SHA extensions and 3-5x slower elsewhere. A 64-bit result makes an
 * accidental match of two different tensors negligible (2^-64); it is not meant to
 * resist a forger (the file sha256 is what identifies a checkpoint).
 *
 * Bytes are read as little-endian 32-bit words (pose-port runs on little-endian hosts
 * only); 1-3 trailing bytes and the length are folded in, so prefixes differ.
 *
 * The function body is self-contained (no outer names): the hash worker
 * (./hash.ts) runs the same code from `lane64.toString()`.
 */
export const TENSOR_CHECKSUM_ALGORITHM = 'lane64-v1';

/** lane64 of `bytes` as 16 hex digits. */
export function lane64(bytes: Uint8Array): string {
  const P1 = 0x9e3779b1 | 0;
  const P2 = 0x85ebca77 | 0;
  const P3 = 0xc2b2ae3d | 0;
  const P4 = 0x27d4eb2f | 0;
  const P5 = 0x165667b1 | 0;
  // Int32Array needs a 4-byte aligned offset: copy the (rare) unaligned views
  const u8 = bytes.byteOffset % 4 === 0 ? bytes : new Uint8Array(bytes); // a copy (Buffer#slice would be a view)
  const n = u8.length;
  const words = n >>> 2;
  const w = new Int32Array(u8.buffer, u8.byteOffset, words);
  let a = P1;
  let b = P2;
  let c = P3;
  let d = P4;
  const body = words & ~3;
  let i = 0;
  let x = 0;
  for (; i < body; i += 4) {
    x = (a + Math.imul(w[i], P2)) | 0;
    a = Math.imul((x << 13) | (x >>> 19), P1);
    x = (b + Math.imul(w[i + 1], P2)) | 0;
    b = Math.imul((x << 13) | (x >>> 19), P1);
    x = (c + Math.imul(w[i + 2], P2)) | 0;
    c = Math.imul((x << 13) | (x >>> 19), P1);
    x = (d + Math.imul(w[i + 3], P2)) | 0;
    d = Math.imul((x << 13) | (x >>> 19), P1);
  }
  for (let k = 0; i < words; i++, k++) {
    x = (a + Math.imul(w[i], P3) + k) | 0;
    a = Math.imul((x << 17) | (x >>> 15), P4);
  }
  for (let j = words << 2; j < n; j++) {
    x = (b + Math.imul(u8[j] + 1, P5)) | 0;
    b = Math.imul((x << 11) | (x >>> 21), P1);
  }
  const lenLo = n | 0;
  const lenHi = Math.floor(n / 4294967296) | 0;
  // final avalanche written out twice (no inner functions: see the header)
  let hi = (((a << 1) | (a >>> 31)) + ((b << 7) | (b >>> 25)) + ((c << 12) | (c >>> 20)) + ((d << 18) | (d >>> 14)) + lenLo) | 0;
  hi = Math.imul(hi ^ (hi >>> 15), P2);
  hi = Math.imul(hi ^ (hi >>> 13), P3);
  hi = (hi ^ (hi >>> 16)) >>> 0;
  let lo = (Math.imul(a, P3) ^ Math.imul(b, P4) ^ Math.imul(c, P5) ^ Math.imul(d, P1) ^ lenHi ^ Math.imul(lenLo, P2) ^ hi) | 0;
  lo = Math.imul(lo ^ (lo >>> 15), P2);
  lo = Math.imul(lo ^ (lo >>> 13), P3);
  lo = (lo ^ (lo >>> 16)) >>> 0;
  return hi.toString(16).padStart(8, '0') + lo.toString(16).padStart(8, '0');
}
