/**
 * `pose-port convert`: checkpoint -> detected family -> graph -> passes -> model.onnx /
 * tfjs/ / report.json, staged beside --out and moved in whole. The report and option
 * types are in ./convert-report.ts, architecture resolution in ./architecture.ts, the
 * settings in ./settings.ts.
 *
 * Hashing (issue 10, "hash once"): a worker thread (core/hash.ts) streams the checkpoint
 * once for its sha256 while this thread reads the index, and checksums each tensor (lane64,
 * src/core/checksum64.ts) from the same reads; a second one takes the ONNX file's sha256
 * over the slots it is written from (./onnx-file.ts), never by reading the file back. The digest is awaited before the
 * build only when the zoo row it names could change the graph; otherwise after the weights
 * are written, when the metadata (the ONNX model's last field) is settled.
 *
 * Why this file is over ~300 lines: convertCheckpoint is now one straight sequence, but
 * it still assembles report.json inline (~60 lines); moving that assembly beside the
 * report's type in ./convert-report.ts is what brings it under.
 */
import { Stopwatch } from '../core/stopwatch.js';
import { existsSync, statSync } from 'node:fs';
import { basename } from 'node:path';
import { familyByName } from '../arch/index.js';
import type { Detection } from '../arch/family.js';
import { PosePortError } from '../core/errors.js';
import { lane64, TENSOR_CHECKSUM_ALGORITHM } from '../core/checksum64.js';
import { hashFileInWorker, hashOutputInWorker, sha256Bytes } from '../core/hash.js';
import { tensorBytes } from '../core/tensor-bytes.js';
import { numelOf } from '../core/tensor.js';
import { onnxMetadataProps, tfjsUserMetadata, type ModelMetadata } from '../artifact/metadata.js';
import { planOnnx, DEFAULT_OPSET, type OnnxBytes } from '../emit/onnx/index.js';
import { emitTfjs, writeTfjs } from '../emit/tfjs/index.js';
import { readCheckpointConfig, type CheckpointConfig } from '../config/index.js';
import { runPasses, DEFAULT_PASSES, type AppliedPass } from '../passes/index.js';
import type { Graph } from '../ir/graph.js';
import { VERSION } from '../version.js';
import { findZooEntry, listZoo } from '../zoo/registry.js';
import type { ZooEntry } from '../zoo/types.js';
import { inStoredKeys, layoutReport, openModelCheckpoint, type ModelCheckpoint } from './checkpoint.js';
import { artifactGraph, graphMetadata, GRAPH_KINDS, tfjsLayouts } from './keypoint-artifact.js';
import { StagedOutput } from './staged-output.js';
import { checkConfigAgainstKeys } from './config-check.js';
import { resolveSettings, type ResolvedSettings } from './settings.js';

import { checkRequestedPreset, presetAgrees, resolveArchitecture } from './architecture.js';
import { writeOnnxBody, type OnnxFileBody } from './onnx-file.js';
import { ARTIFACT_FORMATS, type ArtifactRecord, type ConvertOptions, type ConvertReport, type ConvertResult } from './convert-report.js';

export { ARTIFACT_FORMATS, type ArtifactFormat, type ArtifactRecord, type ConvertOptions, type ConvertReport, type ConvertResult } from './convert-report.js';
export { listPresets, resolveArchitecture } from './architecture.js';

/** What the report and the CLI say about the config: the text not read, fields that matter, fallbacks and disagreements. */
function configWarnings(config: CheckpointConfig | null, settings: ResolvedSettings, heatmapSize: [number, number]): string[] {
  const out: string[] = [];
  if (config?.refused) out.push(`checkpoint config (meta['${config.metaKey}']) not read: ${config.refused}`);
  for (const n of config?.settings?.notes ?? []) out.push(`checkpoint config (meta['${config!.metaKey}']): ${n}`);
  const hm = config?.settings?.heatmapSizeHW;
  if (hm && (hm.value[0] !== heatmapSize[0] || hm.value[1] !== heatmapSize[1]))
    out.push(`checkpoint config says heatmap ${hm.value.join('x')} (${hm.field}); the model at input ${settings.inputSizeHW.join('x')} gives ${heatmapSize.join('x')}`);
  return [...out, ...settings.warnings];
}

