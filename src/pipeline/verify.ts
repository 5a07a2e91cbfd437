/**
 * `pose-port verify`: does a conversion output directory (model.onnx, tfjs/, report.json)
 * faithfully come from this checkpoint? Independent checks, each a named result:
 *
 * - provenance: the checkpoint's sha256 and every tensor's sha256 against report.json;
 * - integrity: each artifact's sha256 against report.json, the TF.js files against their
 *   manifest, the artifacts' embedded metadata against the report's;
 * - re-derivation: the graph is rebuilt from the checkpoint (detect, build, the recorded
 *   passes) and every ONNX initializer and every TF.js weight is compared with what the
 *   rebuilt graph gives, so an artifact whose weights were changed after conversion is
 *   caught even when report.json was edited to match;
 * - execution: the ONNX (onnxruntime-node) and TF.js (tfjs-converter, cpu backend)
 *   artifacts run on one seeded input and are compared with each other and with a fresh
 *   in-memory ONNX emission of the rebuilt graph.
 *
 * - evaluation (optional): the dataset test of 'pose-port eval' on one artifact, every
 *   metric the zoo row records compared with the measured one within a tolerance.
 *
 * A failed check makes `ok` false (the CLI exits 1); input that cannot be verified at all
 * (no report.json, a listed artifact missing, not a checkpoint) throws PosePortError.
 */
