import { deepEqualJson } from '../../core/json-equal.js';
import { sameBytes } from '../../artifact/compare.js';
import { onnx, type INodeProto, type IValueInfoProto } from '../../emit/onnx/proto.js';
import type { TfjsModelArtifacts, TfjsModelJson } from '../../emit/tfjs/index.js';
import type { OnnxModel } from './artifact-files.js';
import { result, type CheckResult, type Finding } from './finding.js';
import type { Described } from './format.js';

/**
 * onnx-graph / tfjs-graph: the artifact's graph (every node, in order, with its op, inputs,
 * outputs and attributes; the graph's inputs, outputs and value_info; the ONNX opsets; the TF.js
 * signature) against an emission of the graph rebuilt from the checkpoint. The weights
 * checks prove the numbers and the execution checks one input; this one proves the
 * computation itself, so an edited node (an op swapped, an attribute or a shape constant
 * changed, a node added or dropped) fails even where the probe input would not show it.
 * Findings: one per differing position, reason 'node' (detail index, got, want), 'count',
 * 'inputs', 'outputs', 'value_info', 'opsets' or 'signature'.
 */

const MAX_FINDINGS = 20;

function describeWith(check: string, what: string, count: number): (r: CheckResult) => string {
  return (r) => {
    if (r.ok) return `all ${count} ${what} equal an emission of the rebuilt graph`;
    const fs = r.findings.filter((f) => !f.ok);
    const parts = fs.slice(0, 5).map((f) => (f.reason === 'node' ? `node ${f.detail!.index} (${f.subject}): ${f.detail!.got} vs rebuilt ${f.detail!.want}` : `${f.reason}: ${f.detail?.got ?? ''} vs rebuilt ${f.detail?.want ?? ''}`));
    return `${check}: the artifact's graph differs from the rebuilt one at ${fs.length}${fs.length >= MAX_FINDINGS ? '+' : ''} places: ${parts.join('; ')}`;
  };
}

const encodeNode = (n: INodeProto) => onnx.NodeProto.encode(n).finish();
const encodeValueInfo = (v: IValueInfoProto) => onnx.ValueInfoProto.encode(v).finish();
const nodeLabel = (n: INodeProto | undefined) => (n ? `${n.opType ?? '?'} ${n.name ?? ''}`.trim() : '(none)');

function compareLists<T>(check: string, reason: string, got: readonly T[], want: readonly T[], same: (a: T, b: T) => boolean, label: (x: T | undefined) => string, findings: Finding[]): void {
  if (got.length !== want.length) findings.push({ check, ok: false, subject: reason, reason: reason === 'node' ? 'count' : reason, detail: { got: got.length, want: want.length } });
  const n = Math.max(got.length, want.length);
  for (let i = 0; i < n && findings.length < MAX_FINDINGS; i++)
    if (i >= got.length || i >= want.length || !same(got[i], want[i]))
      findings.push({ check, ok: false, subject: label(want[i] ?? got[i]), reason, detail: { index: i, got: label(got[i]), want: label(want[i]) } });
}

/** the ONNX graph's nodes, inputs, outputs and opsets against a fresh emission (byte-equal protobuf encodings) */
export function onnxGraphCheck(artifact: OnnxModel, fresh: OnnxModel): Described {
  const check = 'onnx-graph';
  const findings: Finding[] = [];
  const g = artifact.graph ?? {};
  const f = fresh.graph ?? {};
  const nodes = (f.node ?? []).length;
  compareLists(check, 'node', g.node ?? [], f.node ?? [], (a, b) => sameBytes(encodeNode(a), encodeNode(b)), nodeLabel, findings);
  const vi = (v: IValueInfoProto | undefined) => v?.name ?? '(none)';
  compareLists(check, 'inputs', g.input ?? [], f.input ?? [], (a, b) => sameBytes(encodeValueInfo(a), encodeValueInfo(b)), vi, findings);
  compareLists(check, 'outputs', g.output ?? [], f.output ?? [], (a, b) => sameBytes(encodeValueInfo(a), encodeValueInfo(b)), vi, findings);
  // value_info: shape hints a runtime plans memory and kernels by
  compareLists(check, 'value_info', g.valueInfo ?? [], f.valueInfo ?? [], (a, b) => sameBytes(encodeValueInfo(a), encodeValueInfo(b)), vi, findings);
  const opsets = (m: OnnxModel) => (m.opsetImport ?? []).map((o) => `${o.domain || 'ai.onnx'}:${Number(o.version)}`).join(',');
  if (opsets(artifact) !== opsets(fresh)) findings.push({ check, ok: false, subject: 'opsets', reason: 'opsets', detail: { got: opsets(artifact), want: opsets(fresh) } });
  return { result: result(check, findings, { nodes }), describe: describeWith(check, `${nodes} nodes, the inputs, outputs and opsets`, nodes) };
}

type TfjsNode = TfjsModelJson['modelTopology']['node'][number];

/** the TF.js graph's nodes (name, op, inputs, attributes) and signature against a fresh emission */
export function tfjsGraphCheck(artifact: TfjsModelArtifacts, fresh: TfjsModelJson): Described {
  const check = 'tfjs-graph';
  const findings: Finding[] = [];
  const got = artifact.modelTopology?.node ?? [];
  const want = fresh.modelTopology.node;
  const label = (n: TfjsNode | undefined) => (n ? `${n.op} ${n.name}` : '(none)');
  compareLists(check, 'node', got, want, (a, b) => deepEqualJson(a, b), label, findings);
  if (!deepEqualJson(artifact.signature, fresh.signature))
    findings.push({ check, ok: false, subject: 'signature', reason: 'signature', detail: { got: JSON.stringify(artifact.signature), want: JSON.stringify(fresh.signature) } });
  return { result: result(check, findings, { nodes: want.length }), describe: describeWith(check, `${want.length} nodes and the signature`, want.length) };
}
