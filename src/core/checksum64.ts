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
 * lane64Stream's body is self-contained (no outer names, no inner named functions, which
 * tsx would wrap in a helper): the hash worker (./hash.ts) runs the same code from
 * `lane64Stream.toString()`.
 */
export const TENSOR_CHECKSUM_ALGORITHM = 'lane64-v1';

/** lane64 of `bytes` as 16 hex digits. */
export function lane64(bytes: Uint8Array): string {
  const s = lane64Stream();
  s.update(bytes);
  return s.digest();
}

/** lane64 over bytes given in pieces: the same digest as lane64 of their concatenation. */
export interface Lane64Stream {
  update(bytes: Uint8Array): void;
  digest(): string;
}

/**
 * lane64 fed in pieces (the hash worker checksums a tensor in bounded reads). The four
 * lanes take whole 16-byte blocks; up to 15 bytes are carried to the next piece; at the
 * end the carried bytes are the tail words and tail bytes of the one-piece definition.
 * Self-contained (the worker runs `lane64Stream.toString()`).
 */
export function lane64Stream(): Lane64Stream {
  const P1 = 0x9e3779b1 | 0;
  const P2 = 0x85ebca77 | 0;
  const P3 = 0xc2b2ae3d | 0;
  const P4 = 0x27d4eb2f | 0;
  const P5 = 0x165667b1 | 0;
  let a = P1;
  let b = P2;
  let c = P3;
  let d = P4;
  let n = 0;
  // a fresh ArrayBuffer: offset 0 is aligned for the 32-bit words
  const carry = new Uint8Array(16);
  let carried = 0;
  return {
    update(bytes: Uint8Array): void {
      n += bytes.length;
      let at = 0;
      // the lanes in locals for the loops (no inner functions: see the header)
      let la = a;
      let lb = b;
      let lc = c;
      let ld = d;
      let x = 0;
      // whole 16-byte blocks: first the carried bytes completed, then the piece's own; the
      // one loop reads `w`, the carry block's words or the piece's
      let w: Int32Array = new Int32Array(carry.buffer, 0, 4);
      let words = 0;
      if (carried > 0) {
        const take = Math.min(16 - carried, bytes.length);
        carry.set(bytes.subarray(0, take), carried);
        carried += take;
        at = take;
        if (carried < 16) return;
        carried = 0;
        words = 4;
      }
      for (let pass = 0; pass < 2; pass++) {
        for (let i = 0; i < words; i += 4) {
          x = (la + Math.imul(w[i], P2)) | 0;
          la = Math.imul((x << 13) | (x >>> 19), P1);
          x = (lb + Math.imul(w[i + 1], P2)) | 0;
          lb = Math.imul((x << 13) | (x >>> 19), P1);
          x = (lc + Math.imul(w[i + 2], P2)) | 0;
          lc = Math.imul((x << 13) | (x >>> 19), P1);
          x = (ld + Math.imul(w[i + 3], P2)) | 0;
          ld = Math.imul((x << 13) | (x >>> 19), P1);
        }
        const count = (bytes.length - at) >>> 4;
        if (pass === 1 || count === 0) break;
        let body = bytes.subarray(at, at + count * 16);
        // Int32Array needs a 4-byte aligned offset: copy the (rare) unaligned views
        if (body.byteOffset % 4 !== 0) body = new Uint8Array(body); // a copy (Buffer#slice would be a view)
        w = new Int32Array(body.buffer, body.byteOffset, count * 4);
        words = count * 4;
        at += count * 16;
      }
      a = la;
      b = lb;
      c = lc;
      d = ld;
      carry.set(bytes.subarray(at), 0);
      carried = bytes.length - at;
    },
    digest(): string {
      // the tail: up to three words in lane a, then up to three bytes in lane b
      const words = carried >>> 2;
      const w = new Int32Array(carry.buffer, 0, words);
      let x = 0;
      for (let k = 0; k < words; k++) {
        x = (a + Math.imul(w[k], P3) + k) | 0;
        a = Math.imul((x << 17) | (x >>> 15), P4);
      }
      for (let j = words << 2; j < carried; j++) {
        x = (b + Math.imul(carry[j] + 1, P5)) | 0;
        b = Math.imul((x << 11) | (x >>> 21), P1);
      }
      const lenLo = n | 0;
      const lenHi = Math.floor(n / 4294967296) | 0;
      // final avalanche, into the high and the low 32 bits
      let hi = (((a << 1) | (a >>> 31)) + ((b << 7) | (b >>> 25)) + ((c << 12) | (c >>> 20)) + ((d << 18) | (d >>> 14)) + lenLo) | 0;
      hi = Math.imul(hi ^ (hi >>> 15), P2);
      hi = Math.imul(hi ^ (hi >>> 13), P3);
      hi = (hi ^ (hi >>> 16)) >>> 0;
      let lo = (Math.imul(a, P3) ^ Math.imul(b, P4) ^ Math.imul(c, P5) ^ Math.imul(d, P1) ^ lenHi ^ Math.imul(lenLo, P2) ^ hi) | 0;
      lo = Math.imul(lo ^ (lo >>> 15), P2);
      lo = Math.imul(lo ^ (lo >>> 13), P3);
      lo = (lo ^ (lo >>> 16)) >>> 0;
      return hi.toString(16).padStart(8, '0') + lo.toString(16).padStart(8, '0');
    },
  };
}
