/**
 * Small hand-built graphs for the IR, pass and emitter tests. Constants are made by
 * entryOf (deterministic data; BN variances positive, BN scales near 1).
 */
import type { TensorEntry } from '../../src/core/tensor.js';
import { Graph } from '../../src/ir/graph.js';
import type { Value } from '../../src/ir/types.js';
import { entryOf } from '../helpers/manifest-tensors.js';

export const BN_EPS = 1e-5;

/** float32 -> IEEE half bits, round to nearest (normal range; test data is small) */
export function halfBits(v: number): number {
  const f = new Float32Array([v]);
  const b = new Uint32Array(f.buffer)[0];
  const sign = (b >>> 16) & 0x8000;
  const exp = ((b >>> 23) & 0xff) - 127 + 15;
  if (exp <= 0) return sign;
  const mant = b & 0x7fffff;
  let h = sign | (exp << 10) | (mant >>> 13);
  if (mant & 0x1000) h++;
  return h;
}

/** The same values as entryOf's float32 data, stored as `dtype` (float16 as bits, float64). */
export function entryAs(entry: TensorEntry, dtype: 'float32' | 'float16' | 'float64'): TensorEntry {
  if (dtype === 'float32') return entry;
  return {
    ...entry,
    dtype,
    data: () => {
      const f32 = entry.data() as Float32Array;
      return (dtype === 'float16' ? Uint16Array.from(f32, halfBits) : Float64Array.from(f32)) as never;
    },
  };
}

export function constant(g: Graph, name: string, shape: number[], dtype: 'float32' | 'float16' | 'float64' = 'float32'): Value {
  return g.addCheckpointConstant(entryAs(entryOf(name, shape), dtype));
}

export function bn(g: Graph, x: Value, key: string): Value {
  const c = x.shape[1] as number;
  const ps = ['weight', 'bias', 'running_mean', 'running_var'].map((l) => constant(g, `${key}.${l}`, [c]));
  return g.add('batch_norm', [x, ...ps], { epsilon: BN_EPS }, { origin: key });
}

export function conv(
  g: Graph,
  x: Value,
  key: string,
  outC: number,
  k: number,
  o: { stride?: [number, number]; pads?: [number, number, number, number]; dil?: [number, number]; group?: number; bias?: boolean } = {},
): Value {
  const group = o.group ?? 1;
  const inC = (x.shape[1] as number) / group;
  const p = Math.floor(k / 2);
  const ins = [x, constant(g, `${key}.weight`, [outC, inC, k, k])];
  if (o.bias) ins.push(constant(g, `${key}.bias`, [outC]));
  return g.add('conv', ins, { strides: o.stride ?? [1, 1], pads: o.pads ?? [p, p, p, p], dilations: o.dil ?? [1, 1], group }, { origin: key });
}

export function deconv(
  g: Graph,
  x: Value,
  key: string,
  outC: number,
  k: number,
  o: { stride?: number; pad?: number; outPad?: [number, number]; group?: number; bias?: boolean } = {},
): Value {
  const group = o.group ?? 1;
  const s = o.stride ?? 2;
  const p = o.pad ?? 1;
  const ins = [x, constant(g, `${key}.weight`, [x.shape[1] as number, outC / group, k, k])];
  if (o.bias) ins.push(constant(g, `${key}.bias`, [outC]));
  return g.add('conv_transpose', ins, { strides: [s, s], pads: [p, p, p, p], outputPadding: o.outPad ?? [0, 0], group }, { origin: key });
}

/**
 * Every op, with the awkward attributes: asymmetric pads, dilation, groups, output
 * padding, nearest with unequal scales, bilinear to non-integer ratios (down and up),
 * slices on channel and width, two outputs.
 * input [N,3,9,10] -> heatmaps [N,3,10,15], aux [N,4,7,11]
 */
