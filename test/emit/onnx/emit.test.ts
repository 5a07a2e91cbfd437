import test from 'ava';
import { emitOnnx, planOnnx, SUPPORTED_OPSETS, DEFAULT_OPSET, validateOnnx } from '../../../src/emit/onnx/index.js';
import { resizeScale } from '../../../src/emit/onnx/lower.js';
import { Graph } from '../../../src/ir/graph.js';
import { diff } from '../../helpers/compare.js';
import { interpret } from '../../helpers/ir-interp.js';
import { allOpsGraph, attentionGraph, headGraph, randomInput } from '../../ir/graphs.js';
import { runOrt } from './ort.js';
import { expectPoseError } from '../../helpers/errors.js';

/** Small graphs: the emitted model must match the reference interpreter to 1e-6 relative L2. */
const REL_L2 = 1e-6;

async function parity(t: any, g: Graph, model: Uint8Array, batch: number, opts: { optimize?: boolean } = {}) {
  const shape = g.inputs[0].shape.map((d) => (d === 'N' ? batch : d)) as number[];
  const x = randomInput(shape.reduce((a, b) => a * b, 1), batch);
  const ref = interpret(g, x, shape);
  const out = await runOrt(model, x, shape, 'input', opts.optimize);
  t.is(out.size, g.outputs.length);
  for (const o of g.outputs) {
    const got = out.get(o.name);
    t.truthy(got, `output ${o.name}`);
    t.deepEqual(got!.dims, o.shape.map((d) => (d === 'N' ? batch : d)), `dims of ${o.name}`);
    const d = diff(got!.data, ref.get(o.name)!);
    t.true(d.relL2 <= REL_L2, `${o.name} batch ${batch}: relL2 ${d.relL2} maxAbs ${d.maxAbs}`);
    t.true(d.maxRef > 0, `${o.name} is not all zeros`);
  }
}

for (const opset of SUPPORTED_OPSETS) {
  test(`every op matches the reference interpreter in onnxruntime (opset ${opset})`, async (t) => {
    const g = allOpsGraph();
    const model = emitOnnx(g, { opset });
    const s = validateOnnx(model);
    t.is(s.opset, opset);
    t.deepEqual(s.inputs, [{ name: 'input', elemType: 1, shape: ['N', 3, 9, 10] }]);
    t.deepEqual(
      s.outputs.map((o) => [o.name, o.shape]),
      [
        ['heatmaps', ['N', 3, 10, 15]],
        ['aux', ['N', 4, 7, 11]],
      ],
    );
    t.deepEqual(Object.keys(s.ops).sort(), [
      'Add', 'BatchNormalization', 'Concat', 'Conv', 'ConvTranspose', 'MaxPool', 'Relu', 'Resize', 'Slice',
    ]);
    await parity(t, g, model, 1);
    await parity(t, g, model, 3);
    const g2 = attentionGraph();
    const m2 = emitOnnx(g2, { opset });
    t.deepEqual(Object.keys(validateOnnx(m2).ops).sort(), ['Add', 'Conv', 'GlobalAveragePool', 'Mul', 'Relu', 'Reshape', 'Sigmoid']);
    await parity(t, g2, m2, 1);
    await parity(t, g2, m2, 2);
  });
}

test('the default opset is 11 and the model also runs with onnxruntime graph optimizations on', async (t) => {
  t.is(DEFAULT_OPSET, 11);
  const g = headGraph();
  const model = emitOnnx(g);
  const s = validateOnnx(model);
  t.is(s.opset, 11);
  t.is(s.irVersion, 6);
  await parity(t, g, model, 2, { optimize: true });
  await parity(t, allOpsGraph(), emitOnnx(allOpsGraph()), 2, { optimize: true });
});

test('initializers are the constants nodes read, as float32 raw data, nothing copied twice', (t) => {
  const g = headGraph();
  const model = emitOnnx(g, { opset: 13 });
  const s = validateOnnx(model);
  const constBytes = g.constants.reduce((a, c) => a + (c.shape as number[]).reduce((x, y) => x * y, 1) * 4, 0);
  t.is(s.initializerCount, g.constants.length);
  t.is(s.initializerBytes, constBytes);
  t.true(model.length < constBytes + 8192, `model ${model.length} bytes for ${constBytes} bytes of weights`);
  t.is(planOnnx(g, { opset: 13 }).byteLength, model.length);
});

test('float16 and float64 checkpoint constants are widened to float32', async (t) => {
  for (const dtype of ['float16', 'float64'] as const) {
    const g = headGraph({ dtype });
    t.true(g.constants.some((c) => c.constant!.kind === 'checkpoint' && c.constant!.entry.dtype === dtype));
    const model = emitOnnx(g);
    validateOnnx(model);
    await parity(t, g, model, 1);
  }
});

test('unsupported opsets and unknown options are refused', (t) => {
  const g = headGraph();
  for (const opset of [7, 10, 18, 11.5]) {
    const e = expectPoseError(t, () => emitOnnx(g, { opset }));
    t.is(e!.code, 'EMIT_UNSUPPORTED');
    t.regex(e!.message, /supported: 11, 12, 13, 14, 15, 16, 17/);
  }
  const e = expectPoseError(t, () => emitOnnx(g, { opst: 13 } as never));
  t.is(e!.code, 'USAGE');
  expectPoseError(t, () => emitOnnx(g, { metadata: { a: 1 as never } }));
});

test('metadata_props and producer are written as given', (t) => {
  const meta = { pose_port: JSON.stringify({ dataset: 'coco', num_keypoints: 17 }), dataset: 'coco', 'keypoint.count': '17' };
  const s = validateOnnx(emitOnnx(headGraph(), { metadata: meta, producerVersion: '9.9.9' }));
  t.deepEqual(s.metadata, meta);
  t.is(s.producer, 'pose-port 9.9.9');
});

test('Resize scales are float32 values that floor to the exact output size', (t) => {
  for (let i = 1; i <= 200; i++)
    for (const o of [1, 2, 3, 7, 16, 17, 48, 63, 64, 96, 255, 256, 257]) {
      const s = resizeScale(i, o);
      t.is(Math.fround(s), s);
      if (Math.floor(i * s) !== o || Math.floor(Math.fround(i * s)) !== o) t.fail(`${i} -> ${o} with ${s}`);
    }
  t.pass();
});
