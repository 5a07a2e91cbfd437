import { countDiffering, float32LE, sameBytes } from '../../artifact/compare.js';
import { deepEqualJson } from '../../core/json-equal.js';
import { ONNX_TYPE } from '../../emit/onnx/lower.js';
import { DATA_TYPE, type TensorProto } from '../../emit/onnx/proto.js';
import { specBytes, type TfjsArtifact, type TfjsModelArtifacts, type TfjsModelJson, type WeightSpec } from '../../emit/tfjs/index.js';
import { constantData } from '../../ir/constant.js';
import type { Graph } from '../../ir/graph.js';
import type { Value } from '../../ir/types.js';
import type { ArtifactRecord } from '../convert-report.js';
import type { OnnxModel } from './artifact-files.js';
import { failures, result, type CheckResult, type Finding } from './finding.js';
import { exp, listed, type Described } from './format.js';

/**
 * onnx-weights / tfjs-weights: every weight of an artifact against what the rebuilt graph
 * gives. One finding per weight that differs, reason 'values' (detail n, of, first, got,
 * want), 'shape', 'spec', 'quantization', 'bytes' or 'missing' (ONNX: 'unexpected' for an
 * initializer the graph lacks, 'no-initializer' for a constant the artifact lacks).
 */

/** the words after a weight's name in the detail line */
function why(f: Finding): string {
  const d = f.detail ?? {};
  switch (f.reason) {
    case 'values':
      return `${d.n} of ${d.of} values, first at ${d.first}: ${d.got} vs ${d.want}`;
    case 'count':
      return `${d.got} values, rebuilt ${d.want}`;
    case 'shape':
      return `shape [${d.got}] vs [${d.want}]`;
    case 'spec':
      return `spec ${d.got} vs ${d.want}`;
    case 'quantization':
      return `quantization ${d.got} vs ${d.want}`;
    case 'quantized-bytes':
      return 'quantized bytes differ';
    case 'bytes':
      return 'bytes differ';
    default:
      return f.reason ?? '';
  }
}
const named = (fs: readonly Finding[]) => fs.map((f) => (f.reason === 'missing' ? `${f.subject} (missing)` : `${f.subject} (${why(f)})`));

/** a finding for differing float values, none when all are within `tol`; tracks the largest relative difference */
function compareValues(check: string, subject: string, got: Float32Array, want: Float32Array, tol: number, worst: { v: number }): Finding | undefined {
  const d = countDiffering(got, want, tol);
  worst.v = Math.max(worst.v, d.maxRel);
  if (!d.n) return undefined;
  return { check, ok: false, subject, reason: 'values', measured: d.maxRel, bound: tol, detail: { n: d.n, of: want.length, first: d.first, got: got[d.first], want: want[d.first] } };
}

/** every ONNX initializer against the rebuilt graph's constants (aux initializers against a fresh emission) */
export function onnxWeightsCheck(artifact: OnnxModel, fresh: OnnxModel, graph: Graph, tol: number): Described {
  const check = 'onnx-weights';
  const constants = new Map<string, Value>();
  for (const n of graph.nodes) for (const v of n.inputs) if (v.constant) constants.set(v.name, v);
  const freshInits = new Map((fresh.graph!.initializer as TensorProto[]).map((t) => [t.name, t]));
  const findings: Finding[] = [];
  const bad = (subject: string, reason: string, detail?: Finding['detail']): Finding => ({ check, ok: false, subject, reason, ...(detail ? { detail } : {}) });
  const seen = new Set<string>();
  let values = 0;
  const worst = { v: 0 };
  for (const t of artifact.graph!.initializer as TensorProto[]) {
    seen.add(t.name);
    const c = constants.get(t.name);
    const ref = freshInits.get(t.name);
    if (!c && !ref) {
      findings.push(bad(t.name, 'unexpected'));
      continue;
    }
    const dims = t.dims.map(Number);
    const wantDims = c ? c.shape.map(Number) : ref!.dims.map(Number);
    if (dims.join(',') !== wantDims.join(',') || t.dataType !== (c ? ONNX_TYPE[c.dtype] : ref!.dataType)) {
      findings.push(bad(t.name, 'shape', { got: `${dims.join(',')} (${t.dataType})`, want: `${wantDims.join(',')} (${c ? ONNX_TYPE[c.dtype] : ref!.dataType})` }));
      continue;
    }
    // a float constant against the rebuilt graph's values; any other type (the index and mask constants of the keypoint graphs) byte for byte against the fresh emission
    if (t.dataType === DATA_TYPE.FLOAT) {
      const got = t.rawData && t.rawData.length ? float32LE(t.rawData) : Float32Array.from(t.floatData);
      const want = c ? constantData(c) : float32LE(ref!.rawData);
      values += want.length;
      if (got.length !== want.length) {
        findings.push(bad(t.name, 'count', { got: got.length, want: want.length }));
        continue;
      }
      const f = compareValues(check, t.name, got, want, tol, worst);
      if (f) findings.push(f);
    } else if (!ref || !sameBytes(t.rawData, ref.rawData)) findings.push(bad(t.name, 'bytes'));
  }
  for (const n of constants.keys()) if (!seen.has(n)) findings.push(bad(n, 'no-initializer'));
  // report order: differing, then constants without initializer, then unexpected initializers
  const rank = (f: Finding) => (f.reason === 'no-initializer' ? 1 : f.reason === 'unexpected' ? 2 : 0);
  findings.sort((a, b) => rank(a) - rank(b));
  return {
    result: result(check, findings, { initializers: seen.size, values, max_rel_diff: worst.v, tolerance: tol }),
    describe: (r: CheckResult) => {
      if (r.ok) return `all ${seen.size} initializers (${values} float values) equal the weights rebuilt from the checkpoint (max relative difference ${exp(worst.v)}, tolerance ${exp(tol)})`;
      const differ = named(failures(r).filter((f) => rank(f) === 0));
      const missing = failures(r, 'no-initializer').map((f) => f.subject);
      const unexpected = failures(r, 'unexpected').map((f) => f.subject);
      return [
        differ.length ? `${differ.length} initializers differ from the rebuilt weights: ${listed(differ)}` : '',
        missing.length ? `${missing.length} rebuilt constants have no initializer: ${listed(missing)}` : '',
        unexpected.length ? `${unexpected.length} initializers the rebuilt graph does not have: ${listed(unexpected)}` : '',
      ]
        .filter(Boolean)
        .join('; ');
    },
  };
}

