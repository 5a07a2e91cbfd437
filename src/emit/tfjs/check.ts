import { PosePortError } from '../../core/errors.js';
import { CONVERTER_OPS, CONVERTER_VERSION } from './converter-ops.generated.js';
import { attrString, NODE_NAME, type NodeDefJson } from './graphdef.js';

/**
 * Attributes TensorFlow defines that the converter does not read, allowed only with the
 * value the converter hard-wires (so the GraphDef means the same in TensorFlow): type
 * attributes (float32 activations, int32 shapes and indices, bool masks), NHWC, inference mode.
 */
const HARDWIRED_OK: Readonly<Record<string, (n: NodeDefJson) => boolean>> = {
  T: (n) => ['DT_FLOAT', 'DT_INT32', 'DT_BOOL'].includes(typeOf(n, 'T') ?? ''),
  U: (n) => typeOf(n, 'U') === 'DT_FLOAT',
  Tidx: (n) => typeOf(n, 'Tidx') === 'DT_INT32',
  Tperm: (n) => typeOf(n, 'Tperm') === 'DT_INT32',
  Index: (n) => typeOf(n, 'Index') === 'DT_INT32',
  Tpaddings: (n) => typeOf(n, 'Tpaddings') === 'DT_INT32',
  out_type: (n) => typeOf(n, 'out_type') === 'DT_INT32',
  data_format: (n) => attrString(n.attr?.data_format) === 'NHWC',
  is_training: (n) => (n.attr?.is_training as { b?: boolean } | undefined)?.b === false,
};

function typeOf(n: NodeDefJson, key: string): string | undefined {
  const v = n.attr?.[key];
  return v && 'type' in v ? v.type : undefined;
}

function unsupported(node: NodeDefJson, what: string, details: Record<string, unknown> = {}): never {
  throw new PosePortError(
    'EMIT_UNSUPPORTED',
    `TF.js node '${node.name}' (op ${node.op}): ${what} (@tensorflow/tfjs-converter ${CONVERTER_VERSION})`,
    { key: node.name, details: { node: node.name, op: node.op, ...details } },
  );
}

/** The operand count an op's slots require: every fixed slot [start] must exist. */
function minInputs(slots: readonly (readonly number[])[]): { min: number; fromEnd: number } {
  let min = 0;
  let fromEnd = 0;
  for (const s of slots) {
    const start = s[0];
    if (s.length === 1) {
      if (start >= 0) min = Math.max(min, start + 1);
      else fromEnd = Math.max(fromEnd, -start);
    } else if (start >= 0) min = Math.max(min, start);
  }
  return { min, fromEnd };
}

/**
 * Checks one node against the op table of the installed converter: the op exists, every
 * attribute we set is one the converter reads (or one it ignores and we set to the only
 * value it implements), and there are enough operands. Throws EMIT_UNSUPPORTED naming
 * the op and the node.
 */
export function checkConverterNode(node: NodeDefJson): void {
  if (!NODE_NAME.test(node.name)) unsupported(node, `node name is not a valid TensorFlow node name`);
  const op = Object.hasOwn(CONVERTER_OPS, node.op) ? CONVERTER_OPS[node.op] : undefined;
  if (!op) unsupported(node, `op '${node.op}' is not executed by the TF.js converter`);
  for (const [key] of Object.entries(node.attr ?? {})) {
    if (key === 'dtype' && (node.op === 'Const' || node.op === 'Placeholder')) continue;
    if (key === 'value' && node.op === 'Const') continue;
    if (key === 'shape' && node.op === 'Placeholder') continue;
    if (op.attrs.includes(key)) continue;
    if (Object.hasOwn(HARDWIRED_OK, key)) {
      if (HARDWIRED_OK[key](node)) continue;
      unsupported(node, `attribute '${key}' has a value the converter does not implement`, { attr: key });
    }
    if (op.ignored?.includes(key)) unsupported(node, `attribute '${key}' is not implemented by the converter`, { attr: key });
    unsupported(node, `attribute '${key}' is not read by the converter`, { attr: key, known: op.attrs });
  }
  const inputs = node.input?.length ?? 0;
  const { min, fromEnd } = minInputs(op.inputs);
  if (inputs < Math.max(min, fromEnd)) unsupported(node, `needs at least ${Math.max(min, fromEnd)} operands, has ${inputs}`);
}

/** Checks every node (see checkConverterNode) and that every operand names a node of the graph. */
export function checkConverterGraph(nodes: readonly NodeDefJson[]): void {
  const names = new Set<string>();
  for (const n of nodes) {
    if (names.has(n.name)) unsupported(n, 'duplicate node name');
    names.add(n.name);
  }
  for (const n of nodes) {
    checkConverterNode(n);
    for (const i of n.input ?? []) {
      const src = i.split(':')[0];
      if (!names.has(src)) unsupported(n, `operand '${i}' names no node of the graph`, { operand: i });
    }
  }
}
