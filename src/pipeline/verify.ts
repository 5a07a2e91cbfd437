/**
 * `pose-port verify`: does a conversion output directory (model.onnx, tfjs/, report.json)
 * faithfully come from this checkpoint? Independent checks, each a named result:
 *
 * - provenance: the checkpoint's sha256 and every tensor's sha256 against report.json;
 * - integrity: the directory holds only what report.json lists, each artifact's sha256
 *   against report.json, the TF.js files against their manifest, the artifacts' embedded
 *   metadata against the report's;
 * - config-settings: every setting the metadata says came from the checkpoint's config
 *   (input size, normalisation, decoding, keypoints) still resolves to the same value;
 * - re-derivation: the graph is rebuilt from the checkpoint (detect, build, the recorded
 *   passes; for a keypoint artifact, wrapped in the keypoint graph its metadata records)
 *   and every ONNX initializer and every TF.js weight is compared with what the
 *   rebuilt graph gives, so an artifact whose weights were changed after conversion is
 *   caught even when report.json was edited to match; and the graph itself (onnx-graph,
 *   tfjs-graph, verify/structure.ts) node for node against an emission of the rebuilt one;
 * - execution, heatmap artifacts (verify/heatmap-execution.ts): the ONNX (onnxruntime-node)
 *   and TF.js (tfjs-converter, cpu backend) artifacts run on one seeded input and are
 *   compared with each other and with a fresh in-memory ONNX emission of the rebuilt graph;
 * - execution, keypoint artifacts (`convert --graph keypoints|crop-keypoints`;
 *   verify/keypoint-execution.ts): their inputs are an image and boxes (or crops with
 *   center and scale), so they run on the image bundled in fixtures/verify/ with four
 *   boxes (three past its edges). model.onnx is compared with a fresh emission of the
 *   rebuilt keypoint graph (onnx-vs-rebuilt), and `keypoints` proves each artifact (ONNX in
 *   onnxruntime-node, TF.js on wasm) equals the TypeScript pipeline on the checkpoint: the
 *   rebuilt heatmap network through `run`'s estimatePoses on the same image and boxes
 *   (crop-keypoints: the crops that pipeline cuts), keypoints within 0.01 px and scores
 *   within 1e-4; only the keypoints eval/well-posed.ts finds determined at float32
 *   precision are bounded (any decoding), the ill-posed ones are counted and reported.
 *
 * - evaluation (optional): the dataset test of 'pose-port eval' on one artifact, every
 *   metric the zoo row records compared with the measured one within a tolerance.
 *
 * Each check is a module under ./verify/ returning structured findings; the lines of the
 * report are worded from them at the end.
 *
 * A failed check makes `ok` false (the CLI exits 1); input that cannot be verified at all
 * (no report.json, a listed artifact missing, not a checkpoint) throws PosePortError.
 */
import { existsSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { onnxMetadataProps } from '../artifact/metadata.js';
import { loadModel } from '../artifact/model.js';
import { resolveExecutionProviders } from '../artifact/execution-providers.js';
import { PosePortError } from '../core/errors.js';
import { sha256File } from '../core/hash.js';
import { Stopwatch } from '../core/stopwatch.js';
import { emitOnnx, DEFAULT_OPSET } from '../emit/onnx/index.js';
import { onnx } from '../emit/onnx/proto.js';
import { emitTfjs, readTfjsArtifacts } from '../emit/tfjs/index.js';
import { VERSION } from '../version.js';
import { openModelCheckpoint } from './checkpoint.js';
import { graphKindOf, tfjsLayouts } from './keypoint-artifact.js';
import { evaluateModel } from './eval.js';
import { artifactFileChecks } from './verify/artifact-files.js';
import { configSettingsCheck } from './verify/config-settings.js';
import { directoryCheck } from './verify/directory.js';
import { rebuildCheck, rebuildNetwork } from './verify/architecture.js';
import { heatmapExecutionChecks } from './verify/heatmap-execution.js';
import { keypointExecutionChecks, type KeypointInputRecord } from './verify/keypoint-execution.js';
import { evaluationCheck } from './verify/evaluation.js';
import type { VerifyCheck } from './verify/finding.js';
import { toVerifyCheck, type Described } from './verify/format.js';
import { readConvertReport, requireArtifactFiles } from './verify/inputs.js';
import { checkVerifyOptions, DEFAULT_METRIC_TOLERANCE, type VerifyOptions } from './verify/options.js';
import { sourceDigestCheck, tensorDigestCheck } from './verify/provenance.js';
import { onnxGraphCheck, tfjsGraphCheck } from './verify/structure.js';
import { onnxWeightsCheck, tfjsWeightsCheck } from './verify/weights.js';

export { readConvertReport, REPORT_SCHEMA } from './verify/inputs.js';
export { VERIFY_DEFAULTS, DEFAULT_METRIC_TOLERANCE, type VerifyOptions, type VerifyEvaluation } from './verify/options.js';
export type { VerifyCheck, Finding, CheckResult } from './verify/finding.js';

/** The verification report (schemas/report.schema.json, kind 'verify'). */
export interface VerifyReport {
  kind: 'verify';
  ok: boolean;
  poseport_version: string;
  checkpoint: { file: string; sha256: string };
  dir: string;
  /** the seeded NCHW input heatmap artifacts run on; keypoint artifacts run on `image` (the bundled image and its boxes) */
  input: { seed: number; shape_nchw: number[]; image?: KeypointInputRecord };
  checks: VerifyCheck[];
  timings_ms: Record<string, number>;
}

/**
 * Verifies the conversion output `dir` against the checkpoint `ckptPath` (see the file
 * comment for the checks). Resolves with the report (ok: every check passed); throws
 * PosePortError when the input cannot be verified (IO / MODEL_FORMAT / reader errors).
 */
export async function verifyArtifacts(ckptPath: string, dir: string, opts: VerifyOptions = {}): Promise<VerifyReport> {
  const o = checkVerifyOptions(opts);
  const step = opts.onStep ?? (() => {});
  const clock = new Stopwatch();
  const lap = (name: string) => clock.lap(name);

  const report = readConvertReport(dir);
  for (const a of report.artifacts) requireArtifactFiles(dir, a);
  if (opts.evaluate && graphKindOf(report.metadata) === 'crop-keypoints')
    throw new PosePortError('USAGE', `verify: the conversion in '${dir}' is a 'crop-keypoints' artifact, which takes crops, not images: evaluation (--ann/--images) needs a 'heatmaps' or 'keypoints' artifact`, {
      file: join(dir, 'report.json'),
    });
  if (opts.evaluate && !report.metadata.zoo)
    throw new PosePortError('USAGE', `verify: the conversion in '${dir}' names no zoo entry, so there are no recorded metrics to compare an evaluation with (convert with a zoo name or --zoo)`, {
      file: join(dir, 'report.json'),
    });
  if (!existsSync(ckptPath)) throw new PosePortError('IO', `no such checkpoint '${ckptPath}'`, { file: ckptPath });
  const providers = opts.executionProviders ? await resolveExecutionProviders(opts.executionProviders) : undefined;
  const onnxRec = report.artifacts.find((a) => a.format === 'onnx');
  const tfjsRec = report.artifacts.find((a) => a.format === 'tfjs');
  const checks: Described[] = [];

  step('reading checkpoint');
  const [ckpt, sha256] = await Promise.all([openModelCheckpoint(ckptPath, { allowUnknownGlobals: opts.allowUnknownGlobals }), sha256File(ckptPath)]);
  const [H, W] = report.input_size_hw;
  const shape = [1, 3, H, W];
  try {
    lap('read');
    step('checksumming tensors');
    checks.push(sourceDigestCheck(ckpt, sha256, report), tensorDigestCheck(ckpt, report));
    lap('provenance');

    // (b) the files against the report
    step('checking artifacts');
    const files = artifactFileChecks(dir, report);
    checks.push(directoryCheck(dir, report), ...files.checks);
    lap('artifacts');

    // (c) re-derivation
    step('rebuilding the graph');
    const kind = graphKindOf(report.metadata);
    // --all-outputs exists for heatmap artifacts only; a keypoint graph's extra outputs are its own
    const rebuilt = rebuildCheck(ckpt, report, kind === 'heatmaps' && files.outputCount > 1);
    checks.push(rebuilt.check, configSettingsCheck(ckpt, report));
    lap('rebuild');
    let freshBytes: Uint8Array | undefined;
    if (rebuilt.graph) {
      step('comparing weights');
      freshBytes = emitOnnx(rebuilt.graph, { opset: onnxRec?.opset ?? DEFAULT_OPSET, metadata: onnxMetadataProps(report.metadata), producerVersion: VERSION });
      if (files.onnx) {
        const fresh = onnx.ModelProto.decode(freshBytes);
        checks.push(onnxWeightsCheck(files.onnx.model, fresh, rebuilt.graph, o.weightTolerance), onnxGraphCheck(files.onnx.model, fresh));
      }
      if (files.tfjsDir) {
        const artifact = readTfjsArtifacts(files.tfjsDir);
        const fresh = emitTfjs(rebuilt.graph, { quantize: tfjsRec!.quantize ?? undefined, ...tfjsLayouts(kind) });
        checks.push(tfjsWeightsCheck(artifact, fresh, tfjsRec!.quantize, o.weightTolerance), tfjsGraphCheck(artifact, fresh.modelJson));
      }
      lap('weights');
    }

    // (d) execution: heatmap artifacts on one seeded NCHW input; keypoint artifacts on the bundled image and boxes
    step('running the artifacts');
    const subjects = { dir, report, onnxBytes: files.onnx?.bytes, tfjsDir: files.tfjsDir, freshBytes, providers };
    let keypointInput: KeypointInputRecord | undefined;
    if (kind === 'heatmaps') checks.push(...(await heatmapExecutionChecks(subjects, o)));
    else {
      const detection = rebuilt.detection;
      const network = rebuilt.graph ? () => rebuildNetwork(ckpt, report, detection, false) : undefined;
      const k = await keypointExecutionChecks(subjects, kind, network, o);
      checks.push(...k.checks);
      keypointInput = k.input;
    }
    lap('run');

    if (opts.evaluate) {
      step('evaluating');
      const ev = opts.evaluate;
      const model = await loadModel(join(dir, (onnxRec ?? tfjsRec)!.file), onnxRec && providers ? { executionProviders: providers } : {});
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
      ok: checks.every((c) => c.result.ok),
      poseport_version: VERSION,
      checkpoint: { file: resolve(ckptPath), sha256 },
      dir: resolve(dir),
      input: { seed: o.seed, shape_nchw: shape, ...(keypointInput ? { image: keypointInput } : {}) },
      checks: checks.map(toVerifyCheck),
      timings_ms: timings,
    };
  } finally {
    ckpt.close();
  }
}
