import { PosePortError } from '../../core/errors.js';
import { onnx, type GraphProto, type IValueInfoProto, type NodeProto, type TensorProto } from './proto.js';

/** A declared graph input or output: its name and shape (numbers, or dim_param names). */
export interface OnnxIO {
  readonly name: string;
  readonly elemType: number;
  readonly shape: readonly (number | string)[];
}

/** What validateOnnx read from the model. */
export interface OnnxSummary {
  readonly irVersion: number;
  /** version of the default ('' / ai.onnx) domain */
  readonly opset: number;
  readonly producer: string;
  readonly inputs: readonly OnnxIO[];
  readonly outputs: readonly OnnxIO[];
  readonly nodeCount: number;
  /** op type -> count */
  readonly ops: Readonly<Partial<Record<string, number>>>;
  readonly initializerCount: number;
  /** bytes of initializer raw_data */
  readonly initializerBytes: number;
  readonly metadata: Readonly<Record<string, string>>;
}

const num = (v: unknown): number => (typeof v === 'number' ? v : Number(v));

function ioOf(v: IValueInfoProto, where: string): OnnxIO {
  const t = v.type?.tensorType;
  const name = v.name;
  if (!name) throw new PosePortError('EMIT_FORMAT', `${where} has no name`);
  if (!t || t.elemType == null || !t.shape)
    throw new PosePortError('EMIT_FORMAT', `${where} '${name}' has no tensor type with a shape`, { key: name });
  const shape = (t.shape.dim ?? []).map((d, i) => {
    if (d.dimParam) return d.dimParam;
    if (d.dimValue != null && num(d.dimValue) > 0) return num(d.dimValue);
    throw new PosePortError('EMIT_FORMAT', `${where} '${v.name}' dimension ${i} is neither a size nor a named parameter`, { key: name });
  });
  return { name, elemType: t.elemType, shape };
}

/**
 * Structural check of a serialized ModelProto (no inference): the default-domain
 * opset is declared once; inputs and outputs have tensor types with shapes; the
 * graph is in topological order (every node input is '' (omitted), a graph input,
 * an initializer or an earlier node's output); every output is produced; every
 * initializer is read; value names (inputs, initializers, node outputs) and node
 * names are unique. Throws EMIT_FORMAT naming the node or value; returns a summary.
 */
export function validateOnnx(bytes: Uint8Array): OnnxSummary {
  let model: ReturnType<typeof onnx.ModelProto.decode>;
  try {
    model = onnx.ModelProto.decode(bytes);
  } catch (e) {
    throw new PosePortError('EMIT_FORMAT', `not a ModelProto: ${(e as Error).message}`);
  }
  const fail = (msg: string, key?: string | null): never => {
    throw new PosePortError('EMIT_FORMAT', msg, key ? { key } : {});
  };
  const defaults = model.opsetImport.filter((o) => !o.domain || o.domain === 'ai.onnx');
  if (defaults.length !== 1) fail(`expected one opset_import for the default domain, found ${defaults.length}`);
  const opset = num(defaults[0].version);
  const irVersion = num(model.irVersion);
  if (!(irVersion >= 3)) fail(`ir_version ${irVersion} is missing or too old`);
  if (!model.graph) return fail('the model has no graph');
  const g = model.graph as GraphProto; // decoded messages carry defaults for every field

  const defined = new Map<string, string>(); // value name -> what defined it
  const define = (name: string, what: string) => {
    if (!name) fail(`${what} defines a value with an empty name`);
    const prior = defined.get(name);
    if (prior) fail(`value '${name}' is defined twice: by ${prior} and by ${what}`, name);
    defined.set(name, what);
  };
  const inputs = g.input.map((v, i) => ioOf(v, `graph input ${i}`));
  for (const v of inputs) define(v.name, 'a graph input');
  let initializerBytes = 0;
  const unread = new Set<string>();
  for (const t of g.initializer as TensorProto[]) {
    define(t.name, 'an initializer');
    unread.add(t.name);
    initializerBytes += t.rawData?.length ?? 0;
  }
  const ops: Record<string, number> = {};
  const nodeNames = new Set<string>();
  (g.node as NodeProto[]).forEach((n, i) => {
    const label = `node ${i} '${n.name || '(unnamed)'}' (${n.opType})`;
    if (n.name) {
      if (nodeNames.has(n.name)) fail(`${label}: node name is used twice`, n.name);
      nodeNames.add(n.name);
    }
    if (n.domain) fail(`${label}: custom domain '${n.domain}'`, n.name);
    for (const x of n.input) {
      if (x === '') continue;
      if (!defined.has(x)) fail(`${label}: input '${x}' is not a graph input, an initializer or an earlier node's output`, x);
      unread.delete(x);
    }
    for (const y of n.output) define(y, label);
    ops[n.opType] = (ops[n.opType] ?? 0) + 1;
  });
  const outputs = g.output.map((v, i) => ioOf(v, `graph output ${i}`));
  for (const o of outputs) if (!defined.has(o.name)) fail(`graph output '${o.name}' is produced by no node`, o.name);
  if (unread.size) fail(`initializers read by no node: ${[...unread].slice(0, 10).join(', ')}${unread.size > 10 ? ', ...' : ''}`, [...unread][0]);

  return {
    irVersion,
    opset,
    producer: `${model.producerName} ${model.producerVersion}`.trim(),
    inputs,
    outputs,
    nodeCount: g.node.length,
    ops,
    initializerCount: g.initializer.length,
    initializerBytes,
    metadata: Object.fromEntries(model.metadataProps.map((p) => [p.key, p.value])),
  };
}