import { readJsonFile } from '../io/json.js';
import { Stopwatch } from '../core/stopwatch.js';
import { existsSync, readFileSync, statSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { familyByName } from '../arch/index.js';
import type { Detection } from '../arch/family.js';
import { PosePortError, isPosePortError } from '../core/errors.js';
import { sha256Bytes } from '../core/hash.js';
import { tensorSha256 } from '../core/tensor-bytes.js';
import { assertJson, type JsonSchema } from '../core/json-schema.js';
import { emitOnnx, onnxMetadataProps, DEFAULT_OPSET } from '../emit/onnx/index.js';
import { onnx, DATA_TYPE, type TensorProto } from '../emit/onnx/proto.js';
import { emitTfjs, specBytes, validateTfjsArtifact, tfjsIOHandler, MODEL_JSON, type TfjsModelJson, type WeightSpec } from '../emit/tfjs/index.js';
import { constantData } from '../ir/constant.js';
import type { Graph } from '../ir/graph.js';
import type { Value } from '../ir/types.js';
import { runPasses } from '../passes/index.js';
import { openCheckpoint } from '../pth/index.js';
import type { Checkpoint } from '../pth/types.js';
import { VERSION } from '../version.js';
import { sha256File } from '../core/hash.js';
import { loadModel } from './backend.js';
import { nchwToNhwc, nhwcToNchw } from '../artifact/layout.js';
import { resolveArchitecture, type ArtifactRecord, type ConvertReport } from './convert.js';
import { evaluateModel, type EvaluateResult } from './eval.js';
import reportSchema from '../../schemas/report.schema.json' with { type: 'json' };

export const REPORT_SCHEMA = reportSchema as JsonSchema;

export interface VerifyOptions {
  /** relative L2 bound between outputs of float32 artifacts (default 1e-5) */
  tolerance?: number;
  /** relative L2 bound when the TF.js weights are float16 (default 1e-2) */
  float16Tolerance?: number;
  /** relative L2 bound when the TF.js weights are uint8 (default 0.1) */
  uint8Tolerance?: number;
  /** per-element relative bound between artifact weights and rebuilt ones (default 1e-6; 0 = bit-exact) */
  weightTolerance?: number;
  /** seed of the deterministic input (default 0) */
  seed?: number;
  allowUnknownGlobals?: boolean;
  /** also run the dataset evaluation and compare with the metrics the zoo row records */
  evaluate?: VerifyEvaluation;
  onStep?: (step: string) => void;
}

export interface VerifyEvaluation {
  /** annotation file (COCO / COCO-WholeBody keypoints JSON, or MMPose's MPII JSON list) */
  ann: string;
  /** the images it names */
  images: string;
  /** person detections instead of the GT boxes */
  dets?: string;
  /** MPII: mpii_gt_val.mat fields as JSON */
  mpiiGt?: string;
  /** allowed |measured - recorded| per metric, as a fraction (MPII PCKh: tolerance * 100 points); default 0.01 */
  tolerance?: number;
}

export interface VerifyCheck {
  name: string;
  ok: boolean;
  /** one line with the figures */
  detail: string;
  /** names that differ (tensor keys, initializers, weights, outputs) */
  mismatches?: string[];
  figures?: Record<string, number | null>;
}

/** The verification report (schemas/report.schema.json, kind 'verify'). */
export interface VerifyReport {
  kind: 'verify';
  ok: boolean;
  poseport_version: string;
  checkpoint: { file: string; sha256: string };
  dir: string;
  input: { seed: number; shape_nchw: number[] };
  checks: VerifyCheck[];
  timings_ms: Record<string, number>;
}

export const VERIFY_DEFAULTS = { tolerance: 1e-5, float16Tolerance: 1e-2, uint8Tolerance: 0.1, weightTolerance: 1e-6, seed: 0 } as const;
const OPTION_KEYS = new Set(['tolerance', 'float16Tolerance', 'uint8Tolerance', 'weightTolerance', 'seed', 'allowUnknownGlobals', 'evaluate', 'onStep']);
const EVALUATION_KEYS = new Set(['ann', 'images', 'dets', 'mpiiGt', 'tolerance']);
/** default allowed difference between a measured metric and the zoo's (a fraction: one AP point) */
export const DEFAULT_METRIC_TOLERANCE = 0.01;
/** mismatching names listed in a detail line (all of them go to `mismatches`) */
const SHOWN = 5;

function checkOptions(o: VerifyOptions): Required<Pick<VerifyOptions, 'tolerance' | 'float16Tolerance' | 'uint8Tolerance' | 'weightTolerance' | 'seed'>> {
  for (const k of Object.keys(o)) if (!OPTION_KEYS.has(k)) throw new PosePortError('USAGE', `verifyArtifacts: unknown option '${k}'`);
  const num = (k: 'tolerance' | 'float16Tolerance' | 'uint8Tolerance' | 'weightTolerance' | 'seed', int = false): number => {
    const v = o[k] ?? VERIFY_DEFAULTS[k];
    if (typeof v !== 'number' || !Number.isFinite(v) || v < 0 || (int && !Number.isInteger(v)))
      throw new PosePortError('USAGE', `verifyArtifacts: option '${k}' must be a non-negative ${int ? 'integer' : 'number'}, got ${String(v)}`);
    return v;
  };
  const ev = o.evaluate;
  if (ev !== undefined) {
    if (ev === null || typeof ev !== 'object') throw new PosePortError('USAGE', 'verifyArtifacts: option evaluate must be an object {ann, images, ...}');
    for (const k of Object.keys(ev)) if (!EVALUATION_KEYS.has(k)) throw new PosePortError('USAGE', `verifyArtifacts: unknown evaluate option '${k}'`);
    if (typeof ev.ann !== 'string' || typeof ev.images !== 'string') throw new PosePortError('USAGE', 'verify: evaluation needs both an annotation file (--ann) and an image directory (--images)');
    const t = ev.tolerance;
    if (t !== undefined && (typeof t !== 'number' || !Number.isFinite(t) || t < 0))
      throw new PosePortError('USAGE', `verifyArtifacts: evaluate.tolerance must be a non-negative number, got ${String(t)}`);
  }
  return {
    tolerance: num('tolerance'),
    float16Tolerance: num('float16Tolerance'),
    uint8Tolerance: num('uint8Tolerance'),
    weightTolerance: num('weightTolerance'),
    seed: num('seed', true),
  };
}

const listed = (names: readonly string[]) => names.slice(0, SHOWN).map((n) => `'${n}'`).join(', ') + (names.length > SHOWN ? `, ... (${names.length - SHOWN} more)` : '');
const exp = (x: number) => (x === 0 ? '0' : x.toExponential(2));

/** report.json of `dir`, checked against the schema (MODEL_FORMAT when it is not a conversion report). */
export function readConvertReport(dir: string): ConvertReport {
  const file = join(dir, 'report.json');
  if (!existsSync(dir) || !statSync(dir).isDirectory()) throw new PosePortError('IO', `'${dir}' is not a directory (expected the output of 'pose-port convert')`, { file: dir });
  if (!existsSync(file)) throw new PosePortError('IO', `no report.json in '${dir}': verify needs the directory 'pose-port convert' wrote`, { file });
  const value = readJsonFile(file, 'conversion report (report.json)', 'MODEL_FORMAT');
  assertJson(REPORT_SCHEMA, value, { code: 'MODEL_FORMAT', what: 'report.json', file });
  if ((value as { kind: string }).kind !== 'convert') throw new PosePortError('MODEL_FORMAT', `report.json is a '${(value as { kind: string }).kind}' report, not a conversion report`, { file });
  return value as ConvertReport;
}

/** Every file an artifact consists of must exist before anything is compared (IO naming the file otherwise). */
function requireArtifactFiles(dir: string, a: ArtifactRecord): void {
  const main = join(dir, a.file);
  if (!existsSync(main)) throw new PosePortError('IO', `artifact '${a.file}' listed in report.json is missing from '${dir}'`, { file: main });
  if (a.format !== 'tfjs') return;
  let m: TfjsModelJson;
  try {
    m = JSON.parse(readFileSync(main, 'utf8')) as TfjsModelJson;
  } catch {
    return; // the sha256 and tfjs-files checks report a damaged model.json
  }
  for (const g of Array.isArray(m?.weightsManifest) ? m.weightsManifest : [])
    for (const p of Array.isArray(g?.paths) ? g.paths : []) {
      const f = join(main, '..', p);
      if (!existsSync(f)) throw new PosePortError('IO', `TF.js weight shard '${p}' named in '${a.file}' is missing from '${dir}'`, { file: f });
    }
}

/** Deterministic RGB image in [0, 1) (mulberry32 stream), normalised with mean/std, NCHW. */
export function deterministicInput(seed: number, [h, w]: readonly [number, number], mean: readonly number[], std: readonly number[]): Float32Array {
  let a = (seed ^ 0x9e3779b9) >>> 0;
  const out = new Float32Array(3 * h * w);
  for (let c = 0; c < 3; c++)
    for (let i = 0; i < h * w; i++) {
      a = (a + 0x6d2b79f5) >>> 0;
      let t = a;
      t = Math.imul(t ^ (t >>> 15), t | 1);
      t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
      const u = ((t ^ (t >>> 14)) >>> 0) / 4294967296;
      out[c * h * w + i] = (u - mean[c]) / std[c];
    }
  return out;
}

/** relative L2 (||a - b|| / ||b||, float64) and max |a - b|. */
export function relativeL2(a: ArrayLike<number>, b: ArrayLike<number>): { relL2: number; maxAbs: number } {
  let num = 0;
  let den = 0;
  let maxAbs = 0;
  for (let i = 0; i < b.length; i++) {
    const d = a[i] - b[i];
    num += d * d;
    den += b[i] * b[i];
    const ad = Math.abs(d);
    if (!(ad <= maxAbs)) maxAbs = ad; // NaN propagates
  }
  return { relL2: den > 0 ? Math.sqrt(num / den) : Math.sqrt(num), maxAbs };
}

/** Elements of `got` that differ from `want` by more than `tol` relative to the larger magnitude (NaN equals NaN). */
function countDiffering(got: Float32Array, want: Float32Array, tol: number): { n: number; first: number; maxRel: number } {
  let n = 0;
  let first = -1;
  let maxRel = 0;
  for (let i = 0; i < want.length; i++) {
    const g = got[i];
    const w = want[i];
    if (g === w || (Number.isNaN(g) && Number.isNaN(w))) continue;
    const rel = Math.abs(g - w) / Math.max(Math.abs(g), Math.abs(w));
    if (rel > maxRel || Number.isNaN(rel)) maxRel = Number.isNaN(rel) ? Infinity : rel;
    if (rel <= tol) continue;
    if (first < 0) first = i;
    n++;
  }
  return { n, first, maxRel };
}

function float32LE(bytes: Uint8Array): Float32Array {
  const dv = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const out = new Float32Array(bytes.byteLength >> 2);
  for (let i = 0; i < out.length; i++) out[i] = dv.getFloat32(i * 4, true);
  return out;
}

function sameBytes(a: Uint8Array, b: Uint8Array): boolean {
  return a.byteLength === b.byteLength && Buffer.compare(Buffer.from(a.buffer, a.byteOffset, a.byteLength), Buffer.from(b.buffer, b.byteOffset, b.byteLength)) === 0;
}

function deepEqualJson(a: unknown, b: unknown): boolean {
  return JSON.stringify(canonical(a)) === JSON.stringify(canonical(b));
}
function canonical(v: unknown): unknown {
  if (Array.isArray(v)) return v.map(canonical);
  if (v && typeof v === 'object') return Object.fromEntries(Object.keys(v).sort().map((k) => [k, canonical((v as Record<string, unknown>)[k])]));
  return v;
}

/** (a) provenance: the whole file and each tensor against report.json. */
function provenanceChecks(ckpt: Checkpoint, sha256: string, report: ConvertReport): VerifyCheck[] {
  const checks: VerifyCheck[] = [];
  const same = sha256 === report.source.sha256;
  checks.push({
    name: 'source-sha256',
    ok: same,
    detail: same
      ? `checkpoint sha256 ${sha256.slice(0, 16)}... equals the converted file's`
      : `checkpoint sha256 ${sha256.slice(0, 16)}... differs from the converted file's ${report.source.sha256.slice(0, 16)}... (${report.source.file}); tensors compared one by one below`,
    figures: { bytes: ckpt.sizeBytes },
  });
  const recorded = report.tensor_sha256;
  const differ: string[] = [];
  const missing: string[] = [];
  const extra: string[] = [];
  const present = new Set<string>();
  for (const e of ckpt.tensors.entries) {
    if (e.name.endsWith('.num_batches_tracked')) continue;
    present.add(e.name);
    const want = recorded[e.name];
    if (want === undefined) extra.push(e.name);
    else if (tensorSha256(e) !== want) differ.push(e.name);
  }
  for (const k of Object.keys(recorded)) if (!present.has(k)) missing.push(k);
  const total = Object.keys(recorded).length;
  const ok = differ.length === 0 && missing.length === 0 && extra.length === 0;
  const parts = [
    differ.length ? `${differ.length} of ${total} tensors differ: ${listed(differ)}` : '',
    missing.length ? `${missing.length} recorded tensors are not in the checkpoint: ${listed(missing)}` : '',
    extra.length ? `${extra.length} checkpoint tensors were not recorded: ${listed(extra)}` : '',
  ].filter(Boolean);
  checks.push({
    name: 'tensor-sha256',
    ok,
    detail: ok ? `all ${total} tensors have the recorded sha256` : parts.join('; '),
    ...(ok ? {} : { mismatches: [...differ, ...missing, ...extra] }),
    figures: { tensors: total, differing: differ.length, missing: missing.length, unrecorded: extra.length },
  });
  return checks;
}

interface Rebuilt {
  graph: Graph;
  detection: Detection;
}

/** Rebuilds the converted graph from the checkpoint, as convert did (recorded size, outputs and passes). */
function rebuild(ckpt: Checkpoint, report: ConvertReport, allOutputs: boolean): { check: VerifyCheck; rebuilt?: Rebuilt } {
  const detection = resolveArchitecture(ckpt, undefined, undefined);
  const differs: string[] = [];
  if (detection.family !== report.family) differs.push(`family ${detection.family} (report: ${report.family})`);
  else if (!deepEqualJson(detection.config, report.config)) {
    const got = detection.config as Record<string, unknown>;
    const want = (report.config ?? {}) as Record<string, unknown>;
    const keys = [...new Set([...Object.keys(got), ...Object.keys(want)])].filter((k) => !deepEqualJson(got[k], want[k]));
    differs.push(`${keys.map((k) => `${k} ${JSON.stringify(got[k]) ?? '(none)'} (report: ${JSON.stringify(want[k]) ?? '(none)'})`).join(', ')}`);
  }
  if (differs.length)
    return { check: { name: 'architecture', ok: false, detail: `the checkpoint's keys say ${differs.join('; ')}: the artifacts cannot come from it; weights and outputs not compared` } };
  const built = familyByName(detection.family).build(ckpt.tensors, detection.config, { inputSize: report.input_size_hw, allOutputs });
  const { graph } = runPasses(
    built.graph,
    report.passes.map((p) => p.name),
    { verify: true },
  );
  return {
    check: {
      name: 'architecture',
      ok: true,
      detail: `${detection.family}${detection.preset ? ` (${detection.preset})` : ''} as recorded; rebuilt at ${report.input_size_hw.join('x')} with passes ${report.passes.map((p) => p.name).join(', ') || '(none)'}: ${graph.nodes.length} nodes (report: ${report.nodes.emitted})`,
      figures: { nodes: graph.nodes.length },
    },
    rebuilt: { graph, detection },
  };
}

/** (c) every ONNX initializer against the rebuilt graph's constants (aux initializers against a fresh emission). */
function onnxWeightsCheck(artifact: ReturnType<typeof onnx.ModelProto.decode>, fresh: ReturnType<typeof onnx.ModelProto.decode>, graph: Graph, tol: number): VerifyCheck {
  const constants = new Map<string, Value>();
  for (const n of graph.nodes) for (const v of n.inputs) if (v.constant) constants.set(v.name, v);
  const freshInits = new Map((fresh.graph!.initializer as TensorProto[]).map((t) => [t.name, t]));
  const differ: string[] = [];
  const unexpected: string[] = [];
  const seen = new Set<string>();
  let values = 0;
  let worst = 0;
  for (const t of artifact.graph!.initializer as TensorProto[]) {
    seen.add(t.name);
    const c = constants.get(t.name);
    const ref = freshInits.get(t.name);
    if (!c && !ref) {
      unexpected.push(t.name);
      continue;
    }
    const dims = t.dims.map(Number);
    const wantDims = c ? c.shape.map(Number) : ref!.dims.map(Number);
    if (dims.join(',') !== wantDims.join(',') || t.dataType !== (c ? DATA_TYPE.FLOAT : ref!.dataType)) {
      differ.push(`${t.name} (shape [${dims}] vs [${wantDims}])`);
      continue;
    }
    if (t.dataType === DATA_TYPE.FLOAT) {
      const got = t.rawData && t.rawData.length ? float32LE(t.rawData) : Float32Array.from(t.floatData);
      const want = c ? constantData(c) : float32LE(ref!.rawData);
      values += want.length;
      if (got.length !== want.length) {
        differ.push(`${t.name} (${got.length} values, rebuilt ${want.length})`);
        continue;
      }
      const d = countDiffering(got, want, tol);
      worst = Math.max(worst, d.maxRel);
      if (d.n) differ.push(`${t.name} (${d.n} of ${want.length} values, first at ${d.first}: ${got[d.first]} vs ${want[d.first]})`);
    } else if (!sameBytes(t.rawData, ref!.rawData)) differ.push(`${t.name} (bytes differ)`);
  }
  const missing = [...constants.keys()].filter((n) => !seen.has(n));
  const ok = differ.length === 0 && unexpected.length === 0 && missing.length === 0;
  const parts = [
    differ.length ? `${differ.length} initializers differ from the rebuilt weights: ${listed(differ)}` : '',
    missing.length ? `${missing.length} rebuilt constants have no initializer: ${listed(missing)}` : '',
    unexpected.length ? `${unexpected.length} initializers the rebuilt graph does not have: ${listed(unexpected)}` : '',
  ].filter(Boolean);
  return {
    name: 'onnx-weights',
    ok,
    detail: ok
      ? `all ${seen.size} initializers (${values} float values) equal the weights rebuilt from the checkpoint (max relative difference ${exp(worst)}, tolerance ${exp(tol)})`
      : parts.join('; '),
    ...(ok ? {} : { mismatches: [...differ.map((s) => s.split(' (')[0]), ...missing, ...unexpected] }),
    figures: { initializers: seen.size, values, max_rel_diff: worst, tolerance: tol },
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

/** (c) every TF.js weight against an in-memory TF.js emission of the rebuilt graph. */
function tfjsWeightsCheck(tfjsDir: string, graph: Graph, quantize: ArtifactRecord['quantize'], tol: number): VerifyCheck {
  const m = JSON.parse(readFileSync(join(tfjsDir, MODEL_JSON), 'utf8')) as TfjsModelJson;
  const have = tfjsWeights(
    m,
    m.weightsManifest.flatMap((g) => g.paths.map((p) => new Uint8Array(readFileSync(join(tfjsDir, p))))),
  );
  const fresh = emitTfjs(graph, { quantize: quantize ?? undefined });
  const want = tfjsWeights(
    fresh.modelJson,
    fresh.shards.map((s) => s.bytes),
  );
  const differ: string[] = [];
  let values = 0;
  let worst = 0;
  for (const [name, w] of want) {
    const h = have.get(name);
    if (!h) {
      differ.push(`${name} (missing)`);
      continue;
    }
    if (!deepEqualJson({ ...h.spec, quantization: undefined }, { ...w.spec, quantization: undefined })) {
      differ.push(`${name} (spec ${JSON.stringify(h.spec)} vs ${JSON.stringify(w.spec)})`);
      continue;
    }
    const q = w.spec.quantization;
    const hq = h.spec.quantization;
    if (q || hq) {
      // quantized storage is deterministic: the bytes and the parameters must be the same
      const params = q && hq && q.dtype === hq.dtype && (q.dtype !== 'uint8' || hq.dtype !== 'uint8' || (Math.abs(q.min - hq.min) <= tol * Math.abs(q.min) && Math.abs(q.scale - hq.scale) <= tol * Math.abs(q.scale)));
      values += w.spec.shape.reduce((a, b) => a * b, 1);
      if (!params) differ.push(`${name} (quantization ${JSON.stringify(hq ?? null)} vs ${JSON.stringify(q ?? null)})`);
      else if (!sameBytes(h.bytes, w.bytes)) differ.push(`${name} (quantized bytes differ)`);
      continue;
    }
    if (w.spec.dtype === 'float32') {
      const got = float32LE(h.bytes);
      const ref = float32LE(w.bytes);
      values += ref.length;
      const d = countDiffering(got, ref, tol);
      worst = Math.max(worst, d.maxRel);
      if (d.n) differ.push(`${name} (${d.n} of ${ref.length} values, first at ${d.first}: ${got[d.first]} vs ${ref[d.first]})`);
    } else if (!sameBytes(h.bytes, w.bytes)) differ.push(`${name} (bytes differ)`);
  }
  const unexpected = [...have.keys()].filter((n) => !want.has(n));
  const ok = differ.length === 0 && unexpected.length === 0;
  return {
    name: 'tfjs-weights',
    ok,
    detail: ok
      ? `all ${want.size} TF.js weights (${values} values${quantize ? `, ${quantize}` : ''}) equal a TF.js emission of the rebuilt graph (max relative difference ${exp(worst)}, tolerance ${exp(tol)})`
      : [
          differ.length ? `${differ.length} TF.js weights differ from the rebuilt ones: ${listed(differ)}` : '',
          unexpected.length ? `${unexpected.length} weights the rebuilt graph does not have: ${listed(unexpected)}` : '',
        ]
          .filter(Boolean)
          .join('; '),
    ...(ok ? {} : { mismatches: [...differ.map((s) => s.split(' (')[0]), ...unexpected] }),
    figures: { weights: want.size, values, max_rel_diff: worst, tolerance: tol },
  };
}

type Outputs = Map<string, { data: Float32Array; shape: number[] }>;

async function runOnnx(bytes: Uint8Array, input: Float32Array, shape: number[]): Promise<Outputs> {
  const ort = await import('onnxruntime-node');
  const s = await ort.InferenceSession.create(bytes);
  try {
    const r = await s.run({ [s.inputNames[0]]: new ort.Tensor('float32', input, shape) });
    return new Map(s.outputNames.map((n) => [n, { data: r[n].data as Float32Array, shape: [...r[n].dims].map(Number) }]));
  } finally {
    await s.release();
  }
}

/**
 * Runs a TF.js model directory on the cpu backend with an NCHW input; outputs come back NCHW.
 * Sets TF.js's PROD flag (it silences the "install tfjs-node" hint on stderr).
 */
async function runTfjs(dir: string, input: Float32Array, shape: number[]): Promise<Outputs> {
  const tf = await import('@tensorflow/tfjs-core');
  await import('@tensorflow/tfjs-backend-cpu');
  const { loadGraphModel } = await import('@tensorflow/tfjs-converter');
  tf.env().set('PROD', true);
  if (tf.getBackend() !== 'cpu') {
    if (!(await tf.setBackend('cpu'))) throw new PosePortError('IO', "TF.js's cpu backend failed to initialise");
    await tf.ready();
  }
  const model = await loadGraphModel(tfjsIOHandler(dir) as never);
  const [n, c, h, w] = shape;
  const x = tf.tensor(nchwToNhwc(input, shape), [n, h, w, c], 'float32');
  try {
    const names = model.outputs.map((o) => o.name);
    const r = model.execute({ [model.inputs[0].name]: x }, names);
    const list = Array.isArray(r) ? r : [r];
    const out: Outputs = new Map();
    for (let i = 0; i < list.length; i++) {
      const t = list[i];
      const data = (await t.data()) as Float32Array;
      const nhwc = t.shape as number[];
      out.set(names[i].replace(/:0$/, ''), { data: nhwcToNchw(data, nhwc), shape: [nhwc[0], nhwc[3], nhwc[1], nhwc[2]] });
      t.dispose();
    }
    return out;
  } finally {
    x.dispose();
    model.dispose();
  }
}

function compareOutputs(name: string, a: Outputs, b: Outputs, tol: number, what: string): VerifyCheck {
  const differ: string[] = [];
  const rows: string[] = [];
  let worst = 0;
  let worstAbs = 0;
  for (const [k, want] of b) {
    const got = a.get(k);
    if (!got) {
      differ.push(`${k} (missing)`);
      continue;
    }
    if (got.shape.join(',') !== want.shape.join(',')) {
      differ.push(`${k} (shape [${got.shape}] vs [${want.shape}])`);
      continue;
    }
    const d = relativeL2(got.data, want.data);
    worst = Number.isNaN(d.relL2) ? Infinity : Math.max(worst, d.relL2);
    worstAbs = Number.isNaN(d.maxAbs) ? Infinity : Math.max(worstAbs, d.maxAbs);
    rows.push(`${k} [${want.shape.join('x')}] relL2 ${exp(d.relL2)} maxAbs ${exp(d.maxAbs)}`);
    if (!(d.relL2 <= tol)) differ.push(`${k} (relL2 ${exp(d.relL2)})`);
  }
  for (const k of a.keys()) if (!b.has(k)) differ.push(`${k} (unexpected output)`);
  const ok = differ.length === 0;
  return {
    name,
    ok,
    detail: `${what}: ${rows.slice(0, SHOWN).join('; ')}${rows.length > SHOWN ? `; ... (${rows.length} outputs)` : ''} (tolerance relL2 ${exp(tol)})${ok ? '' : `; over: ${listed(differ)}`}`,
    ...(ok ? {} : { mismatches: differ.map((s) => s.split(' (')[0]) }),
    figures: { rel_l2: Number.isFinite(worst) ? worst : null, max_abs: Number.isFinite(worstAbs) ? worstAbs : null, tolerance: tol, outputs: b.size },
  };
}

/** Every metric the zoo row records against the evaluation's measurement. */
function evaluationCheck(r: EvaluateResult, tol: number): VerifyCheck {
  // MPII values and recorded numbers are in percent, the others fractions
  const scale = r.dataset === 'mpii' ? 100 : 1;
  const rows = r.table.filter((x) => x.recorded !== undefined);
  const over = rows.filter((x) => !(Math.abs(x.value - x.recorded!) <= tol * scale));
  const fmt = (v: number) => (scale === 100 ? v.toFixed(2) : v.toFixed(4));
  const ok = rows.length > 0 && over.length === 0;
  const shown = (over.length ? over : rows).slice(0, SHOWN).map((x) => `${x.name} ${fmt(x.value)} (zoo ${fmt(x.recorded!)})`);
  return {
    name: 'eval',
    ok,
    detail:
      rows.length === 0
        ? `the evaluation measured ${r.apName} ${r.ap.toFixed(4)}, but the table gives no recorded metric to compare with`
        : `${r.zoo} on ${r.images} images, ${r.persons} persons (${r.boxes === 'gt' ? 'GT boxes' : 'detections'}, ${r.runtime}): ` +
          `${ok ? `all ${rows.length} recorded metrics within` : `${over.length} of ${rows.length} recorded metrics differ by more than`} ${fmt(tol * scale)}: ${shown.join(', ')}${r.warnings.length ? `; ${r.warnings.join('; ')}` : ''}`,
    ...(ok ? {} : { mismatches: over.map((x) => x.name) }),
    figures: { ...Object.fromEntries(r.table.map((x) => [x.name, Number.isFinite(x.value) ? x.value : null])), tolerance: tol * scale, persons: r.persons },
  };
}

/**
 * Verifies the conversion output `dir` against the checkpoint `ckptPath` (see the file
 * comment for the checks). Resolves with the report (ok: every check passed); throws
 * PosePortError when the input cannot be verified (IO / MODEL_FORMAT / reader errors).
 */
export async function verifyArtifacts(ckptPath: string, dir: string, opts: VerifyOptions = {}): Promise<VerifyReport> {
  const o = checkOptions(opts);
  const step = opts.onStep ?? (() => {});
  const clock = new Stopwatch();
  const lap = (name: string) => clock.lap(name);

  const report = readConvertReport(dir);
  for (const a of report.artifacts) requireArtifactFiles(dir, a);
  if (opts.evaluate && !report.metadata.zoo)
    throw new PosePortError('USAGE', `verify: the conversion in '${dir}' names no zoo entry, so there are no recorded metrics to compare an evaluation with (convert with a zoo name or --zoo)`, {
      file: join(dir, 'report.json'),
    });
  if (!existsSync(ckptPath)) throw new PosePortError('IO', `no such checkpoint '${ckptPath}'`, { file: ckptPath });
  const onnxRec = report.artifacts.find((a) => a.format === 'onnx');
  const tfjsRec = report.artifacts.find((a) => a.format === 'tfjs');
  const tfjsDir = tfjsRec ? join(dir, tfjsRec.file, '..') : undefined;
  const checks: VerifyCheck[] = [];

  step('reading checkpoint');
  const [ckpt, sha256] = await Promise.all([openCheckpoint(ckptPath, { allowUnknownGlobals: opts.allowUnknownGlobals }), sha256File(ckptPath)]);
  const [H, W] = report.input_size_hw;
  const shape = [1, 3, H, W];
  try {
    lap('read');
    step('checksumming tensors');
    checks.push(...provenanceChecks(ckpt, sha256, report));
    lap('provenance');

    // (b) the files against the report
    step('checking artifacts');
    let onnxBytes: Uint8Array | undefined;
    let onnxModel: ReturnType<typeof onnx.ModelProto.decode> | undefined;
    let outputCount = 1;
    for (const a of report.artifacts) {
      const file = join(dir, a.file);
      const bytes = readFileSync(file);
      const digest = sha256Bytes(bytes);
      const ok = digest === a.sha256;
      checks.push({
        name: `artifact-sha256:${a.file}`,
        ok,
        detail: ok ? `${a.file}: sha256 ${digest.slice(0, 16)}... as recorded` : `${a.file}: sha256 ${digest.slice(0, 16)}... differs from the recorded ${a.sha256.slice(0, 16)}...`,
      });
      if (a.format === 'onnx') {
        onnxBytes = bytes;
        try {
          onnxModel = onnx.ModelProto.decode(bytes);
        } catch (e) {
          checks.push({ name: 'onnx-metadata', ok: false, detail: `model.onnx is not an ONNX ModelProto: ${(e as Error).message}` });
          continue;
        }
        outputCount = Math.max(outputCount, onnxModel.graph?.output?.length ?? 1);
        const props = Object.fromEntries(onnxModel.metadataProps.map((p) => [p.key, p.value]));
        let meta: unknown;
        try {
          meta = JSON.parse(props.pose_port ?? 'null');
        } catch {
          meta = undefined;
        }
        const same = deepEqualJson(meta, report.metadata);
        checks.push({
          name: 'onnx-metadata',
          ok: same,
          detail: same ? "the model's pose_port metadata equals the report's" : "the model's pose_port metadata differs from report.json's (or is missing)",
        });
      } else {
        try {
          const v = validateTfjsArtifact(join(file, '..'));
          checks.push({
            name: 'tfjs-files',
            ok: true,
            detail: `model.json and ${v.shards.length} shard(s) (${v.weightBytes} weight bytes, ${v.weights} weights, ${v.nodes} nodes) are consistent`,
            figures: { shards: v.shards.length, weight_bytes: v.weightBytes },
          });
          const m = JSON.parse(bytes.toString('utf8')) as TfjsModelJson;
          outputCount = Math.max(outputCount, Object.keys(m.signature?.outputs ?? {}).length);
          const meta = (m.userDefinedMetadata as { pose_port?: unknown } | undefined)?.pose_port;
          const want = { ...report.metadata, input: { ...report.metadata.input, layout: 'NHWC' } };
          const same = deepEqualJson(meta, want);
          checks.push({
            name: 'tfjs-metadata',
            ok: same,
            detail: same ? "model.json's pose_port metadata equals the report's (NHWC input)" : "model.json's pose_port metadata differs from report.json's (or is missing)",
          });
        } catch (e) {
          if (!isPosePortError(e)) throw e;
          checks.push({ name: 'tfjs-files', ok: false, detail: `${e.code}: ${e.message}` });
        }
      }
    }
    lap('artifacts');

    // (c) re-derivation
    step('rebuilding the graph');
    const { check: archCheck, rebuilt } = rebuild(ckpt, report, outputCount > 1);
    checks.push(archCheck);
    lap('rebuild');
    const tfjsUsable = tfjsDir !== undefined && checks.find((c) => c.name === 'tfjs-files')?.ok === true;
    let freshBytes: Uint8Array | undefined;
    if (rebuilt) {
      step('comparing weights');
      freshBytes = emitOnnx(rebuilt.graph, { opset: onnxRec?.opset ?? DEFAULT_OPSET, metadata: onnxMetadataProps(report.metadata), producerVersion: VERSION });
      if (onnxModel) checks.push(onnxWeightsCheck(onnxModel, onnx.ModelProto.decode(freshBytes), rebuilt.graph, o.weightTolerance));
      if (tfjsUsable) checks.push(tfjsWeightsCheck(tfjsDir!, rebuilt.graph, tfjsRec!.quantize, o.weightTolerance));
      lap('weights');
    }

    // (d) execution
    step('running the artifacts');
    const input = deterministicInput(o.seed, [H, W], report.metadata.input.mean, report.metadata.input.std);
    const runs: { onnx?: Outputs; tfjs?: Outputs; rebuilt?: Outputs } = {};
    const attempt = async (name: string, f: () => Promise<Outputs>): Promise<Outputs | undefined> => {
      try {
        return await f();
      } catch (e) {
        checks.push({ name, ok: false, detail: `could not run: ${(e as Error).message}` });
        return undefined;
      }
    };
    if (onnxBytes && onnxModel) runs.onnx = await attempt('onnx-run', () => runOnnx(onnxBytes!, input, shape));
    if (tfjsUsable) runs.tfjs = await attempt('tfjs-run', () => runTfjs(tfjsDir!, input, shape));
    if (freshBytes) runs.rebuilt = await attempt('rebuilt-run', () => runOnnx(freshBytes!, input, shape));
    lap('run');
    const q = tfjsRec?.quantize ?? null;
    const tfjsTol = q === 'float16' ? o.float16Tolerance : q === 'uint8' ? o.uint8Tolerance : o.tolerance;
    const tfjsWhat = q ? `TF.js (${q} weights)` : 'TF.js';
    if (runs.onnx && runs.tfjs) checks.push(compareOutputs('onnx-vs-tfjs', runs.tfjs, runs.onnx, tfjsTol, `${tfjsWhat} vs ONNX`));
    if (runs.onnx && runs.rebuilt) checks.push(compareOutputs('onnx-vs-rebuilt', runs.onnx, runs.rebuilt, o.tolerance, 'ONNX artifact vs a fresh ONNX emission of the rebuilt graph'));
    if (runs.tfjs && runs.rebuilt) checks.push(compareOutputs('tfjs-vs-rebuilt', runs.tfjs, runs.rebuilt, tfjsTol, `${tfjsWhat} artifact vs a fresh ONNX emission of the rebuilt graph`));

    if (opts.evaluate) {
      step('evaluating');
      const ev = opts.evaluate;
      const model = await loadModel(join(dir, (onnxRec ?? tfjsRec)!.file));
      try {
        const r = await evaluateModel(model, { ann: ev.ann, images: ev.images, dets: ev.dets, mpiiGt: ev.mpiiGt });
        checks.push(evaluationCheck(r, ev.tolerance ?? DEFAULT_METRIC_TOLERANCE));
      } finally {
        await model.dispose();
      }
      lap('eval');
    }
    const timings = clock.total();

    return {
      kind: 'verify',
      ok: checks.every((c) => c.ok),
      poseport_version: VERSION,
      checkpoint: { file: resolve(ckptPath), sha256 },
      dir: resolve(dir),
      input: { seed: o.seed, shape_nchw: shape },
      checks,
      timings_ms: timings,
    };
  } finally {
    ckpt.close();
  }
}
