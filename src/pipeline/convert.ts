import { Stopwatch } from '../core/stopwatch.js';
import { createHash } from 'node:crypto';
import { existsSync } from 'node:fs';
import { basename } from 'node:path';
import { detectArchitecture, familyByName, presetFamily } from '../arch/index.js';
import type { Detection } from '../arch/family.js';
import { checkPreset } from '../arch/preset.js';
import { PosePortError } from '../core/errors.js';
import { FileSink } from '../core/file-sink.js';
import { sha256Bytes, sha256FileInWorker, sha256RangesInWorker } from '../core/hash.js';
import { tensorSha256 } from '../core/tensor-bytes.js';
import { numelOf } from '../core/tensor.js';
import { onnxMetadataProps, tfjsUserMetadata, type ModelMetadata } from '../artifact/metadata.js';
import { planOnnx, DEFAULT_OPSET, type OnnxBytes } from '../emit/onnx/index.js';
import { emitTfjs, writeTfjs, type QuantizeDType } from '../emit/tfjs/index.js';
import { DATASETS, datasetForKeypoints, type DatasetName } from '../eval/datasets.js';
import { runPasses, DEFAULT_PASSES, type AppliedPass } from '../passes/index.js';
import { openCheckpoint } from '../pth/index.js';
import type { Checkpoint } from '../pth/types.js';
import type { Graph } from '../ir/graph.js';
import { VERSION } from '../version.js';
import { findZooEntry, listZoo } from '../zoo/registry.js';
import type { ZooEntry } from '../zoo/types.js';
import { StagedOutput } from './staged-output.js';

export type ArtifactFormat = 'onnx' | 'tfjs';
export const ARTIFACT_FORMATS: readonly ArtifactFormat[] = ['onnx', 'tfjs'];

export interface ConvertOptions {
  /** output directory (created; replaced files only on success) */
  out: string;
  /** preset name the keys must agree with (e.g. 'rsn50') */
  arch?: string;
  /** treat the checkpoint as this zoo entry: its config, decoding and recorded metrics (keys must agree) */
  zoo?: string;
  formats?: readonly ArtifactFormat[];
  opset?: number;
  /** network input [height, width]; default: the zoo entry's, else 256x256 for MPII-sized heads, else 256x192 */
  inputSize?: readonly [number, number];
  /** RSN/MSPN: export every stage's and unit's heatmaps too */
  allOutputs?: boolean;
  /** run no optimisation passes (batch norm stays a separate op) */
  noFold?: boolean;
  /** TF.js weight quantization */
  quantize?: QuantizeDType;
  allowUnknownGlobals?: boolean;
  /** progress callback for long steps */
  onStep?: (step: string) => void;
}

export interface ArtifactRecord {
  format: ArtifactFormat;
  /** path relative to the output directory */
  file: string;
  bytes: number;
  sha256: string;
  opset?: number;
  quantize?: QuantizeDType | null;
}

/** report.json (schemas/report.schema.json, kind 'convert'). */
export interface ConvertReport {
  kind: 'convert';
  poseport_version: string;
  source: { file: string; sha256: string; bytes: number; format: 'zip' | 'legacy'; pickle_protocol: number; meta: boolean };
  family: string;
  arch: string | null;
  zoo: string | null;
  config: unknown;
  facts: Record<string, unknown>;
  dataset: DatasetName;
  num_keypoints: number;
  input_size_hw: [number, number];
  heatmap_size_hw: [number, number];
  keys: { total: number; consumed: number; ignored: string[] };
  parameter_count: number;
  passes: AppliedPass[];
  nodes: { built: number; emitted: number };
  artifacts: ArtifactRecord[];
  /** sha256 of each consumed tensor's little-endian bytes, in state_dict order (for `verify`) */
  tensor_sha256: Record<string, string>;
  warnings: string[];
  timings_ms: Record<string, number>;
  metadata: ModelMetadata;
}

