/**
 * One small graph per IR op kind (and the combinations the families use), shared by the
 * op tests of every runtime: TF.js cpu/wasm in Node (test/emit/tfjs/ops.test.ts) and the
 * browser backends (test/browser/ops.test.ts). A new op kind gets its case here.
 */
import { Graph } from '../../src/ir/graph.js';
import type { Value } from '../../src/ir/types.js';
import { randomData } from './tfjs/runtime.js';

let seed = 1;
function constant(g: Graph, name: string, shape: number[], lo = -0.5, hi = 0.5): Value {
  return g.addComputedConstant(name, shape, randomData(shape.reduce((a, b) => a * b, 1), seed++, lo, hi), []);
}
function bn(g: Graph, x: Value, name: string): Value {
  const c = x.shape[1] as number;
  return g.add('batch_norm', [x, constant(g, `${name}.g`, [c], 0.5, 1.5), constant(g, `${name}.b`, [c]), constant(g, `${name}.m`, [c]), constant(g, `${name}.v`, [c], 0.5, 1.5)], { epsilon: 1e-5 }, { name });
}
const conv = (g: Graph, x: Value, name: string, o: { outC: number; k: number; s?: number; pads?: [number, number, number, number]; group?: number; bias?: boolean; dil?: number }) => {
  const inC = x.shape[1] as number;
  const group = o.group ?? 1;
  const p = Math.floor(o.k / 2);
  const inputs = [x, constant(g, `${name}.w`, [o.outC, inC / group, o.k, o.k])];
  if (o.bias) inputs.push(constant(g, `${name}.bias`, [o.outC]));
  return g.add('conv', inputs, { strides: [o.s ?? 1, o.s ?? 1], pads: o.pads ?? [p, p, p, p], dilations: [o.dil ?? 1, o.dil ?? 1], group }, { name });
};

export interface OpCase {
  title: string;
  input: [number, number, number, number];
  build(g: Graph, x: Value): Value | Value[];
  /** TF ops the lowering must (and must only) use besides Placeholder/Const */
  expectOps?: string[];
}