/** The zoo entry named by --zoo or a zoo NAME argument. */
function zooEntryByName(name: string | undefined): ZooEntry | undefined {
  if (name === undefined) return undefined;
  const e = findZooEntry(name);
  if (!e) throw new PosePortError('ZOO_UNKNOWN', `no zoo entry '${name}' (see 'pose-port zoo list')`);
  return e;
}

interface GraphPlan {
  inputSize: [number, number];
  built: ReturnType<ReturnType<typeof familyByName>['build']>;
  builtNodes: number;
  /** the network; wrapped in place by `artifact` for a keypoint graph */
  graph: Graph;
  heatmapSize: [number, number];
  applied: AppliedPass[];
}

/** The built graph at `inputSize` and the passes run on it. */
function planGraph(ckpt: ModelCheckpoint, detection: Detection, inputSize: [number, number], opts: ConvertOptions): GraphPlan {
  const family = familyByName(detection.family);
  const built = inStoredKeys(ckpt, () => family.build(ckpt.tensors, detection.config, { inputSize, allOutputs: opts.allOutputs }));
  const builtNodes = built.graph.nodes.length;
  const { graph, applied } = runPasses(built.graph, opts.noFold ? ['dead-code'] : DEFAULT_PASSES, { verify: true });
  const hm = graph.outputs.find((o) => o.name === 'heatmaps') ?? graph.outputs[0];
  const heatmapSize: [number, number] = [Number(hm.shape[2]), Number(hm.shape[3])];
  return { inputSize, built, builtNodes, graph, heatmapSize, applied };
}

/**
 * Whether the zoo row the file's digest names can change the graph's input size: no
 * --input-size, and some registry row whose preset the keys allow sets another size than
 * the one resolved without a row (`noRowSize`; when that cannot be resolved, e.g. a
 * keypoint count with no built-in set and no config, only a row can, so yes).
 */
function digestCanChangeInputSize(detection: Detection, opts: ConvertOptions, noRowSize: () => [number, number]): boolean {
  if (opts.inputSize) return false;
  const rows = listZoo().filter((r) => presetAgrees(r.preset, detection));
  if (rows.length === 0) return false;
  let size: [number, number];
  try {
    size = noRowSize();
  } catch (e) {
    if (e instanceof PosePortError) return true;
    throw e;
  }
  return rows.some((r) => r.input.height !== size[0] || r.input.width !== size[1]);
}

/** The model metadata both artifacts carry (schemas/model-metadata.schema.json). */
export function modelMetadata(args: {
  sourceFile: string;
  sha256: string;
  detection: Detection;
  arch: string | null;
  settings: ResolvedSettings;
  numKeypoints: number;
  heatmapSize: [number, number];
  zoo: ZooEntry | undefined;
}): ModelMetadata {
  const st = args.settings;
  const kp = st.keypoints;
  const norm = st.normalize;
  const meta: ModelMetadata = {
    poseport_version: VERSION,
    source: { file: basename(args.sourceFile), sha256: args.sha256 },
    family: args.detection.family,
    arch: args.arch,
    config: args.detection.config as Record<string, unknown>,
    dataset: st.dataset,
    num_keypoints: args.numKeypoints,
    keypoint_names: [...kp.names],
    flip_pairs: kp.flipPairs.map(([a, b]) => [a, b] as [number, number]),
    skeleton: kp.skeleton.map(([a, b]) => [a, b] as [number, number]),
    ...(kp.sigmas ? { sigmas: [...kp.sigmas] } : {}),
    sources: st.sources,
    input: {
      name: 'input',
      layout: 'NCHW',
      size_hw: st.inputSizeHW,
      mean: [...norm.mean] as [number, number, number],
      std: [...norm.std] as [number, number, number],
      color: 'RGB',
      range: '0..1 before normalisation',
    },
    heatmap: { name: 'heatmaps', size_hw: args.heatmapSize },
    decode: { ...st.decode },
  };
  if (args.zoo) meta.zoo = { name: args.zoo.name, metrics: Object.fromEntries(args.zoo.metrics.map((m) => [m.key, m.value])) };
  return meta;
}