/** Name -> (spec, bytes) of a TF.js weights manifest over its concatenated shards. */
function tfjsWeights(m: TfjsModelJson, shards: readonly Uint8Array[]): Map<string, { spec: WeightSpec; bytes: Uint8Array }> {
  const out = new Map<string, { spec: WeightSpec; bytes: Uint8Array }>();
  let si = 0;
  for (const g of m.weightsManifest) {
    const total = g.paths.reduce((s, _, i) => s + shards[si + i].byteLength, 0);
    const all = new Uint8Array(total);
    let o = 0;
    for (let i = 0; i < g.paths.length; i++) {
      all.set(shards[si + i], o);
      o += shards[si + i].byteLength;
    }
    si += g.paths.length;
    let at = 0;
    for (const w of g.weights) {
      const n = specBytes(w);
      out.set(w.name, { spec: w, bytes: all.subarray(at, at + n) });
      at += n;
    }
  }
  return out;
}

/**
 * every TF.js weight of the artifact (read through readTfjsArtifacts: paths confined, shards
 * checked against the manifest) against an in-memory TF.js emission of the rebuilt graph
 * (`fresh`: the artifact's quantization and layouts, see tfjsLayouts)
 */
export function tfjsWeightsCheck(a: TfjsModelArtifacts, fresh: TfjsArtifact, quantize: ArtifactRecord['quantize'], tol: number): Described {
  const check = 'tfjs-weights';
  const have = tfjsWeights({ weightsManifest: [{ paths: ['(all shards)'], weights: a.weightSpecs }] } as TfjsModelJson, [new Uint8Array(a.weightData)]);
  const want = tfjsWeights(
    fresh.modelJson,
    fresh.shards.map((s) => s.bytes),
  );
  const findings: Finding[] = [];
  const bad = (subject: string, reason: string, detail?: Finding['detail']): Finding => ({ check, ok: false, subject, reason, ...(detail ? { detail } : {}) });
  let values = 0;
  const worst = { v: 0 };
  for (const [name, w] of want) {
    const h = have.get(name);
    if (!h) {
      findings.push(bad(name, 'missing'));
      continue;
    }
    if (!deepEqualJson({ ...h.spec, quantization: undefined }, { ...w.spec, quantization: undefined })) {
      findings.push(bad(name, 'spec', { got: JSON.stringify(h.spec), want: JSON.stringify(w.spec) }));
      continue;
    }
    const q = w.spec.quantization;
    const hq = h.spec.quantization;
    if (q || hq) {
      // quantized storage is deterministic: the bytes and the parameters must be the same
      const params = q && hq && q.dtype === hq.dtype && (q.dtype !== 'uint8' || hq.dtype !== 'uint8' || (Math.abs(q.min - hq.min) <= tol * Math.abs(q.min) && Math.abs(q.scale - hq.scale) <= tol * Math.abs(q.scale)));
      values += w.spec.shape.reduce((a, b) => a * b, 1);
      if (!params) findings.push(bad(name, 'quantization', { got: JSON.stringify(hq ?? null), want: JSON.stringify(q ?? null) }));
      else if (!sameBytes(h.bytes, w.bytes)) findings.push(bad(name, 'quantized-bytes'));
      continue;
    }
    if (w.spec.dtype === 'float32') {
      const ref = float32LE(w.bytes);
      values += ref.length;
      const f = compareValues(check, name, float32LE(h.bytes), ref, tol, worst);
      if (f) findings.push(f);
    } else if (!sameBytes(h.bytes, w.bytes)) findings.push(bad(name, 'bytes'));
  }
  for (const n of have.keys()) if (!want.has(n)) findings.push(bad(n, 'unexpected'));
  return {
    result: result(check, findings, { weights: want.size, values, max_rel_diff: worst.v, tolerance: tol }),
    describe: (r: CheckResult) => {
      if (r.ok) return `all ${want.size} TF.js weights (${values} values${quantize ? `, ${quantize}` : ''}) equal a TF.js emission of the rebuilt graph (max relative difference ${exp(worst.v)}, tolerance ${exp(tol)})`;
      const differ = named(failures(r).filter((f) => f.reason !== 'unexpected'));
      const unexpected = failures(r, 'unexpected').map((f) => f.subject);
      return [
        differ.length ? `${differ.length} TF.js weights differ from the rebuilt ones: ${listed(differ)}` : '',
        unexpected.length ? `${unexpected.length} weights the rebuilt graph does not have: ${listed(unexpected)}` : '',
      ]
        .filter(Boolean)
        .join('; ');
    },
  };
}