export interface ConvertResult {
  report: ConvertReport;
  /** absolute paths written */
  files: string[];
}

/** Default decoding per family when no zoo entry says otherwise (MMPose's defaults for these heads). */
function familyDecodeDefaults(family: string): ModelMetadata['decode'] {
  if (family === 'rsn' || family === 'mspn') return { method: 'megvii', flip_test: true, shift_heatmap: false, modulate_kernel: 5 };
  return { method: 'default', flip_test: true, shift_heatmap: true, modulate_kernel: 11 };
}

function decodeFromZoo(entry: ZooEntry): ModelMetadata['decode'] {
  const t = entry.config.test_cfg;
  return { method: t.post_process, flip_test: t.flip_test, shift_heatmap: t.shift_heatmap, modulate_kernel: t.modulate_kernel };
}

/** The zoo entry named by --zoo or a zoo NAME argument. */
function zooEntryByName(name: string | undefined): ZooEntry | undefined {
  if (name === undefined) return undefined;
  const e = findZooEntry(name);
  if (!e) throw new PosePortError('ZOO_UNKNOWN', `no zoo entry '${name}' (see 'pose-port zoo list')`);
  return e;
}

interface GraphPlan {
  detection: Detection;
  dataset: DatasetName;
  numKeypoints: number;
  inputSize: [number, number];
  built: ReturnType<ReturnType<typeof familyByName>['build']>;
  builtNodes: number;
  graph: Graph;
  applied: AppliedPass[];
}

/** Detection (checked against --arch and the zoo entry), the built graph and the passes run on it. */
function planGraph(ckpt: Checkpoint, ckptPath: string, opts: ConvertOptions, zoo: ZooEntry | undefined): GraphPlan {
  const detection = resolveArchitecture(ckpt, opts.arch, zoo);
  const family = familyByName(detection.family);
  const numKeypoints = Number(detection.facts.keypoints);
  const dsInfo = datasetForKeypoints(numKeypoints);
  if (!dsInfo && !zoo)
    throw new PosePortError('ARCH_UNKNOWN', `${numKeypoints} keypoints match no dataset (coco 17, coco_wholebody 133, mpii 16)`, { file: ckptPath });
  const dataset: DatasetName = zoo?.dataset ?? dsInfo!.name;
  const inputSize: [number, number] = opts.inputSize
    ? [opts.inputSize[0], opts.inputSize[1]]
    : zoo
      ? [zoo.input.height, zoo.input.width]
      : defaultInputSize(dataset);
  const built = family.build(ckpt.tensors, detection.config, { inputSize, allOutputs: opts.allOutputs });
  const builtNodes = built.graph.nodes.length;
  const { graph, applied } = runPasses(built.graph, opts.noFold ? ['dead-code'] : DEFAULT_PASSES, { verify: true });
  return { detection, dataset, numKeypoints, inputSize, built, builtNodes, graph, applied };
}

function describeKeys(ckpt: Checkpoint): string {
  const prefixes = new Map<string, number>();
  for (const e of ckpt.tensors.entries) {
    const p = e.name.split('.').slice(0, 2).join('.');
    prefixes.set(p, (prefixes.get(p) ?? 0) + 1);
  }
  return [...prefixes].slice(0, 8).map(([p, n]) => `${p}.* (${n})`).join(', ');
}

/** Detects the family, then checks --arch and the zoo entry's preset against what the keys say. */
export function resolveArchitecture(ckpt: Checkpoint, arch: string | undefined, zoo: ZooEntry | undefined): Detection {
  const detection = detectArchitecture(ckpt.tensors);
  if (!detection)
    throw new PosePortError(
      'ARCH_UNKNOWN',
      `the keys of '${ckpt.path}' match no known family (resnet, hrnet, rsn, mspn); ${ckpt.tensors.entries.length} tensors: ${describeKeys(ckpt)}`,
      { file: ckpt.path },
    );
  for (const preset of [arch, zoo?.preset]) {
    if (preset === undefined) continue;
    const family = presetFamily(preset);
    if (!family)
      throw new PosePortError('ARCH_UNKNOWN', `unknown --arch '${preset}'; presets: ${listPresets().join(', ')}`, { details: { arch: preset } });
    checkPreset(family, preset, detection);
  }
  return detection;
}

