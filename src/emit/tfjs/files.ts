import { closeSync, existsSync, mkdirSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { basename, dirname, join, resolve } from 'node:path';
import { resolveConfined } from '../../core/confined-path.js';
import { PosePortError, isPosePortError } from '../../core/errors.js';
import { openRegularFile, readRegularFile } from '../../core/regular-file.js';
import { checkConverterGraph } from './check.js';
import { serializeModelJson, type TfjsArtifact, type TfjsModelJson, type WeightSpec } from './emit.js';

export const MODEL_JSON = 'model.json';

/**
 * Writes model.json and the shards into `dir`, atomically: everything goes into a
 * fresh sibling directory first, which then replaces `dir` by rename (an existing
 * `dir` is moved aside first and removed after), so a reader never sees half a model.
 */
export function writeTfjs(dir: string, artifact: TfjsArtifact): void {
  const target = resolve(dir);
  const parent = dirname(target);
  mkdirSync(parent, { recursive: true });
  const stamp = `${process.pid}-${Date.now().toString(36)}-${Math.random().toString(36).slice(2, 8)}`;
  const tmp = join(parent, `.${basename(target)}.tmp-${stamp}`);
  const old = join(parent, `.${basename(target)}.old-${stamp}`);
  mkdirSync(tmp);
  try {
    for (const s of artifact.shards) writeFileSync(join(tmp, s.name), s.bytes);
    writeFileSync(join(tmp, MODEL_JSON), serializeModelJson(artifact.modelJson));
    const had = existsSync(target);
    if (had) renameSync(target, old);
    try {
      renameSync(tmp, target);
    } catch (e) {
      if (had) renameSync(old, target);
      throw e;
    }
    if (had) rmSync(old, { recursive: true, force: true });
  } catch (e) {
    rmSync(tmp, { recursive: true, force: true });
    if (isPosePortError(e)) throw e;
    throw new PosePortError('IO', `cannot write the TF.js model to '${target}': ${(e as Error).message}`, { file: target });
  }
}

/** The largest model.json read (a graph's topology; the weights are in the shards). */
export const MAX_MODEL_JSON_BYTES = 64 * 1024 * 1024;
/** The most elements one weight may declare (2^30: 4 GiB of float32, far above any pose model's tensor). */
const MAX_WEIGHT_ELEMENTS = 2 ** 30;

const BYTES: Readonly<Record<string, number>> = { float32: 4, int32: 4, float16: 2, uint8: 1 };

/** Bytes a manifest entry occupies in the concatenated shards. */
export function specBytes(spec: WeightSpec): number {
  if (!Array.isArray(spec.shape) || !spec.shape.every((d) => Number.isSafeInteger(d) && d >= 0) || spec.shape.reduce((a, b) => a * b, 1) > MAX_WEIGHT_ELEMENTS)
    throw new PosePortError('MODEL_FORMAT', `weight '${String(spec.name)}' has the shape ${JSON.stringify(spec.shape)} (non-negative integers, at most ${MAX_WEIGHT_ELEMENTS} elements)`, {
      key: String(spec.name),
    });
  const dtype = spec.quantization?.dtype ?? spec.dtype;
  const per = BYTES[dtype];
  if (per === undefined) throw new PosePortError('MODEL_FORMAT', `weight '${spec.name}' has unsupported dtype '${dtype}'`, { key: spec.name });
  return spec.shape.reduce((a, b) => a * b, 1) * per;
}

export interface TfjsValidation {
  nodes: number;
  weights: number;
  /** bytes the manifest describes (= bytes in the shards) */
  weightBytes: number;
  shards: { name: string; bytes: number }[];
}

function readModelJson(dir: string): TfjsModelJson {
  const file = join(dir, MODEL_JSON);
  const text = readRegularFile(file, { what: MODEL_JSON, maxBytes: MAX_MODEL_JSON_BYTES, code: 'MODEL_FORMAT' }).toString('utf8');
  let m: TfjsModelJson;
  try {
    m = JSON.parse(text) as TfjsModelJson;
  } catch (e) {
    throw new PosePortError('MODEL_FORMAT', `${MODEL_JSON} is not JSON: ${(e as Error).message}`, { file });
  }
  const bad = (what: string): never => {
    throw new PosePortError('MODEL_FORMAT', `${MODEL_JSON}: ${what}`, { file });
  };
  if (m.format !== 'graph-model') bad(`format is '${String(m.format)}', expected 'graph-model'`);
  if (!m.modelTopology || !Array.isArray(m.modelTopology.node)) bad('modelTopology.node is missing');
  if (!Array.isArray(m.weightsManifest)) bad('weightsManifest is missing');
  m.weightsManifest.forEach((g, i) => {
    if (!g || !Array.isArray(g.paths) || !Array.isArray(g.weights)) bad(`weightsManifest[${i}] lacks paths or weights`);
  });
  return m;
}

/**
 * The real paths of the shards each manifest group names. The names come from an untrusted
 * model.json: each must be a plain file name (a string, no directory part, no '..') that
 * resolves inside the model directory (a symlink leading out is refused as well).
 */
function shardPaths(dir: string, m: TfjsModelJson): string[][] {
  const file = join(dir, MODEL_JSON);
  return m.weightsManifest.map((g, gi) =>
    g.paths.map((p, pi) => {
      const key = `weightsManifest[${gi}].paths[${pi}]`;
      try {
        return resolveConfined(dir, p, { what: 'weight shard', file, key, code: 'MODEL_FORMAT', plain: true });
      } catch (e) {
        if (isPosePortError(e) && e.code === 'IO') throw new PosePortError('MODEL_FORMAT', `weight shard '${p}' named in ${MODEL_JSON} is missing`, { file: join(dir, p), key });
        throw e;
      }
    }),
  );
}

/**
 * Checks a written TF.js model: model.json parses and is a graph model whose nodes the
 * converter executes; every Const has exactly one manifest entry of the same shape;
 * every shard exists and holds what the manifest says. A shard written short is
 * TRUNCATED naming the shard and the bytes missing.
 */
export function validateTfjsArtifact(dir: string): TfjsValidation {
  const m = readModelJson(dir);
  const file = join(dir, MODEL_JSON);
  checkConverterGraph(m.modelTopology.node);

  const specs = new Map<string, WeightSpec>();
  for (const g of m.weightsManifest)
    for (const w of g.weights) {
      if (specs.has(w.name)) throw new PosePortError('MODEL_FORMAT', `weight '${w.name}' is listed twice in the manifest`, { file, key: w.name });
      specs.set(w.name, w);
    }
  for (const n of m.modelTopology.node) {
    if (n.op !== 'Const') continue;
    const w = specs.get(n.name);
    if (!w) throw new PosePortError('MODEL_FORMAT', `Const node '${n.name}' has no weight in the manifest`, { file, key: n.name });
    const t = n.attr?.value;
    const dims = t && 'tensor' in t ? (t.tensor.tensorShape.dim ?? []).map((d) => Number(d.size)) : undefined;
    if (!dims || dims.join(',') !== w.shape.join(','))
      throw new PosePortError('MODEL_FORMAT', `Const node '${n.name}' has shape [${dims ?? '?'}], the manifest [${w.shape}]`, { file, key: n.name });
  }
  const consts = new Set(m.modelTopology.node.filter((n) => n.op === 'Const').map((n) => n.name));
  for (const name of specs.keys())
    if (!consts.has(name)) throw new PosePortError('MODEL_FORMAT', `manifest weight '${name}' has no Const node`, { file, key: name });

  const shards: { name: string; bytes: number }[] = [];
  let weightBytes = 0;
  const paths = shardPaths(dir, m);
  for (const [gi, g] of m.weightsManifest.entries()) {
    const expected = g.weights.reduce((s, w) => s + specBytes(w), 0);
    weightBytes += expected;
    // regular files only (a FIFO or a device named as a shard is refused, not read), none larger than the group's bytes
    const sizes = paths[gi].map((f, pi) => {
      const { fd, size } = openRegularFile(f, { what: 'weight shard', maxBytes: expected, code: 'MODEL_FORMAT', key: `weightsManifest[${gi}].paths[${pi}]` });
      closeSync(fd);
      return size;
    });
    g.paths.forEach((p, i) => shards.push({ name: p, bytes: sizes[i] }));
    if (g.paths.length === 0) {
      if (expected !== 0) throw new PosePortError('MODEL_FORMAT', `the manifest describes ${expected} weight bytes but names no shard`, { file });
      continue;
    }
    // TF.js's layout: every shard but the last has the full shard size
    const full = Math.max(...sizes);
    const last = g.paths.length - 1;
    for (let i = 0; i < last; i++)
      if (sizes[i] < full)
        throw new PosePortError('TRUNCATED', `weight shard '${g.paths[i]}' holds ${sizes[i]} bytes, expected ${full} like the other full shards (${full - sizes[i]} bytes missing)`, {
          file: join(dir, g.paths[i]),
          offset: sizes[i],
        });
    const wantLast = expected - last * full;
    if (sizes[last] < wantLast)
      throw new PosePortError('TRUNCATED', `weight shard '${g.paths[last]}' holds ${sizes[last]} bytes, the manifest needs ${wantLast} (${wantLast - sizes[last]} bytes missing)`, {
        file: join(dir, g.paths[last]),
        offset: sizes[last],
      });
    if (sizes[last] > wantLast || wantLast <= 0)
      throw new PosePortError('MODEL_FORMAT', `the shards hold ${last * full + sizes[last]} bytes, the manifest describes ${expected}`, { file });
  }
  return { nodes: m.modelTopology.node.length, weights: specs.size, weightBytes, shards };
}

/** tfjs-core io.ModelArtifacts, the fields a graph model uses (kept free of a tfjs import). */
export interface TfjsModelArtifacts {
  modelTopology: TfjsModelJson['modelTopology'];
  format: string;
  generatedBy: string;
  convertedBy: string;
  signature: TfjsModelJson['signature'];
  userDefinedMetadata?: Record<string, unknown>;
  weightSpecs: WeightSpec[];
  weightData: ArrayBuffer;
}

function concat(parts: readonly Uint8Array[]): ArrayBuffer {
  const total = parts.reduce((s, p) => s + p.byteLength, 0);
  const out = new Uint8Array(total);
  let o = 0;
  for (const p of parts) {
    out.set(p, o);
    o += p.byteLength;
  }
  return out.buffer;
}

function toArtifacts(m: TfjsModelJson, shards: readonly Uint8Array[]): TfjsModelArtifacts {
  return {
    modelTopology: m.modelTopology,
    format: m.format,
    generatedBy: m.generatedBy,
    convertedBy: m.convertedBy,
    signature: m.signature,
    ...(m.userDefinedMetadata !== undefined ? { userDefinedMetadata: m.userDefinedMetadata } : {}),
    weightSpecs: m.weightsManifest.flatMap((g) => g.weights),
    weightData: concat(shards),
  };
}

/** The ModelArtifacts of a TF.js model directory (validated first). */
export function readTfjsArtifacts(dir: string): TfjsModelArtifacts {
  const v = validateTfjsArtifact(dir);
  const m = readModelJson(dir);
  const paths = shardPaths(dir, m).flat();
  // each read bounded by the size just validated (a file swapped meanwhile cannot grow the read)
  return toArtifacts(m, paths.map((f, i) => new Uint8Array(readRegularFile(f, { what: 'weight shard', maxBytes: v.shards[i].bytes, code: 'MODEL_FORMAT' }))));
}

/** The ModelArtifacts of an in-memory artifact (no files). */
export function artifactToModelArtifacts(a: TfjsArtifact): TfjsModelArtifacts {
  return toArtifacts(a.modelJson, a.shards.map((s) => s.bytes));
}
