/**
 * Numeric comparisons of artifact tensors: relative L2 and max |a - b| of outputs,
 * counts of elements differing beyond a relative bound for weights, exact byte equality.
 */

/** relative L2 (||a - b|| / ||b||, float64) and max |a - b|. */
export function relativeL2(a: ArrayLike<number>, b: ArrayLike<number>): { relL2: number; maxAbs: number } {
  let num = 0;
  let den = 0;
  let maxAbs = 0;
  for (let i = 0; i < b.length; i++) {
    const d = a[i] - b[i];
    num += d * d;
    den += b[i] * b[i];
    const ad = Math.abs(d);
    if (!(ad <= maxAbs)) maxAbs = ad; // NaN propagates
  }
  return { relL2: den > 0 ? Math.sqrt(num / den) : Math.sqrt(num), maxAbs };
}

export interface Differing {
  /** elements beyond the bound */
  n: number;
  /** index of the first of them, -1 when none */
  first: number;
  /** the largest relative difference seen (Infinity for NaN against a number) */
  maxRel: number;
}

/** Elements of `got` that differ from `want` by more than `tol` relative to the larger magnitude (NaN equals NaN). */
export function countDiffering(got: ArrayLike<number>, want: ArrayLike<number>, tol: number): Differing {
  let n = 0;
  let first = -1;
  let maxRel = 0;
  for (let i = 0; i < want.length; i++) {
    const g = got[i];
    const w = want[i];
    if (g === w || (Number.isNaN(g) && Number.isNaN(w))) continue;
    const rel = Math.abs(g - w) / Math.max(Math.abs(g), Math.abs(w));
    if (rel > maxRel || Number.isNaN(rel)) maxRel = Number.isNaN(rel) ? Infinity : rel;
    if (rel <= tol) continue;
    if (first < 0) first = i;
    n++;
  }
  return { n, first, maxRel };
}

/** little-endian float32 bytes as values (any alignment) */
export function float32LE(bytes: Uint8Array): Float32Array {
  const dv = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const out = new Float32Array(bytes.byteLength >> 2);
  for (let i = 0; i < out.length; i++) out[i] = dv.getFloat32(i * 4, true);
  return out;
}

export function sameBytes(a: Uint8Array, b: Uint8Array): boolean {
  return a.byteLength === b.byteLength && Buffer.compare(Buffer.from(a.buffer, a.byteOffset, a.byteLength), Buffer.from(b.buffer, b.byteOffset, b.byteLength)) === 0;
}