export function listPresets(): string[] {
  return ['resnet', 'hrnet', 'rsn', 'mspn'].flatMap((f) => Object.keys(familyByName(f as never).presets));
}

function defaultInputSize(dataset: DatasetName): [number, number] {
  return dataset === 'mpii' ? [256, 256] : [256, 192];
}

/** The model metadata both artifacts carry (schemas/model-metadata.schema.json). */
export function modelMetadata(args: {
  sourceFile: string;
  sha256: string;
  detection: Detection;
  arch: string | null;
  dataset: DatasetName;
  numKeypoints: number;
  inputSize: [number, number];
  heatmapSize: [number, number];
  zoo: ZooEntry | undefined;
}): ModelMetadata {
  const ds = DATASETS[args.dataset];
  const norm = args.zoo?.config.normalize ?? { mean: [0.485, 0.456, 0.406], std: [0.229, 0.224, 0.225] };
  const meta: ModelMetadata = {
    poseport_version: VERSION,
    source: { file: basename(args.sourceFile), sha256: args.sha256 },
    family: args.detection.family,
    arch: args.arch,
    config: args.detection.config as Record<string, unknown>,
    dataset: args.dataset,
    num_keypoints: args.numKeypoints,
    keypoint_names: [...ds.keypoints],
    flip_pairs: (args.zoo?.config.flip_pairs ?? ds.flipPairs).map(([a, b]) => [a, b] as [number, number]),
    skeleton: ds.skeleton.map(([a, b]) => [a, b] as [number, number]),
    input: {
      name: 'input',
      layout: 'NCHW',
      size_hw: args.inputSize,
      mean: [...norm.mean] as [number, number, number],
      std: [...norm.std] as [number, number, number],
      color: 'RGB',
      range: '0..1 before normalisation',
    },
    heatmap: { name: 'heatmaps', size_hw: args.heatmapSize },
    decode: args.zoo ? decodeFromZoo(args.zoo) : familyDecodeDefaults(args.detection.family),
  };
  if (args.zoo) meta.zoo = { name: args.zoo.name, metrics: Object.fromEntries(args.zoo.metrics.map((m) => [m.key, m.value])) };
  return meta;
}

/**
 * Streams a planned model to `path` (the writes run on libuv's threads while the next
 * chunk is computed) and returns its sha256. `lastChunk` is awaited after everything
 * else is written: it supplies the final tail (metadata), or null to give up (the
 * caller plans again; the partial file is overwritten).
 */
async function writeOnnx(path: string, plan: OnnxBytes, lastChunk: () => Promise<Uint8Array | null>): Promise<string | null> {
  const h = createHash('sha256');
  const out = new FileSink(path);
  let written = 0;
  const put = async (c: Uint8Array) => {
    h.update(c);
    written += c.length;
    await out.write(c);
  };
  try {
    for (const c of plan.bodyChunks()) await put(c);
    const tail = await lastChunk();
    if (tail !== null) await put(tail);
    await out.close(); // every byte on disk, or the stream's error (ENOSPC) rejects
    if (tail === null) return null;
  } catch (e) {
    out.destroy();
    throw e;
  }
  if (written !== plan.byteLength) throw new PosePortError('EMIT_FORMAT', `wrote ${written} bytes of ONNX, planned ${plan.byteLength}`, { file: path });
  return h.digest('hex');
}

/** Stands for the source sha256 while it is being computed: same length, so the metadata's size is known. */
const PENDING_SHA256 = '0'.repeat(64);

