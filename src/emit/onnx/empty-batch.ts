import type { Graph } from '../../ir/graph.js';
import { DATA_TYPE, type IAttributeProto, type INodeProto } from './proto.js';
import { int, reduction, str, type AuxMaker } from './node-parts.js';

/**
 * Graph.emptyBatch in ONNX: one spare batch entry, only when the batch is empty.
 *
 * onnxruntime's CPU kernels compute an empty batch, but onnxruntime-web's WebGPU EP refuses
 * a zero dispatch (Conv, ConvTranspose, MaxPool) and ReduceMax of an empty tensor
 * (docs/browser-backends.md). A spare entry always present would cost a crop through the
 * network on every call (1/2N of it with the flip test); here the graph counts the batch
 * and takes the spare only when the count is 0:
 *
 * - count: the first guarded input's batch, as float32 `[1]` = ReduceSum of a 1 per entry
 *   (`Where(x == x, 1, 1)`: NaN-proof) padded by one 0 so the sum never reads an empty
 *   tensor; `take = min(count, 1)` (1 unless empty). No Shape node: its int64 output and
 *   every scalar computed from it onnxruntime keeps on its CPU EP.
 * - each guarded input: padded by one entry of its fill in front, then sliced from `take`
 *   (int32 starts: Slice reads them on the CPU, a copy of four bytes): `max(N, 1)` entries.
 * - each output whose first dimension is the batch: sliced from `1 − take`: `N` entries.
 *
 * The nodes between read the guarded tensors under new names; intermediate value_info
 * says `max(N,1)` for the batch (emit.ts).
 */
export function guardEmptyBatch(
  graph: Graph,
  opset: number,
  nodes: INodeProto[],
  make: AuxMaker,
  fresh: (base: string) => string,
): void {
  const spec = graph.emptyBatch;
  if (!spec) return;
  const guarded = graph.inputs.filter((v) => spec.fill[v.name] !== undefined && v.shape[0] === spec.dim);
  const batched = graph.outputs.filter((v) => v.shape[0] === spec.dim);
  if (guarded.length === 0) return;

  const { int64, int32 } = make;
  const scalar = (base: string, v: number): string => make.scalar(base, 'float32', v);
  const head: INodeProto[] = [];
  const node = (what: string, opType: string, input: string[], attribute: IAttributeProto[] = []): string => {
    const name = fresh(`empty_batch/${what}`);
    head.push({ name, opType, input, output: [name], attribute });
    return name;
  };
  const padFront = (x: string, rank: number, value: string, what: string): string =>
    node(what, 'Pad', [x, int64(`empty_batch/${what}_pads`, [1, ...Array<number>(2 * rank - 1).fill(0)]), value], [str('mode', 'constant')]);
  // Slice's inputs: `x` from `start` to the end of the batch axis (int32, as `start`)
  const fromStart = (x: string, start: string, what: string): string[] => [x, start, int32(`empty_batch/${what}_ends`, [0x7fffffff]), int32(`empty_batch/${what}_axes`, [0])];

  // the count of the first guarded input's entries
  const first = guarded[0];
  const rank = first.shape.length;
  const tail = Array.from({ length: rank - 1 }, (_, i) => i + 1);
  const column = node('column', 'Slice', [first.name, int64('empty_batch/column_starts', tail.map(() => 0)), int64('empty_batch/column_ends', tail.map(() => 1)), int64('empty_batch/column_axes', tail)]);
  const entries = node('entries', 'Reshape', [column, int64('empty_batch/entries_shape', [-1])]);
  const one = scalar('empty_batch/one', 1);
  const ones = node('ones', 'Where', [node('defined', 'Equal', [entries, entries]), one, one]);
  const counted = padFront(ones, 1, scalar('empty_batch/zero', 0), 'ones_and_zero');
  const sum = reduction('ReduceSum', opset, counted, [0], true, make, 'empty_batch/count');
  const count = node('count', sum.opType!, sum.input!, sum.attribute!);
  const take = node('take', 'Min', [count, one]);
  const inStart = node('input_start', 'Cast', [take], [int('to', DATA_TYPE.INT32)]);
  const outStart = node('output_start', 'Cast', [node('spare_taken', 'Sub', [one, take])], [int('to', DATA_TYPE.INT32)]);

  const rename = new Map<string, string>();
  for (const v of guarded) {
    const padded = padFront(v.name, v.shape.length, scalar(`empty_batch/${v.name}_fill`, spec.fill[v.name]), `${v.name}_with_spare`);
    rename.set(v.name, node(`${v.name}_nonempty`, 'Slice', fromStart(padded, inStart, `${v.name}_nonempty`)));
  }
  // (a graph input is no node's output, so one map serves inputs and outputs)
  for (const v of batched) rename.set(v.name, fresh(`${v.name}_nonempty`));
  for (const n of nodes) {
    n.input = (n.input ?? []).map((x) => rename.get(x) ?? x);
    n.output = (n.output ?? []).map((x) => rename.get(x) ?? x);
  }
  const tailNodes: INodeProto[] = batched.map((v) => ({
    name: fresh(`empty_batch/${v.name}`),
    opType: 'Slice',
    input: fromStart(rename.get(v.name)!, outStart, `${v.name}_drop_spare`),
    output: [v.name],
  }));
  nodes.unshift(...head);
  nodes.push(...tailNodes);
}