export function allOpsGraph(): Graph {
  const g = new Graph();
  const x = g.addInput('input', ['N', 3, 9, 10]);
  const r1 = g.add('relu', [bn(g, conv(g, x, 'stem.conv', 6, 3, { bias: true }), 'stem.bn')], {});
  const c2 = conv(g, r1, 'branch.conv', 6, 3, { stride: [2, 2], pads: [1, 0, 1, 2], dil: [1, 2], group: 3 }); // [N,6,5,4]
  const ct = deconv(g, c2, 'branch.deconv', 4, 4, { group: 2, outPad: [1, 0], bias: true }); // [N,4,11,8]
  const mp = g.add('max_pool', [r1], { kernel: [3, 3], strides: [2, 2], pads: [1, 1, 1, 1] }); // [N,6,5,5]
  const sl = g.add('slice', [mp], { axis: 1, start: 1, end: 5 }); // [N,4,5,5]
  const up = g.add('resize', [sl], { mode: 'nearest', scale: [2, 3] }); // [N,4,10,15]
  const bil = g.add('resize', [ct], { mode: 'bilinear_align_corners', size: [7, 13] }); // [N,4,7,13]
  const bil2 = g.add('resize', [sl], { mode: 'bilinear_align_corners', size: [10, 15] });
  const sum = g.add('add', [up, bil2], {});
  const cat = g.add('concat', [sum, up], { axis: 1 }); // [N,8,10,15]
  const hm = conv(g, cat, 'final_layer', 3, 1, { bias: true });
  g.markOutput(hm, 'heatmaps');
  g.markOutput(g.add('slice', [bil], { axis: 3, start: 1, end: 12 }), 'aux');
  return g;
}

/**
 * A SimpleBaseline-like head with foldable and non-foldable batch norms:
 * conv->BN (fold), deconv->BN (fold), add->BN (stays), a conv read twice ->BN (stays).
 * input [N,3,8,8] -> heatmaps [N,5,16,16]
 */
export function headGraph(opts: { dtype?: 'float32' | 'float16' | 'float64' } = {}): Graph {
  const g = new Graph();
  const x = g.addInput('input', ['N', 3, 8, 8]);
  const dt = opts.dtype ?? 'float32';
  const convK = (v: Value, key: string, outC: number, k: number, bias = false) => {
    const inC = v.shape[1] as number;
    const ins = [v, constant(g, `${key}.weight`, [outC, inC, k, k], dt)];
    if (bias) ins.push(constant(g, `${key}.bias`, [outC], dt));
    const p = Math.floor(k / 2);
    return g.add('conv', ins, { strides: [1, 1], pads: [p, p, p, p], dilations: [1, 1], group: 1 }, { origin: key });
  };
  let y = g.add('relu', [bn(g, convK(x, 'backbone.conv1', 8, 3), 'backbone.bn1')], {});
  const shared = convK(y, 'backbone.conv2', 8, 3, true);
  const a = g.add('relu', [bn(g, shared, 'backbone.bn2')], {}); // shared has two uses: not folded
  y = g.add('add', [a, shared], {});
  y = bn(g, y, 'backbone.bn3'); // after add: stays
  y = g.add('relu', [bn(g, deconv(g, y, 'head.deconv', 6, 4), 'head.bn_deconv')], {}); // [N,6,16,16]
  const hm = convK(y, 'head.final_layer', 5, 1, true);
  g.markOutput(hm, 'heatmaps');
  return g;
}

/** Deterministic input data in [-1, 1). */
export function randomInput(n: number, seed = 1): Float32Array {
  let a = seed >>> 0;
  const out = new Float32Array(n);
  for (let i = 0; i < n; i++) {
    a = (Math.imul(a, 1664525) + 1013904223) >>> 0;
    out[i] = a / 2 ** 31 - 1;
  }
  return out;
}

/**
 * The ops of RSN's pose refine machine: global average pool, sigmoid, broadcast
 * multiplies (channel and spatial attention) and a reshaped constant (a Linear
 * weight [out, in] viewed as a 1x1 conv weight).
 * input [N,4,6,7] -> heatmaps [N,4,6,7]
 */
export function attentionGraph(): Graph {
  const g = new Graph();
  const x = g.addInput('input', ['N', 4, 6, 7]);
  const f = g.add('relu', [conv(g, x, 'prm.conv', 4, 3, { bias: true })], {});
  const pooled = g.add('global_avg_pool', [f], {}); // [N,4,1,1]
  const lin = g.add('reshape', [constant(g, 'prm.fc.weight', [4, 4])], { shape: [4, 4, 1, 1] });
  const fc = g.add('conv', [pooled, lin, constant(g, 'prm.fc.bias', [4])], { strides: [1, 1], pads: [0, 0, 0, 0], dilations: [1, 1], group: 1 });
  const chAtt = g.add('sigmoid', [fc], {});
  const spAtt = g.add('sigmoid', [conv(g, f, 'prm.spatial', 1, 3)], {}); // [N,1,6,7]
  const y = g.add('mul', [g.add('mul', [f, chAtt], {}), spAtt], {});
  g.markOutput(g.add('add', [y, x], {}), 'heatmaps');
  return g;
}
