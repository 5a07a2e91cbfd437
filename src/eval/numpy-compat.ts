/**
 * The few numpy (1.x) behaviours that decide exact results in MMPose's and COCO's code:
 * float ordering with NaN last, the default `argsort` (introsort: median-of-3 quicksort,
 * insertion sort below 17 elements, heapsort past the depth limit), stable argsort, and
 * `np.sum`'s pairwise summation.
 */

/** numpy's float `<`: NaN sorts after every number. */
export function npLess(a: number, b: number): boolean {
  return a < b || (b !== b && a === a);
}

const SMALL_QUICKSORT = 16;

function msb(n: number): number {
  let depth = 0;
  while (n > 1) {
    n = Math.floor(n / 2);
    depth++;
  }
  return depth;
}

function aheapsort(v: ArrayLike<number>, tosort: Int32Array, start: number, n: number): void {
  // 1-based heap over tosort[start .. start+n-1]
  const a = (i: number): number => tosort[start + i - 1];
  const set = (i: number, x: number): void => {
    tosort[start + i - 1] = x;
  };
  let i: number;
  let j: number;
  let tmp: number;
  for (let l = n >> 1; l > 0; --l) {
    tmp = a(l);
    for (i = l, j = l << 1; j <= n; ) {
      if (j < n && npLess(v[a(j)], v[a(j + 1)])) j += 1;
      if (npLess(v[tmp], v[a(j)])) {
        set(i, a(j));
        i = j;
        j += j;
      } else break;
    }
    set(i, tmp);
  }
  for (; n > 1; ) {
    tmp = a(n);
    set(n, a(1));
    n -= 1;
    for (i = 1, j = 2; j <= n; ) {
      if (j < n && npLess(v[a(j)], v[a(j + 1)])) j++;
      if (npLess(v[tmp], v[a(j)])) {
        set(i, a(j));
        i = j;
        j += j;
      } else break;
    }
    set(i, tmp);
  }
}

/**
 * `np.argsort(v)` with the default kind (numpy 1.x `aquicksort` for float64). Ties are
 * not stable: below 17 elements it is an insertion sort, so equal keys keep index order
 * ascending, and `argsort()[::-1]` puts the higher index first.
 */
export function argsortQuick(v: ArrayLike<number>): Int32Array {
  const num = v.length;
  const tosort = new Int32Array(num);
  for (let i = 0; i < num; i++) tosort[i] = i;
  if (num < 2) return tosort;
  const stack: number[] = [];
  const depthStack: number[] = [];
  let pl = 0;
  let pr = num - 1;
  let cdepth = msb(num) * 2;
  const swap = (x: number, y: number): void => {
    const t = tosort[x];
    tosort[x] = tosort[y];
    tosort[y] = t;
  };
  for (;;) {
    let popNow = false;
    if (cdepth < 0) {
      aheapsort(v, tosort, pl, pr - pl + 1);
      popNow = true;
    } else {
      while (pr - pl > SMALL_QUICKSORT) {
        const pm = pl + ((pr - pl) >> 1);
        if (npLess(v[tosort[pm]], v[tosort[pl]])) swap(pm, pl);
        if (npLess(v[tosort[pr]], v[tosort[pm]])) swap(pr, pm);
        if (npLess(v[tosort[pm]], v[tosort[pl]])) swap(pm, pl);
        const vp = v[tosort[pm]];
        let pi = pl;
        let pj = pr - 1;
        swap(pm, pj);
        for (;;) {
          do ++pi;
          while (npLess(v[tosort[pi]], vp));
          do --pj;
          while (npLess(vp, v[tosort[pj]]));
          if (pi >= pj) break;
          swap(pi, pj);
        }
        const pk = pr - 1;
        swap(pi, pk);
        if (pi - pl < pr - pi) {
          stack.push(pi + 1, pr);
          pr = pi - 1;
        } else {
          stack.push(pl, pi - 1);
          pl = pi + 1;
        }
        depthStack.push(--cdepth);
      }
      if (!popNow) {
        for (let pi = pl + 1; pi <= pr; ++pi) {
          const vi = tosort[pi];
          const vv = v[vi];
          let pj = pi;
          let pk = pi - 1;
          while (pj > pl && npLess(vv, v[tosort[pk]])) tosort[pj--] = tosort[pk--];
          tosort[pj] = vi;
        }
      }
    }
    if (stack.length === 0) break;
    pr = stack.pop()!;
    pl = stack.pop()!;
    cdepth = depthStack.pop()!;
  }
  return tosort;
}

/** `np.argsort(v, kind='mergesort')`: stable, NaN last. */
export function argsortStable(v: ArrayLike<number>): Int32Array {
  const idx = Array.from({ length: v.length }, (_, i) => i);
  idx.sort((a, b) => (npLess(v[a], v[b]) ? -1 : npLess(v[b], v[a]) ? 1 : 0));
  return Int32Array.from(idx);
}

/** Stable order of `v` by descending value (`argsort(-v, kind='mergesort')`; NaN scores last as -NaN is NaN). */
export function argsortDescStable(v: ArrayLike<number>): Int32Array {
  const neg = new Float64Array(v.length);
  for (let i = 0; i < v.length; i++) neg[i] = -v[i];
  return argsortStable(neg);
}

/** `np.sum` of a contiguous float64 vector: numpy's pairwise summation (blocks of 128, 8 accumulators). */
export function pairwiseSum(a: ArrayLike<number>, start = 0, n = a.length - start): number {
  if (n < 8) {
    let res = 0;
    for (let i = 0; i < n; i++) res += a[start + i];
    return res;
  }
  if (n <= 128) {
    const r = [a[start], a[start + 1], a[start + 2], a[start + 3], a[start + 4], a[start + 5], a[start + 6], a[start + 7]];
    let i: number;
    for (i = 8; i < n - (n % 8); i += 8) {
      for (let j = 0; j < 8; j++) r[j] += a[start + i + j];
    }
    let res = r[0] + r[1] + (r[2] + r[3]) + (r[4] + r[5] + (r[6] + r[7]));
    for (; i < n; i++) res += a[start + i];
    return res;
  }
  let n2 = Math.floor(n / 2);
  n2 -= n2 % 8;
  return pairwiseSum(a, start, n2) + pairwiseSum(a, start + n2, n - n2);
}

/** `np.mean` of a float64 vector (pairwise sum, then one division). */
export function npMean(a: ArrayLike<number>): number {
  return pairwiseSum(a) / a.length;
}

/** Round half to even (C `lrint`, OpenCV `cvRound`). */
export function rint(x: number): number {
  const r = Math.round(x);
  if (r - x === 0.5 && r % 2 !== 0) return r - 1;
  return r;
}
