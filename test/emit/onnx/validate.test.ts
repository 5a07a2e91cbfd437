import test, { type ExecutionContext } from 'ava';
import { emitOnnx, validateOnnx } from '../../../src/emit/onnx/index.js';
import { onnx, type IModelProto } from '../../../src/emit/onnx/proto.js';
import { headGraph } from '../../ir/graphs.js';
import { expectPoseError } from '../../helpers/errors.js';

const io = (name: string, dims: (number | string)[]) => ({
  name,
  type: { tensorType: { elemType: 1, shape: { dim: dims.map((d) => (typeof d === 'number' ? { dimValue: d } : { dimParam: d })) } } },
});

function model(edit: (m: IModelProto & { graph: any }) => void = () => {}): Uint8Array {
  const m = {
    irVersion: 6,
    opsetImport: [{ domain: '', version: 11 }],
    graph: {
      name: 'g',
      input: [io('x', ['N', 2])],
      output: [io('y', ['N', 2])],
      initializer: [{ name: 'b', dims: [2], dataType: 1, rawData: new Uint8Array(8) }],
      node: [
        { name: 'add', opType: 'Add', input: ['x', 'b'], output: ['s'] },
        { name: 'relu', opType: 'Relu', input: ['s'], output: ['y'] },
      ],
    },
  };
  edit(m);
  return onnx.ModelProto.encode(m).finish();
}

function fails(t: ExecutionContext, bytes: Uint8Array, re: RegExp) {
  t.regex(expectPoseError(t, () => validateOnnx(bytes), 'EMIT_FORMAT').message, re);
}

test('a well-formed hand-written model passes', (t) => {
  const s = validateOnnx(model());
  t.is(s.opset, 11);
  t.deepEqual(s.ops, { Add: 1, Relu: 1 });
  t.deepEqual(s.inputs[0].shape, ['N', 2]);
});

test('an input read before it is produced is named', (t) => {
  fails(t, model((m) => m.graph.node.reverse()), /node 0 'relu' \(Relu\): input 's' is not/);
});

test('a dangling initializer is reported', (t) => {
  fails(t, model((m) => m.graph.initializer.push({ name: 'unused', dims: [1], dataType: 1, rawData: new Uint8Array(4) })), /initializers read by no node: unused/);
});

test('duplicate value and node names are reported', (t) => {
  fails(t, model((m) => (m.graph.node[1].output = ['s'])), /value 's' is defined twice/);
  fails(t, model((m) => (m.graph.node[1].name = 'add')), /node name is used twice/);
  fails(t, model((m) => (m.graph.initializer[0].name = 'x')), /value 'x' is defined twice/);
});

test('outputs must be produced, opsets declared, shapes present', (t) => {
  fails(t, model((m) => (m.graph.output[0].name = 'z')), /graph output 'z' is produced by no node/);
  fails(t, model((m) => (m.opsetImport = [])), /one opset_import/);
  fails(t, model((m) => (m.graph.input[0] = { name: 'x', type: { tensorType: { elemType: 1 } } })), /'x' has no tensor type with a shape/);
  fails(t, new Uint8Array([0x3a, 0x05, 1]), /not a ModelProto/);
});

test('emitted models validate', (t) => {
  const s = validateOnnx(emitOnnx(headGraph()));
  t.is(s.outputs[0].name, 'heatmaps');
  t.is(s.ops.BatchNormalization, 4);
});
