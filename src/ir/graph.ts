import { PosePortError } from '../core/errors.js';
import type { TensorEntry } from '../core/tensor.js';
import { inferOutput } from './shape.js';
import type { AttrsOf, ConstSource, DType, Dim, Node, Op, Value } from './types.js';

/** Free-form facts the builders attach (family, config, keypoints, ...); emitters copy what they need. */
export type GraphMeta = Record<string, unknown>;

/**
 * A graph whose batch may be empty, for runtimes whose kernels fail on an empty tensor:
 * `fill` names the inputs whose first dimension is the symbolic batch `dim`, each with
 * a value that makes one more entry harmless (no division by zero, no NaN). Each emitter
 * keeps its runtimes' kernels off an empty batch with it: ONNX takes one spare entry only
 * when the batch is empty (onnxruntime-web's WebGPU EP refuses a zero dispatch;
 * emit/onnx/empty-batch.ts), TF.js always puts one in front (its wasm Transpose, Mean and
 * Max trap on an empty tensor, its Gather mis-shapes one, and a TF.js graph cannot size a
 * tensor from data on webgpu; emit/tfjs/lower.ts); both drop it again from every output
 * whose first dimension is `dim`.
 */
export interface EmptyBatch {
  readonly dim: string;
  readonly fill: Readonly<Record<string, number>>;
}

/**
 * A graph under construction or after passes. Nodes are kept in a valid
 * topological order (builders append in execution order; passes keep it).
 */
export class Graph {
  readonly inputs: Value[] = [];
  readonly outputs: Value[] = [];
  /** constants (weights) in creation order */
  readonly constants: Value[] = [];
  nodes: Node[] = [];
  meta: GraphMeta = {};
  /** set when the batch may be empty (see EmptyBatch) */
  emptyBatch: EmptyBatch | null = null;
  private nextId = 0;
  private readonly names = new Set<string>();

  /** A unique name derived from `base`. */
  uniqueName(base: string): string {
    let name = base;
    for (let i = 1; this.names.has(name); i++) name = `${base}_${i}`;
    this.names.add(name);
    return name;
  }

  private newValue(name: string, shape: readonly Dim[], producer: Node | null, constant?: ConstSource, dtype: DType = 'float32'): Value {
    const v: Value = { id: this.nextId++, name: this.uniqueName(name), dtype, shape: [...shape], producer, uses: [] };
    if (constant) v.constant = constant;
    return v;
  }

  /** A graph input, e.g. `input` [N, 3, H, W]. */
  addInput(name: string, shape: readonly Dim[], dtype: DType = 'float32'): Value {
    const v = this.newValue(name, shape, null, undefined, dtype);
    this.inputs.push(v);
    return v;
  }

  /** A constant referencing a checkpoint tensor, not copied. Its name is the checkpoint key. */
  addCheckpointConstant(entry: TensorEntry): Value {
    const v = this.newValue(entry.name, entry.shape, null, { kind: 'checkpoint', entry });
    this.constants.push(v);
    return v;
  }

  /**
   * A constant holding computed data (passes, the keypoint graphs). For an int64,
   * uint8 or bool constant the float32 data holds the (small, exact) values and the
   * emitters convert them.
   */
  addComputedConstant(name: string, shape: readonly number[], data: Float32Array, from: readonly string[], dtype: DType = 'float32'): Value {
    const v = this.newValue(name, shape, null, { kind: 'computed', data, from }, dtype);
    this.constants.push(v);
    return v;
  }

  /** A constant whose data is computed on demand from other constants (passes). */
  addDerivedConstant(
    name: string,
    shape: readonly number[],
    compute: () => Float32Array,
    from: readonly string[],
    computeInto?: (out: Float32Array, start: number) => void,
  ): Value {
    const v = this.newValue(name, shape, null, computeInto ? { kind: 'derived', compute, computeInto, from } : { kind: 'derived', compute, from });
    this.constants.push(v);
    return v;
  }

  /**
   * Appends a node; its output shape is inferred now and a mismatch throws
   * SHAPE_MISMATCH naming the node and `origin` (the checkpoint prefix).
   */
  add<O extends Op>(op: O, inputs: Value[], attrs: AttrsOf<O>, opts: { name?: string; origin?: string } = {}): Value {
    const name = this.uniqueName(opts.name ?? opts.origin ?? op);
    const { shape, dtype } = inferOutput(op, inputs, attrs, { node: name, origin: opts.origin });
    const node = { id: this.nextId++, op, name, inputs: [...inputs], outputs: [] as Value[], attrs, origin: opts.origin } as unknown as Node;
    const out = this.newValue(`${name}:out`, shape, node, undefined, dtype);
    node.outputs.push(out);
    for (const v of inputs) v.uses.push(node);
    this.nodes.push(node);
    return out;
  }

  /** Marks a value as a graph output under `name` (renaming it). */
  markOutput(v: Value, name: string): void {
    if (v.name !== name) {
      if (this.names.has(name)) throw new PosePortError('GRAPH_INVALID', `output name '${name}' is already used`);
      this.names.delete(v.name);
      this.names.add(name);
      v.name = name;
    }
    this.outputs.push(v);
  }

  /** Gives `v` a fresh name derived from `base` (its old name becomes free). */
  rename(v: Value, base: string): void {
    this.names.delete(v.name);
    v.name = this.uniqueName(base);
  }

  /** Replaces every use of `from` by `to` (graph outputs included). */
  replaceAllUses(from: Value, to: Value): void {
    for (const n of from.uses) {
      n.inputs = n.inputs.map((v) => (v === from ? to : v));
      to.uses.push(n);
    }
    from.uses.length = 0;
    const oi = this.outputs.indexOf(from);
    if (oi >= 0) {
      const name = from.name;
      this.names.delete(to.name);
      from.name = this.uniqueName(`${name}:replaced`);
      to.name = name;
      this.names.add(name);
      this.outputs[oi] = to;
    }
  }

  /** Removes a node whose outputs are unused; drops it from its inputs' use lists. */
  removeNode(node: Node): void {
    for (const o of node.outputs)
      if (o.uses.length || this.outputs.includes(o))
        throw new PosePortError('GRAPH_INVALID', `cannot remove '${node.name}': output '${o.name}' is still used`);
    this.nodes = this.nodes.filter((n) => n !== node);
    for (const v of node.inputs) {
      const i = v.uses.indexOf(node);
      if (i >= 0) v.uses.splice(i, 1);
    }
    for (const o of node.outputs) this.names.delete(o.name);
    this.names.delete(node.name);
  }

  /**
   * Re-infers every node's output shape in order, after an input was replaced by a
   * value of another (symbolic) shape, e.g. a network's batch 'N' by '2*N'.
   */
  refreshShapes(): void {
    for (const node of this.nodes) {
      const { shape } = inferOutput(node.op, node.inputs, node.attrs as AttrsOf<Op>, { node: node.name, origin: node.origin });
      node.outputs[0].shape = shape;
    }
  }

  /** Drops constants nobody uses any more (after folding). */
  pruneConstants(): number {
    const before = this.constants.length;
    const keep = this.constants.filter((c) => c.uses.length > 0);
    for (const c of this.constants) if (c.uses.length === 0) this.names.delete(c.name);
    this.constants.length = 0;
    this.constants.push(...keep);
    return before - keep.length;
  }
}
