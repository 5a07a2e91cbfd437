/** float16 / uint8 weight quantization: the encoding, TF.js's own decoding of it, size and output error. */
import test from 'ava';
import { halfToFloat } from '../../../src/core/dtype.js';
import { artifactBytes, artifactToModelArtifacts, emitTfjs } from '../../../src/emit/tfjs/index.js';
import { dequantizeUint8, floatToHalf, toUint8 } from '../../../src/emit/tfjs/quantize.js';
import { Graph } from '../../../src/ir/graph.js';
import { diff } from '../../helpers/compare.js';
import { loadTfjs, randomData, runTfjs, tf, useBackend } from './runtime.js';

test('floatToHalf rounds to nearest even, saturates to infinity and keeps subnormals', (t) => {
  t.is(floatToHalf(1), 0x3c00);
  t.is(floatToHalf(-2), 0xc000);
  t.is(floatToHalf(65504), 0x7bff);
  t.is(floatToHalf(65520), 0x7c00); // halfway to the next (overflowing) value rounds up to inf
  t.is(floatToHalf(1e10), 0x7c00);
  t.is(floatToHalf(-Infinity), 0xfc00);
  t.true(Number.isNaN(halfToFloat(floatToHalf(NaN))));
  t.is(floatToHalf(2 ** -24), 0x0001);
  t.is(floatToHalf(2 ** -26), 0x0000);
  t.is(floatToHalf(1 + 2 ** -11), 0x3c00); // tie -> even
  t.is(floatToHalf(1 + 3 * 2 ** -11), 0x3c02); // tie -> even (up)
  const xs = randomData(10000, 7, -100, 100);
  for (const x of xs) t.true(Math.abs(halfToFloat(floatToHalf(x)) - x) <= Math.abs(x) * 2 ** -11 + 2 ** -25, String(x));
});

test('uint8 keeps 0 exact and stays within half a step', (t) => {
  const xs = randomData(5000, 9, -0.3, 1.7);
  xs[17] = 0;
  const q = toUint8(xs);
  const back = dequantizeUint8(q.bytes, q.min, q.scale);
  t.is(back[17], 0);
  for (let i = 0; i < xs.length; i++) t.true(Math.abs(back[i] - xs[i]) <= q.scale / 2 + 1e-7);
});

function net(): Graph {
  const g = new Graph();
  const x = g.addInput('input', ['N', 3, 16, 12]);
  let s = 20;
  const c = (name: string, shape: number[], lo = -0.3, hi = 0.3) => g.addComputedConstant(name, shape, randomData(shape.reduce((a, b) => a * b, 1), s++, lo, hi), []);
  let y = g.add('conv', [x, c('c1.w', [32, 3, 3, 3]), c('c1.b', [32])], { strides: [1, 1], pads: [1, 1, 1, 1], dilations: [1, 1], group: 1 }, { name: 'c1' });
  y = g.add('relu', [y], {}, { name: 'r1' });
  y = g.add('conv', [y, c('c2.w', [64, 32, 3, 3], -0.1, 0.1), c('c2.b', [64])], { strides: [2, 2], pads: [1, 1, 1, 1], dilations: [1, 1], group: 1 }, { name: 'c2' });
  y = g.add('relu', [y], {}, { name: 'r2' });
  y = g.add('conv', [y, c('c3.w', [17, 64, 1, 1], -0.2, 0.2), c('c3.b', [17])], { strides: [1, 1], pads: [0, 0, 0, 0], dilations: [1, 1], group: 1 }, { name: 'c3' });
  g.markOutput(y, 'heatmaps');
  return g;
}

test.serial('TF.js decodes our float16 and uint8 weights to the values we encoded', async (t) => {
  await useBackend('cpu');
  const g = net();
  const f32 = artifactToModelArtifacts(emitTfjs(g));
  const plain = tf.io.decodeWeights(f32.weightData, f32.weightSpecs as never);
  for (const q of ['float16', 'uint8'] as const) {
    const a = artifactToModelArtifacts(emitTfjs(g, { quantize: q }));
    const decoded = tf.io.decodeWeights(a.weightData, a.weightSpecs as never);
    for (const spec of a.weightSpecs) {
      const want = plain[spec.name].dataSync() as Float32Array;
      const got = decoded[spec.name].dataSync() as Float32Array;
      let expected: Float32Array;
      if (spec.quantization?.dtype === 'float16') expected = Float32Array.from(want, (v) => halfToFloat(floatToHalf(v)));
      else if (spec.quantization?.dtype === 'uint8') {
        const r = toUint8(want);
        expected = dequantizeUint8(r.bytes, r.min, r.scale);
      } else expected = want;
      t.true(diff(got, expected).maxAbs <= 1e-6, `${q} ${spec.name}`);
    }
  }
});

test.serial('quantized models: size on disk and output error against float32 (cpu backend)', async (t) => {
  const g = net();
  const input = randomData(1 * 16 * 12 * 3, 11, -2, 2);
  const base = emitTfjs(g);
  const ref = (await runTfjs(await loadTfjs(base), 'cpu', input, [1, 16, 12, 3]))[0].data;
  const weightBytes = (a: ReturnType<typeof emitTfjs>) => a.shards.reduce((s, x) => s + x.bytes.byteLength, 0);
  const rows: string[] = [];
  for (const [q, maxRel, ratio] of [['float16', 1e-3, 0.5], ['uint8', 3e-2, 0.25]] as const) {
    const a = emitTfjs(g, { quantize: q });
    t.true(Math.abs(weightBytes(a) / weightBytes(base) - ratio) < 0.01, `${q} weight bytes ratio`);
    const out = (await runTfjs(await loadTfjs(a), 'cpu', input, [1, 16, 12, 3]))[0].data;
    const d = diff(out, ref);
    rows.push(`${q}: ${artifactBytes(a)} B on disk (${((artifactBytes(a) / artifactBytes(base)) * 100).toFixed(1)}%), relL2 ${d.relL2.toExponential(2)}, maxAbs ${d.maxAbs.toExponential(2)}`);
    t.true(d.relL2 > 0, `${q} changes the output`);
    t.true(d.relL2 <= maxRel, `${q}: relL2 ${d.relL2} > ${maxRel}`);
  }
  t.log(rows.join('\n'));
});
