import type { Dim } from './types.js';

/**
 * Symbolic dimensions. A symbol is a name ('N', 'H', 'W') or a multiple of one
 * ('2*N': a batch concatenated with its mirror); any other label (e.g. 'H+2' after a
 * pad) is an opaque symbol of its own. Two dimensions are equal when their labels are.
 * Only what shape inference needs: sums of multiples of one symbol, and the size a
 * reshape's -1 takes when one symbolic dimension is regrouped.
 */

interface Multiple {
  readonly k: number;
  readonly base: string;
}

/** 'N' -> 1*N, '2*N' -> 2*N */
export function asMultiple(d: string): Multiple {
  const m = /^(\d+)\*(.+)$/.exec(d);
  return m ? { k: Number(m[1]), base: m[2] } : { k: 1, base: d };
}

export function multipleDim(k: number, base: string): Dim {
  return k === 1 ? base : `${k}*${base}`;
}

/** The sum of dims along a concat axis: static, or multiples of one symbol; null otherwise. */
export function sumDims(dims: readonly Dim[]): Dim | null {
  if (dims.every((d) => typeof d === 'number')) return (dims as number[]).reduce((a, b) => a + b, 0);
  if (!dims.every((d) => typeof d === 'string')) return null;
  const ms = (dims as string[]).map(asMultiple);
  if (!ms.every((m) => m.base === ms[0].base)) return null;
  return multipleDim(
    ms.reduce((a, m) => a + m.k, 0),
    ms[0].base,
  );
}

/** d + p for a pad (an opaque label when d is symbolic). */
export function padDim(d: Dim, p: number): Dim {
  if (p === 0) return d;
  return typeof d === 'number' ? d + p : `${d}+${p}`;
}

/** d - s for a slice from s to the end: undoes padDim (`N+1` from 1 -> `N`); an opaque label otherwise. */
export function dropDim(d: string, s: number): Dim {
  if (s === 0) return d;
  const m = /^(.+)\+(\d+)$/.exec(d);
  if (m && Number(m[2]) === s) return m[1];
  return `${d}-${s}`;
}
