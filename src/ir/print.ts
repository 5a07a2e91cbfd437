import { shapeString } from '../core/tensor.js';
import type { Graph } from './graph.js';
import type { Node, Value } from './types.js';

function attrValue(v: unknown): string {
  if (Array.isArray(v)) return `[${v.join(',')}]`;
  if (typeof v === 'number') return String(v);
  return JSON.stringify(v);
}

function attrsOf(node: Node): string {
  return Object.entries(node.attrs as Record<string, unknown>)
    .map(([k, v]) => `${k}=${typeof v === 'string' ? v : attrValue(v)}`)
    .join(' ');
}

function constantLine(v: Value): string {
  const c = v.constant!;
  const src = c.kind === 'checkpoint' ? `checkpoint ${c.entry.dtype}` : `${c.kind} from ${c.from.join(', ')}`;
  return `const %${v.name}: ${shapeString(v.shape)} ${src}`;
}

/**
 * A readable text form of the graph, stable for snapshots:
 *
 *     input %input: [N, 3, 256, 192]
 *     const %backbone.conv1.weight: [64, 3, 7, 7] checkpoint float32
 *     %backbone.conv1:out = conv(%input, %backbone.conv1.weight) strides=[2,2] ... -> [N, 64, 128, 96]
 *     output %heatmaps
 *
 * `constants: 'summary'` prints one line with the count and element total instead
 * of one line per constant (for big models).
 */
export function printGraph(graph: Graph, opts: { constants?: 'list' | 'summary' } = {}): string {
  const lines: string[] = [];
  for (const v of graph.inputs) lines.push(`input %${v.name}: ${shapeString(v.shape)}`);
  if (opts.constants === 'summary') {
    const elems = graph.constants.reduce((a, c) => a + c.shape.reduce<number>((m, d) => m * (d as number), 1), 0);
    lines.push(`const ${graph.constants.length} tensors, ${elems} elements`);
  } else for (const c of graph.constants) lines.push(constantLine(c));
  for (const n of graph.nodes) {
    const attrs = attrsOf(n);
    const outs = n.outputs.map((o) => `%${o.name}`).join(', ');
    const ins = n.inputs.map((v) => `%${v.name}`).join(', ');
    const shapes = n.outputs.map((o) => shapeString(o.shape)).join(', ');
    lines.push(`${outs} = ${n.op}(${ins})${attrs ? ` ${attrs}` : ''} -> ${shapes}`);
  }
  for (const v of graph.outputs) lines.push(`output %${v.name}`);
  return lines.join('\n') + '\n';
}
