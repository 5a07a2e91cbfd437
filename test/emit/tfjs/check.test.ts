/** Conversion-time refusal of what the TF.js converter cannot execute, and the op table's freshness. */
import { readFileSync } from 'node:fs';
import test from 'ava';
import { CONVERTER_OPS } from '../../../src/emit/tfjs/converter-ops.generated.js';
import { checkConverterGraph, checkConverterNode, emitTfjs } from '../../../src/emit/tfjs/index.js';
import { attr } from '../../../src/emit/tfjs/graphdef.js';
import { converterVersion, GENERATED_PATH, loadConverterOpSources, renderConverterOps } from '../../../src/emit/tfjs/gen-converter-ops.js';
import { Graph } from '../../../src/ir/graph.js';
import { randomData } from './runtime.js';
import { expectPoseError } from '../../helpers/errors.js';

test('the committed op table is what the installed @tensorflow/tfjs-converter executes', async (t) => {
  const live = renderConverterOps(await loadConverterOpSources(), converterVersion());
  t.is(readFileSync(GENERATED_PATH, 'utf8'), live, 'run: npx tsx src/emit/tfjs/gen-converter-ops.ts');
  for (const op of ['Conv2D', '_FusedConv2D', 'Conv2DBackpropInput', 'MaxPool', 'PadV2', 'ResizeBilinear', 'ConcatV2', 'Slice', 'Transpose'])
    t.true(Object.hasOwn(CONVERTER_OPS, op), op);
});

test('an op the converter does not execute is refused, naming the op and the node', (t) => {
  const e = expectPoseError(t, () => checkConverterNode({ name: 'head/fancy', op: 'FakeOp', input: [] }));
  t.is(e.code, 'EMIT_UNSUPPORTED');
  t.regex(e.message, /'head\/fancy'/);
  t.regex(e.message, /FakeOp/);
  // a real TF op the converter lacks
  const e2 = expectPoseError(t, () => checkConverterNode({ name: 'q', op: 'QuantizedConv2D', input: ['a', 'b'] }));
  t.regex(e2.message, /QuantizedConv2D.*not executed by the TF\.js converter/);
});

test('attributes the converter would ignore or not read are refused; hard-wired ones only with their value', (t) => {
  const base = { name: 'p', op: 'MaxPool', input: ['x'], attr: { ksize: attr.ints([1, 2, 2, 1]), strides: attr.ints([1, 2, 2, 1]), padding: attr.str('VALID') } };
  t.notThrows(() => checkConverterNode({ ...base, attr: { ...base.attr, data_format: attr.str('NHWC') } }));
  const nchw = expectPoseError(t, () => checkConverterNode({ ...base, attr: { ...base.attr, data_format: attr.str('NCHW') } }));
  t.regex(nchw.message, /'p'.*data_format/);
  const explicit = expectPoseError(t, () => checkConverterNode({ ...base, attr: { ...base.attr, explicit_paddings: attr.ints([0, 0, 1, 1, 1, 1, 0, 0]) } }));
  t.regex(explicit.message, /explicit_paddings.*not implemented/);
  const bn = { name: 'bn', op: 'FusedBatchNormV3', input: ['x', 'a', 'b', 'c', 'd'], attr: { epsilon: attr.float(1e-5), is_training: attr.bool(true) } };
  t.throws(() => checkConverterNode(bn), { message: /is_training/ });
  t.notThrows(() => checkConverterNode({ ...bn, attr: { ...bn.attr, is_training: attr.bool(false) } }));
  t.throws(() => checkConverterNode({ name: 'a', op: 'AddV2', input: ['x'] }), { message: /needs at least 2 operands/ });
  t.throws(() => checkConverterNode({ name: 'bad:name', op: 'Relu', input: ['x'] }), { message: /not a valid TensorFlow node name/ });
  t.throws(() => checkConverterGraph([{ name: 'r', op: 'Relu', input: ['nowhere'] }]), { message: /'nowhere' names no node/ });
});

test('an IR node with no TF.js lowering fails at conversion time, naming the node', (t) => {
  // TF.js has no integer division of int32 tensors that truncates like ONNX's Div
  const g = new Graph();
  const x = g.addInput('index', ['N', 4], 'int64');
  const two = g.addComputedConstant('two', [], Float32Array.of(2), [], 'int64');
  g.markOutput(g.add('binary', [x, two], { fn: 'div' }, { name: 'half.index' }), 'out');
  const e = expectPoseError(t, () => emitTfjs(g));
  t.is(e.code, 'EMIT_UNSUPPORTED');
  t.regex(e.message, /binary 'half\.index'.*integer division.*TF\.js/);
});

test('a reshape of an activation reshapes the NCHW-order tensor (transposed from NHWC first)', (t) => {
  const g = new Graph();
  const x = g.addInput('input', [1, 3, 4, 4]);
  const w = g.addComputedConstant('w', [4, 3, 1, 1], randomData(12, 3), []);
  const y = g.add('conv', [x, w], { strides: [1, 1], pads: [0, 0, 0, 0], dilations: [1, 1], group: 1 }, { name: 'c' });
  g.markOutput(g.add('reshape', [y], { shape: [1, 16, 2, 2] }, { name: 'head.view' }), 'heatmaps');
  const ops = emitTfjs(g).modelJson.modelTopology.node.map((n: { op: string }) => n.op);
  t.true(ops.includes('Transpose') && ops.includes('Reshape'), ops.join(' '));
});

test('options are validated: unknown keys, reserved metadata keys, bad quantize', (t) => {
  const g = new Graph();
  const x = g.addInput('input', ['N', 3, 4, 4]);
  g.markOutput(g.add('relu', [x], {}, { name: 'r' }), 'heatmaps');
  t.throws(() => emitTfjs(g, { quantise: 'uint8' } as never), { message: /unknown TF\.js emitter option 'quantise'/ });
  t.throws(() => emitTfjs(g, { quantize: 'int4' } as never), { message: /quantize/ });
  t.throws(() => emitTfjs(g, { metadata: { signature: 'x' } }), { message: /reserved/ });
  t.throws(() => emitTfjs(g, { shardBytes: 10 }), { message: /shardBytes/ });
  const a = emitTfjs(g, { metadata: { family: 'rsn', keypoints: 17 } });
  t.deepEqual(a.modelJson.userDefinedMetadata, { family: 'rsn', keypoints: 17 });
  t.is(a.modelJson.format, 'graph-model');
  t.regex(a.modelJson.convertedBy, /^pose-port \d/);
  t.deepEqual(a.modelJson.signature.inputs.input.tensorShape, { dim: [{ size: '-1' }, { size: '4' }, { size: '4' }, { size: '3' }] });
  t.deepEqual(a.modelJson.signature.outputs.heatmaps.tensorShape, { dim: [{ size: '-1' }, { size: '4' }, { size: '4' }, { size: '3' }] });
});