export const OP_CASES: OpCase[] = [
  {
    title: 'conv: bias + fused relu, stride 2 on an even size (explicit pads), no-bias conv, BN, add',
    input: [2, 3, 16, 12],
    build(g, x) {
      let y = conv(g, x, 'c1', { outC: 8, k: 3, s: 2, bias: true });
      y = g.add('relu', [y], {}, { name: 'r1' });
      const z = bn(g, conv(g, y, 'c2', { outC: 8, k: 3 }), 'bn2');
      return g.add('relu', [g.add('add', [y, z], {}, { name: 'add' })], {}, { name: 'r2' });
    },
    expectOps: ['_FusedConv2D', 'Conv2D', 'FusedBatchNormV3', 'AddV2', 'Relu'],
  },
  {
    title: 'conv: 7x7 s2 p3, 1x1, asymmetric pads, dilation 2, odd input',
    input: [1, 3, 15, 13],
    build(g, x) {
      let y = conv(g, x, 'stem', { outC: 6, k: 7, s: 2, bias: true });
      y = conv(g, y, 'pw', { outC: 5, k: 1, bias: true });
      y = conv(g, y, 'asym', { outC: 4, k: 3, pads: [0, 1, 2, 1], bias: true });
      return conv(g, y, 'dil', { outC: 4, k: 3, dil: 2, pads: [2, 2, 2, 2], bias: true });
    },
  },
  {
    title: 'grouped conv (group 2) and depthwise 9x9 conv with bias and relu',
    input: [2, 4, 12, 10],
    build(g, x) {
      let y = conv(g, x, 'grouped', { outC: 6, k: 3, group: 2, bias: true });
      y = g.add('relu', [y], {}, { name: 'gr' });
      y = conv(g, y, 'dw', { outC: 6, k: 9, group: 6, bias: true });
      return g.add('relu', [y], {}, { name: 'dwr' });
    },
    expectOps: ['Slice', 'Conv2D', 'ConcatV2', 'BiasAdd', 'Relu', 'DepthwiseConv2dNative'],
  },
  {
    title: 'conv_transpose k4 s2 p1 (SimpleHead deconv) + BN + relu, with and without bias',
    input: [2, 6, 5, 4],
    build(g, x) {
      let y = g.add('conv_transpose', [x, constant(g, 'd1.w', [6, 5, 4, 4])], { strides: [2, 2], pads: [1, 1, 1, 1], outputPadding: [0, 0], group: 1 }, { name: 'd1' });
      y = g.add('relu', [bn(g, y, 'd1.bn')], {}, { name: 'd1.relu' });
      y = g.add('conv_transpose', [y, constant(g, 'd2.w', [5, 3, 4, 4]), constant(g, 'd2.b', [3])], { strides: [2, 2], pads: [1, 1, 1, 1], outputPadding: [0, 0], group: 1 }, { name: 'd2' });
      return g.add('relu', [y], {}, { name: 'd2.relu' });
    },
    expectOps: ['_FusedConv2D', 'DepthToSpace', 'Slice', 'FusedBatchNormV3', 'Relu', 'Conv2D'],
  },
  {
    title: 'conv_transpose: k3 s2 p1 with output padding 1 (explicit), k2 s2 p0 (VALID)',
    input: [1, 4, 5, 6],
    build(g, x) {
      const y = g.add('conv_transpose', [x, constant(g, 't1.w', [4, 3, 3, 3]), constant(g, 't1.b', [3])], { strides: [2, 2], pads: [1, 1, 1, 1], outputPadding: [1, 1], group: 1 }, { name: 't1' });
      return g.add('conv_transpose', [y, constant(g, 't2.w', [3, 2, 2, 2])], { strides: [2, 2], pads: [0, 0, 0, 0], outputPadding: [0, 0], group: 1 }, { name: 't2' });
    },
  },
  {
    title: 'max_pool k3 s2 p1 on even (PadV2 -inf) and odd (SAME) sizes, k2 s2 VALID; negative inputs',
    input: [2, 3, 16, 11],
    build(g, x) {
      const a = g.add('max_pool', [x], { kernel: [3, 3], strides: [2, 2], pads: [1, 1, 1, 1] }, { name: 'p1' });
      const b = g.add('max_pool', [a], { kernel: [3, 3], strides: [2, 2], pads: [1, 1, 1, 1] }, { name: 'p2' });
      return g.add('max_pool', [b], { kernel: [2, 2], strides: [2, 2], pads: [0, 0, 0, 0] }, { name: 'p3' });
    },
    expectOps: ['PadV2', 'MaxPool'],
  },
  {
    title: 'resize nearest x2 / x4 (HRNet fuse) and bilinear align_corners to a fixed size (RSN head), concat',
    input: [2, 4, 4, 3],
    build(g, x) {
      const up2 = g.add('resize', [x], { mode: 'nearest', scale: [2, 2] }, { name: 'up2' });
      const up4 = g.add('resize', [x], { mode: 'nearest', scale: [4, 4] }, { name: 'up4' });
      const bi = g.add('resize', [up2], { mode: 'bilinear_align_corners', size: [16, 12] }, { name: 'bil' });
      return g.add('concat', [up4, bi], { axis: 1 }, { name: 'cat' });
    },
    expectOps: ['ResizeNearestNeighbor', 'ResizeBilinear', 'ConcatV2'],
  },
  {
    title: 'slice on channels, two outputs',
    input: [2, 6, 5, 4],
    build(g, x) {
      const a = g.add('slice', [x], { axis: 1, start: 1, end: 4 }, { name: 's1' });
      const b = g.add('slice', [x], { axis: 1, start: 4, end: 6 }, { name: 's2' });
      return [a, g.add('relu', [b], {}, { name: 's2.relu' })];
    },
  },
  {
    title: 'pose refine machine ops: global_avg_pool, sigmoid, broadcast mul, reshape of a Linear weight',
    input: [2, 5, 8, 6],
    build(g, x) {
      const pooled = g.add('global_avg_pool', [x], {}, { name: 'gap' });
      const w2 = constant(g, 'lin.weight', [5, 5]);
      const w = g.add('reshape', [w2], { shape: [5, 5, 1, 1] }, { name: 'lin.w4d' });
      const lin = g.add('conv', [pooled, w, constant(g, 'lin.bias', [5])], { strides: [1, 1], pads: [0, 0, 0, 0], dilations: [1, 1], group: 1 }, { name: 'lin' });
      const gate = g.add('sigmoid', [lin], {}, { name: 'sig' });
      const m = g.add('sigmoid', [conv(g, x, 'pw1', { outC: 1, k: 1, bias: true })], {}, { name: 'sig2' });
      const gm = g.add('mul', [gate, m], {}, { name: 'gm' });
      const refined = g.add('mul', [x, gm], {}, { name: 'refine' });
      return g.add('add', [x, refined], {}, { name: 'out' });
    },
    expectOps: ['Mean', 'Sigmoid', 'Mul', '_FusedConv2D', 'AddV2'],
  },
];

/** The case's graph: input 'input' with a dynamic batch, outputs 'heatmaps' (one) or 'out0'... (several). */
export function buildOpCase(c: OpCase): Graph {
  const g = new Graph();
  const x = g.addInput('input', ['N', ...c.input.slice(1)]);
  const outs = c.build(g, x);
  const list = Array.isArray(outs) ? outs : [outs];
  list.forEach((v, i) => g.markOutput(v, list.length === 1 ? 'heatmaps' : `out${i}`));
  return g;
}

/** The case's input (NCHW), the same deterministic values in every runtime's test. */
export function opCaseInput(c: OpCase): Float32Array {
  return randomData(c.input.reduce((a, b) => a * b, 1), 1234);
}