/**
 * Checkpoint -> verified graph -> passes -> artifacts, all or nothing: every file is
 * staged and moved into `out` only when the whole conversion succeeded.
 */
export async function convertCheckpoint(ckptPath: string, opts: ConvertOptions): Promise<ConvertResult> {
  const formats = opts.formats ?? ['onnx'];
  for (const f of formats)
    if (!ARTIFACT_FORMATS.includes(f)) throw new PosePortError('USAGE', `unknown format '${f}' (known: ${ARTIFACT_FORMATS.join(', ')})`);
  if (!existsSync(ckptPath)) throw new PosePortError('IO', `no such file '${ckptPath}'`, { file: ckptPath });
  const step = opts.onStep ?? (() => {});
  const clock = new Stopwatch();
  const lap = (name: string) => clock.lap(name);
  // the output is checked (and its staging directory made) before any work: a bad --out fails at once
  const staged = new StagedOutput(opts.out);

  step('reading checkpoint');
  // checksums run on the other core while this one reads, builds and writes: the file's
  // from the start (metadata and the zoo lookup need it), each contiguous tensor's bytes
  // in place once the index is known
  const fileSha = sha256FileInWorker(ckptPath);
  fileSha.catch(() => {}); // awaited below; a failed open must not leave it unhandled
  let ckpt: Checkpoint;
  try {
    ckpt = await openCheckpoint(ckptPath, { allowUnknownGlobals: opts.allowUnknownGlobals });
  } catch (e) {
    staged.abort();
    throw e;
  }
  try {
    const hashed = ckpt.tensors.entries.filter((e) => !e.name.endsWith('.num_batches_tracked'));
    // after the file's digest, so the two do not share the other core
    const rangeSha = fileSha.then(() =>
      sha256RangesInWorker(
        ckptPath,
        hashed.filter((e) => e.contiguous).map((e) => ({ key: e.name, offset: e.fileOffset, length: e.byteLength })),
      ),
    );
    rangeSha.catch(() => {});
    lap('read');

    // Build and write while the file's sha256 is computed: the ONNX metadata, which holds
    // the digest, is the model's last field and is written once the digest is known. A
    // file named like a published one waits for its digest first (its zoo entry decides
    // the input size); if the digest still identifies a zoo entry the build did not use,
    // the graph is built again for it and the artifacts are rewritten.
    step('building graph');
    const named = zooEntryByName(opts.zoo);
    const zooBySha = (sha: string) => (named ? undefined : listZoo().find((e) => sha.startsWith(e.checkpoint.sha256Prefix)));
    let sha256: string | null = null;
    if (!named && listZoo().some((e) => basename(ckptPath).includes(e.checkpoint.sha256Prefix))) {
      sha256 = await fileSha;
      lap('hash_wait');
    }
    let zoo = named ?? (sha256 !== null ? zooBySha(sha256) : undefined);
    let plan = planGraph(ckpt, ckptPath, opts, zoo);
    lap('build');

    const metadataFor = (p: GraphPlan, z: ZooEntry | undefined, sha: string): ModelMetadata => {
      const hm = p.graph.outputs.find((o) => o.name === 'heatmaps') ?? p.graph.outputs[0];
      return modelMetadata({
        sourceFile: ckptPath,
        sha256: sha,
        detection: p.detection,
        arch: opts.arch ?? z?.preset ?? p.detection.preset ?? null,
        dataset: p.dataset,
        numKeypoints: p.numKeypoints,
        inputSize: p.inputSize,
        heatmapSize: [Number(hm.shape[2]), Number(hm.shape[3])],
        zoo: z,
      });
    };
    /** the digest, and whether it asks for another build (a zoo entry this build did not use) */
    const settleSha = async (): Promise<boolean> => {
      if (sha256 === null) {
        sha256 = await fileSha;
        lap('hash_wait');
      }
      const z = named ?? zooBySha(sha256);
      if (z === zoo) return false;
      zoo = z;
      plan = planGraph(ckpt, ckptPath, opts, zoo);
      lap('rebuild_for_zoo');
      return true;
    };

    try {
      let artifacts: ArtifactRecord[] = [];
      for (;;) {
        artifacts = [];
        if (formats.includes('onnx')) {
          step('writing ONNX');
          const opset = opts.opset ?? DEFAULT_OPSET;
          const p = plan;
          const onnxPlan = planOnnx(p.graph, { opset, metadata: onnxMetadataProps(metadataFor(p, zoo, PENDING_SHA256)), producerVersion: VERSION });
          const digest = await writeOnnx(staged.path('model.onnx'), onnxPlan, async () => {
            lap('onnx_body');
            return (await settleSha()) ? null : onnxPlan.tail(onnxMetadataProps(metadataFor(p, zoo, sha256!)));
          });
          if (digest === null) continue;
          artifacts.push({ format: 'onnx', file: 'model.onnx', bytes: onnxPlan.byteLength, sha256: digest, opset });
          lap('onnx_tail');
        } else if (await settleSha()) continue;
        break;
      }
      const { detection, dataset, numKeypoints, inputSize, built, builtNodes, graph, applied } = plan;
      const metadata = metadataFor(plan, zoo, sha256!);
      const heatmapSize = metadata.heatmap.size_hw;
      const arch = metadata.arch;

      if (formats.includes('tfjs')) {
        step('writing TF.js');
        const art = emitTfjs(graph, { metadata: tfjsUserMetadata(metadata), quantize: opts.quantize });
        staged.path('tfjs/model.json');
        writeTfjs(`${staged.staging}/tfjs`, art);
        const json = JSON.stringify(art.modelJson);
        const bytes = art.shards.reduce((s, x) => s + x.bytes.length, json.length);
        artifacts.push({ format: 'tfjs', file: 'tfjs/model.json', bytes, sha256: sha256Bytes(Buffer.from(json)), quantize: opts.quantize ?? null });
        lap('tfjs');
      }

      step('checksumming tensors');
      const inPlace = await rangeSha;
      const tensorSha: Record<string, string> = {};
      let params = 0;
      for (const e of hashed) {
        // strided views are gathered first: their checksum is over the row-major bytes
        tensorSha[e.name] = inPlace[e.name] ?? tensorSha256(e);
        params += numelOf(e.shape);
      }
      lap('checksums');
      const timings = clock.total();

      const report: ConvertReport = {
        kind: 'convert',
        poseport_version: VERSION,
        source: {
          file: ckptPath,
          sha256: metadata.source.sha256,
          bytes: ckpt.sizeBytes,
          format: ckpt.format,
          pickle_protocol: ckpt.protocol,
          meta: ckpt.meta !== null,
        },
        family: detection.family,
        arch,
        zoo: zoo?.name ?? null,
        config: detection.config,
        facts: detection.facts,
        dataset,
        num_keypoints: numKeypoints,
        input_size_hw: inputSize,
        heatmap_size_hw: heatmapSize,
        keys: { total: ckpt.tensors.entries.length, consumed: built.consumed, ignored: built.ignored },
        parameter_count: params,
        passes: applied,
        nodes: { built: builtNodes, emitted: graph.nodes.length },
        artifacts,
        tensor_sha256: tensorSha,
        warnings: [...ckpt.warnings, ...(zoo ? [] : ['decode settings are the family defaults: name a zoo entry (--zoo) for the recorded ones'])],
        timings_ms: timings,
        metadata,
      };
      staged.write('report.json', JSON.stringify(report, null, 2) + '\n');
      const files = staged.commit();
      return { report, files };
    } catch (e) {
      staged.abort();
      throw e;
    }
  } catch (e) {
    staged.abort();
    throw e;
  } finally {
    ckpt.close();
  }
}