/** From this checkpoint size on, the ONNX file is hashed by a worker of its own. */
const SECOND_HASHER_BYTES = 64 << 20;

/** The largest input side a conversion writes: the model metadata's bound (a few hundred pixels is what pose models take). */
export const MAX_INPUT_SIDE = 2048;

/**
 * Checkpoint -> verified graph -> passes -> artifacts, all or nothing: every file is
 * staged and moved into `out` only when the whole conversion succeeded.
 */
export async function convertCheckpoint(ckptPath: string, opts: ConvertOptions): Promise<ConvertResult> {
  const formats = opts.formats ?? ['onnx'];
  for (const f of formats)
    if (!ARTIFACT_FORMATS.includes(f)) throw new PosePortError('USAGE', `unknown format '${f}' (known: ${ARTIFACT_FORMATS.join(', ')})`);
  if (opts.inputSize && !opts.inputSize.every((v) => Number.isInteger(v) && v >= 32 && v <= MAX_INPUT_SIDE))
    throw new PosePortError('USAGE', `input size ${opts.inputSize.join('x')}: each side must be an integer from 32 to ${MAX_INPUT_SIDE}`);
  if (!existsSync(ckptPath)) throw new PosePortError('IO', `no such file '${ckptPath}'`, { file: ckptPath });
  const step = opts.onStep ?? (() => {});
  const clock = new Stopwatch();
  const lap = (name: string) => clock.lap(name);
  // the output is checked (and its staging directory made) before any work: a bad --out fails at once
  const staged = new StagedOutput(opts.out);

  step('reading checkpoint');
  // the file's sha256 (metadata, zoo lookup) in one streamed pass on the other core while
  // this one reads the index; the same worker then checksums the contiguous tensors
  const hasher = hashFileInWorker(ckptPath);
  // the ONNX file's sha256: on a second worker for a large file (started now, so it is up
  // when the writing starts), where the three passes cost more than a thread (~10 MiB, a few
  // tens of ms); a small file's worker does all three
  const outputHasher = !formats.includes('onnx') ? null : statSync(ckptPath).size >= SECOND_HASHER_BYTES ? hashOutputInWorker() : hasher;
  let ckpt: ModelCheckpoint;
  try {
    ckpt = await openModelCheckpoint(ckptPath, { allowUnknownGlobals: opts.allowUnknownGlobals });
  } catch (e) {
    hasher.close();
    outputHasher?.close();
    staged.abort();
    throw e;
  }
  try {
    let config: CheckpointConfig | null;
    try {
      config = readCheckpointConfig(ckpt.meta);
    } catch (e) {
      throw e instanceof PosePortError ? e.withFile(ckptPath) : e;
    }
    lap('read');

    const kind = opts.graph ?? 'heatmaps';
    if (!GRAPH_KINDS.includes(kind)) throw new PosePortError('USAGE', `unknown graph '${String(kind)}' (known: ${GRAPH_KINDS.join(', ')})`);
    if (kind !== 'heatmaps' && opts.allOutputs) throw new PosePortError('USAGE', `--all-outputs exports network heatmaps; it does not combine with --graph ${kind}`);
    if (kind === 'heatmaps' && opts.heatmapsOutput) throw new PosePortError('USAGE', `--heatmaps-output needs --graph keypoints or crop-keypoints`);
    const heatmapsOutput = opts.heatmapsOutput ?? false;

    step('building graph');
    const named = zooEntryByName(opts.zoo);
    const detection = inStoredKeys(ckpt, () => resolveArchitecture(ckpt, opts.arch, named));
    if (opts.allOutputs && !familyByName(detection.family).head.multiStage)
      throw new PosePortError('USAGE', `--all-outputs exports the stage/unit heatmaps of multi-stage heads (RSN, MSPN); this ${detection.family} checkpoint has one head output`, { file: ckptPath });
    const numKeypoints = Number(detection.facts.keypoints);
    if (config?.settings) checkConfigAgainstKeys(config.settings, detection, numKeypoints, ckptPath);
    const settingsWith = (zoo: ZooEntry | undefined, strict: boolean | undefined) =>
      resolveSettings({ family: detection.family, numKeypoints, file: ckptPath, inputSizeFlag: opts.inputSize, zoo, config, strict });

    // The zoo row: the one --zoo names, else the one whose sha256 prefix the file's digest
    // has (a renamed published checkpoint is still that row; a file named like one may be
    // another, so the name decides nothing). What a row sets that the graph depends on is
    // the input size (the shapes), and for keypoint graphs the decoding inside the graph;
    // everything else it sets is metadata, which the ONNX model carries in its last field.
    // So the digest is waited for before the build only when it can change the graph: a
    // keypoint graph, or a row the keys allow whose input size differs from the one used
    // without a row (a res50 file with no config and no --input-size may be
    // res50_coco_384x288_dark). Otherwise it is awaited after the weights are written.
    const digestFirst = kind !== 'heatmaps' || (named === undefined && digestCanChangeInputSize(detection, opts, () => settingsWith(undefined, false).inputSizeHW));
    lap('detect');
    const earlyDigest = digestFirst ? await hasher.sha256 : null;
    lap('hash_wait');
    // the tensors' lane64, from the digest's own reads where it has not passed them yet; asked
    // only now so that a digest waited for above is not slowed by them (they are then read again,
    // beside the writing)
    const checksummed = ckpt.tensors.entries.filter((e) => !e.name.endsWith('.num_batches_tracked'));
    const inPlace = hasher.checksums(checksummed.filter((e) => e.contiguous).map((e) => ({ key: e.name, offset: e.fileOffset, length: e.byteLength })));
    const rowOf = (sha256: string): ZooEntry | undefined => {
      if (named) return named; // checked against the keys by resolveArchitecture
      const row = listZoo().find((e) => sha256.startsWith(e.checkpoint.sha256Prefix));
      if (row) checkRequestedPreset(row.preset, detection);
      return row;
    };
    const plan = planGraph(ckpt, detection, settingsWith(earlyDigest === null ? named : rowOf(earlyDigest), false).inputSizeHW, opts);
    lap('build');

    /** The row, settings and metadata once the file's digest is known (the input size is the built one: rows that could change it were waited for). */
    const settle = (sha256: string) => {
      const zoo = rowOf(sha256);
      const settings = settingsWith(zoo, opts.strict);
      if (settings.inputSizeHW[0] !== plan.inputSize[0] || settings.inputSizeHW[1] !== plan.inputSize[1])
        throw new Error(`internal: the zoo row ${zoo?.name} sets input ${settings.inputSizeHW.join('x')}, the graph was built at ${plan.inputSize.join('x')}`);
      const metadata = modelMetadata({
        sourceFile: ckptPath,
        sha256,
        detection,
        arch: opts.arch ?? zoo?.preset ?? detection.preset ?? null,
        settings,
        numKeypoints,
        heatmapSize: plan.heatmapSize,
        zoo,
      });
      if (kind !== 'heatmaps') metadata.graph = graphMetadata(kind, heatmapsOutput);
      return { zoo, settings, metadata };
    };
    // keypoint graphs build their decoding from the metadata: the digest is known by now
    let settled = earlyDigest === null ? null : settle(earlyDigest);
    const graph = kind === 'heatmaps' ? plan.graph : artifactGraph(plan.graph, kind, settled!.metadata, heatmapsOutput);

    let onnx: { plan: OnnxBytes; body: OnnxFileBody } | null = null;
    try {
      const artifacts: ArtifactRecord[] = [];
      const opset = opts.opset ?? DEFAULT_OPSET;
      if (formats.includes('onnx')) {
        step('writing ONNX');
        const onnxPlan = planOnnx(graph, { opset, producerVersion: VERSION });
        onnx = { plan: onnxPlan, body: await writeOnnxBody(staged.path('model.onnx'), onnxPlan, outputHasher!) };
        lap('onnx');
      }
      // the digest ran while the graph was built and the weights written; the metadata, the
      // ONNX model's last field, is written once it is known
      settled ??= settle(await hasher.sha256);
      const { zoo, settings, metadata } = settled;
      if (onnx) {
        const tail = onnx.plan.tail(onnxMetadataProps(metadata));
        const digest = await onnx.body.finish(tail);
        artifacts.push({ format: 'onnx', file: 'model.onnx', bytes: onnx.plan.bodyLength + tail.length, sha256: digest, opset });
      }
      lap('digest');
      const { inputSize, built, builtNodes, applied } = plan;
      const heatmapSize = metadata.heatmap.size_hw;
      const arch = metadata.arch;

      if (formats.includes('tfjs')) {
        step('writing TF.js');
        // keypoint graphs keep their declared inputs and outputs in both formats (the I/O contract)
        const art = emitTfjs(graph, { metadata: tfjsUserMetadata(metadata), quantize: opts.quantize, ...tfjsLayouts(kind) });
        staged.path('tfjs/model.json');
        writeTfjs(`${staged.staging}/tfjs`, art);
        const json = JSON.stringify(art.modelJson);
        const bytes = art.shards.reduce((s, x) => s + x.bytes.length, json.length);
        artifacts.push({ format: 'tfjs', file: 'tfjs/model.json', bytes, sha256: sha256Bytes(Buffer.from(json)), quantize: opts.quantize ?? null });
        lap('tfjs');
      }

      step('checksumming tensors');
      const worked = await inPlace;
      const checksums: Record<string, string> = {};
      let params = 0;
      for (const e of checksummed) {
        // strided views are gathered first: their checksum is over the row-major bytes
        checksums[e.name] = worked[e.name] ?? lane64(tensorBytes(e));
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
          layout: layoutReport(ckpt),
        },
        family: detection.family,
        arch,
        zoo: zoo?.name ?? null,
        config: detection.config,
        facts: detection.facts,
        dataset: settings.dataset,
        num_keypoints: numKeypoints,
        input_size_hw: inputSize,
        heatmap_size_hw: heatmapSize,
        checkpoint_config: config
          ? {
              meta_key: config.metaKey,
              mmpose: config.settings?.mmpose ?? null,
              chars: config.chars,
              refused: config.refused,
              not_read: [
                ...config.issues.map((i) => `line ${i.line}, column ${i.col}: ${i.message}`),
                ...(config.moreIssues ? [`... and ${config.moreIssues} more`] : []),
              ],
              notes: config.settings?.notes ?? [],
            }
          : null,
        settings: { sources: settings.sources, disagreements: settings.disagreements },
        keys: { total: ckpt.tensors.entries.length, consumed: built.consumed, ignored: built.ignored },
        parameter_count: params,
        passes: applied,
        nodes: { built: builtNodes, emitted: graph.nodes.length },
        artifacts,
        tensor_checksums: { algorithm: TENSOR_CHECKSUM_ALGORITHM, tensors: checksums },
        warnings: [...ckpt.warnings, ...configWarnings(config, settings, heatmapSize)],
        timings_ms: timings,
        metadata,
      };
      staged.write('report.json', JSON.stringify(report, null, 2) + '\n');
      const files = staged.commit();
      return { report, files };
    } catch (e) {
      onnx?.body.destroy();
      staged.abort();
      throw e;
    }
  } catch (e) {
    staged.abort();
    throw e;
  } finally {
    hasher.close();
    outputHasher?.close();
    ckpt.close();
  }
}
