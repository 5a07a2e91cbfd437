import { assertNever } from '../../core/assert.js';
import { PosePortError } from '../../core/errors.js';
import type { Graph } from '../../ir/graph.js';
import type { BinaryAttrs, CompareAttrs, DType, Node, UnaryAttrs, Value } from '../../ir/types.js';
import { guardEmptyBatch } from './empty-batch.js';
import { auxMaker, float, int, ints, reduction, str, type AuxInitializer } from './node-parts.js';
import { DATA_TYPE, type INodeProto } from './proto.js';

export type { AuxInitializer } from './node-parts.js';

/**
 * Lowering of IR nodes to ONNX NodeProtos. Each IR op maps to exactly one ONNX op;
 * ops whose parameters ONNX takes as tensors (Resize scales, Slice starts/ends/axes)
 * get small initializers, returned beside the nodes.
 */

/** The ONNX element type of each IR type. */
export const ONNX_TYPE: Record<DType, number> = { float32: DATA_TYPE.FLOAT, uint8: DATA_TYPE.UINT8, int32: DATA_TYPE.INT32, int64: DATA_TYPE.INT64, bool: DATA_TYPE.BOOL };
const BINARY_OP: Record<BinaryAttrs['fn'], string> = { add: 'Add', sub: 'Sub', mul: 'Mul', div: 'Div', max: 'Max', min: 'Min', and: 'And' };
const COMPARE_OP: Record<CompareAttrs['fn'], string> = { greater: 'Greater', less: 'Less', equal: 'Equal' };
/** Round is half to even, as cvRound and numpy */
const UNARY_OP: Record<UnaryAttrs['fn'], string> = { floor: 'Floor', round: 'Round', sign: 'Sign', log: 'Log', exp: 'Exp', neg: 'Neg', not: 'Not' };

export interface Lowered {
  readonly nodes: INodeProto[];
  readonly aux: AuxInitializer[];
}

/** kernel [kH, kW] from a conv weight [*, *, kH, kW] */
function kernelOf(node: Node): [number, number] {
  const w = node.inputs[1];
  return [w.shape[2] as number, w.shape[3] as number];
}

/**
 * The float32 scale ONNX Resize needs to turn `inSize` into exactly `outSize`:
 * the spec sizes the output as floor(in * scale), so a float32 scale rounded below
 * out/in would lose a row. The smallest float32 >= out/in whose product (in double
 * and in float32 arithmetic) floors to `outSize`.
 */
export function resizeScale(inSize: number, outSize: number): number {
  const f32 = new Float32Array(1);
  const u32 = new Uint32Array(f32.buffer);
  f32[0] = outSize / inSize;
  for (let i = 0; i < 8; i++) {
    const s = f32[0];
    if (Math.floor(inSize * s) === outSize && Math.floor(Math.fround(inSize * s)) === outSize) return s;
    u32[0] += 1; // next float32 up (positive values)
  }
  throw new PosePortError('EMIT_UNSUPPORTED', `no float32 Resize scale maps ${inSize} to ${outSize}`);
}

/**
 * Lowers the graph's nodes for `opset` (checked by the caller). `taken` holds the
 * names already used by values and nodes; aux initializer names are added to it.
 */
export function lowerNodes(graph: Graph, opset: number, taken: Set<string>): Lowered {
  const nodes: INodeProto[] = [];
  const aux: AuxInitializer[] = [];
  const fresh = (base: string): string => {
    let name = base;
    for (let i = 1; taken.has(name); i++) name = `${base}_${i}`;
    taken.add(name);
    return name;
  };
  const make = auxMaker(aux, fresh);
  const auxInt64 = make.int64;
  const auxFloat = make.float;
  const names = (vs: readonly Value[]) => vs.map((v) => v.name);

  for (const node of graph.nodes) {
    const base = { name: node.name, input: names(node.inputs), output: names(node.outputs) };
    switch (node.op) {
      case 'conv': {
        const a = node.attrs;
        nodes.push({
          ...base,
          opType: 'Conv',
          attribute: [
            ints('dilations', a.dilations),
            int('group', a.group),
            ints('kernel_shape', kernelOf(node)),
            ints('pads', a.pads),
            ints('strides', a.strides),
          ],
        });
        break;
      }
      case 'conv_transpose': {
        const a = node.attrs;
        nodes.push({
          ...base,
          opType: 'ConvTranspose',
          attribute: [
            ints('dilations', [1, 1]),
            int('group', a.group),
            ints('kernel_shape', kernelOf(node)),
            ints('output_padding', a.outputPadding),
            ints('pads', a.pads),
            ints('strides', a.strides),
          ],
        });
        break;
      }
      case 'batch_norm':
        nodes.push({ ...base, opType: 'BatchNormalization', attribute: [float('epsilon', node.attrs.epsilon)] });
        break;
      case 'relu':
        nodes.push({ ...base, opType: 'Relu' });
        break;
      case 'add':
        nodes.push({ ...base, opType: 'Add' });
        break;
      case 'max_pool': {
        const a = node.attrs;
        nodes.push({
          ...base,
          opType: 'MaxPool',
          attribute: [ints('kernel_shape', a.kernel), ints('pads', a.pads), ints('strides', a.strides)],
        });
        break;
      }
      case 'resize': {
        const a = node.attrs;
        const x = node.inputs[0];
        const y = node.outputs[0];
        // Scales, not sizes: sizes would have to state the dynamic batch dimension.
        const scales =
          a.mode === 'nearest'
            ? [1, 1, a.scale[0], a.scale[1]]
            : [1, 1, resizeScale(x.shape[2] as number, y.shape[2] as number), resizeScale(x.shape[3] as number, y.shape[3] as number)];
        // roi is a required input before opset 13 (an empty tensor when unused), optional after.
        const roi = opset < 13 ? auxFloat(`${node.name}.roi`, []) : '';
        const attribute =
          a.mode === 'nearest'
            ? [str('coordinate_transformation_mode', 'asymmetric'), str('mode', 'nearest'), str('nearest_mode', 'floor')]
            : [str('coordinate_transformation_mode', 'align_corners'), str('mode', 'linear')];
        nodes.push({ ...base, opType: 'Resize', input: [x.name, roi, auxFloat(`${node.name}.scales`, scales)], attribute });
        break;
      }
      case 'concat':
        nodes.push({ ...base, opType: 'Concat', attribute: [int('axis', node.attrs.axis)] });
        break;
      case 'slice': {
        const a = node.attrs;
        nodes.push({
          ...base,
          opType: 'Slice',
          input: [
            node.inputs[0].name,
            auxInt64(`${node.name}.starts`, [a.start]),
            // an end past the axis is clamped to its size (ONNX Slice): Infinity = to the end
            auxInt64(`${node.name}.ends`, [Number.isFinite(a.end) ? a.end : Number.MAX_SAFE_INTEGER]),
            auxInt64(`${node.name}.axes`, [a.axis]),
          ],
        });
        break;
      }
      case 'global_avg_pool':
        nodes.push({ ...base, opType: 'GlobalAveragePool' });
        break;
      case 'sigmoid':
        nodes.push({ ...base, opType: 'Sigmoid' });
        break;
      case 'mul':
        // equal ranks, size-1 dims broadcast: ONNX's multidirectional broadcasting
        nodes.push({ ...base, opType: 'Mul' });
        break;
      case 'reshape':
        nodes.push({ ...base, opType: 'Reshape', input: [node.inputs[0].name, auxInt64(`${node.name}.shape`, node.attrs.shape)] });
        break;
      case 'binary': {
        const fn = node.attrs.fn;
        if ((fn === 'max' || fn === 'min') && node.inputs[0].dtype !== 'float32' && opset < 12)
          throw new PosePortError('EMIT_UNSUPPORTED', `binary '${node.name}': ${fn} of ${node.inputs[0].dtype} needs opset 12`, { key: node.name });
        nodes.push({ ...base, opType: BINARY_OP[fn] });
        break;
      }
      case 'compare':
        nodes.push({ ...base, opType: COMPARE_OP[node.attrs.fn] });
        break;
      case 'unary':
        nodes.push({ ...base, opType: UNARY_OP[node.attrs.fn] });
        break;
      case 'where':
        nodes.push({ ...base, opType: 'Where' });
        break;
      case 'cast':
        nodes.push({ ...base, opType: 'Cast', attribute: [int('to', ONNX_TYPE[node.attrs.to])] });
        break;
      case 'gather':
        nodes.push({ ...base, opType: 'Gather', attribute: [int('axis', node.attrs.axis)] });
        break;
      case 'shape':
        nodes.push({ ...base, opType: 'Shape' });
        break;
      case 'argmax':
        // keepdims 0; the first maximum wins (select_last_index defaults to 0 from opset 12, and onnxruntime does so at 11)
        nodes.push({ ...base, opType: 'ArgMax', attribute: [int('axis', node.attrs.axis), int('keepdims', 0)] });
        break;
      case 'reduce': {
        const a = node.attrs;
        nodes.push({ ...base, ...reduction(a.fn === 'max' ? 'ReduceMax' : 'ReduceSum', opset, node.inputs[0].name, a.axes, a.keepdims, make, node.name) });
        break;
      }
      case 'pad': {
        const x = node.inputs[0];
        const value = make.scalar(`${node.name}.value`, x.dtype, node.attrs.value);
        nodes.push({ ...base, opType: 'Pad', input: [x.name, auxInt64(`${node.name}.pads`, node.attrs.pads), value], attribute: [str('mode', 'constant')] });
        break;
      }
      case 'transpose':
        nodes.push({ ...base, opType: 'Transpose', attribute: [ints('perm', node.attrs.perm)] });
        break;
      default:
        return assertNever(node);
    }
  }
  guardEmptyBatch(graph, opset, nodes, make, fresh);
  return { nodes, aux };
}
