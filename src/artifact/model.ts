/**
 * Loading a converted artifact for inference (the API's loadModel): `model.onnx` through onnxruntime-node, a
 * TF.js graph model (`model.json` or its directory) through tfjs-converter on the cpu or
 * wasm backend. Both are used the same way: an NCHW float32 batch in, NCHW heatmaps out,
 * and the model metadata the converter embedded (decoding, flip pairs, input size).
 */
import { existsSync, statSync } from 'node:fs';
import { basename, dirname, join } from 'node:path';
import type { Tensor } from '@tensorflow/tfjs-core';
import { PosePortError, isPosePortError } from '../core/errors.js';
import { MODEL_JSON } from '../emit/tfjs/index.js';
import type { NodeDefJson } from '../emit/tfjs/graphdef.js';
import { checkOnnxGraph } from './check-onnx-graph.js';
import { tfjsInputDims } from './check-tfjs-graph.js';
import { readModelFile } from './files.js';
import { checkModelMetadata, type ModelMetadata } from './metadata.js';
import { resolveExecutionProviders } from './execution-providers.js';
import { onnxKeypointRunner, tfjsKeypointRunner, type KeypointRunner } from './keypoint-model.js';
import { readOnnxGraphIO, readOnnxMetadataProps, type OnnxValueInfo } from './onnx-runtime.js';
import { loadTfjsGraph, useTfjsBackend, type TfjsBackendName } from './tfjs-runtime.js';

export type ModelKind = 'onnx' | 'tfjs';
export type { TfjsBackendName } from './tfjs-runtime.js';

export interface LoadModelOptions {
  /** TF.js backend (default 'wasm': the same float32 kernels as 'cpu', several times faster) */
  tfjsBackend?: TfjsBackendName;
  /**
   * onnxruntime execution providers, in order of preference (default ['cpu']); checked
   * against this onnxruntime build and started once (EXECUTION_PROVIDER otherwise). ONNX only.
   */
  executionProviders?: string[];
  /** onnxruntime intra-op threads (default: onnxruntime's choice, all cores) */
  threads?: number;
}

export interface PoseModel {
  kind: ModelKind;
  /** the file the model was read from (model.onnx or model.json) */
  file: string;
  metadata: ModelMetadata;
  /** network input [height, width] */
  inputSize: [number, number];
  /** heatmap [height, width] */
  heatmapSize: [number, number];
  numKeypoints: number;
  /** e.g. 'onnxruntime-node cpu' or 'tfjs wasm' */
  runtime: string;
  /**
   * Runs `n` crops. `batch` is `[n, 3, H, W]` float32 (normalised RGB); returns the
   * heatmaps `[n, K, h, w]` float32 (a fresh array). A keypoint artifact has no heatmap
   * entry point: `run` throws MODEL_FORMAT and `keypoints` is set.
   */
  run(batch: Float32Array, n: number): Promise<Float32Array>;
  /** keypoint artifacts (metadata graph.kind 'keypoints'): the whole top-down test in the model */
  keypoints?: KeypointRunner;
  dispose(): Promise<void>;
}

function modelFormat(file: string, msg: string): PosePortError {
  return new PosePortError('MODEL_FORMAT', msg, { file });
}

/** Parses and checks the embedded metadata JSON; MODEL_FORMAT naming the file and the field otherwise. */
function parseMetadata(file: string, raw: unknown, where: string): ModelMetadata {
  if (raw === undefined || raw === null)
    throw modelFormat(file, `${where} has no pose-port metadata: convert the checkpoint with 'pose-port convert' (which embeds it)`);
  let meta: unknown = raw;
  if (typeof raw === 'string') {
    try {
      meta = JSON.parse(raw);
    } catch (e) {
      throw modelFormat(file, `${where} is not JSON: ${(e as Error).message}`);
    }
  }
  try {
    checkModelMetadata(meta);
  } catch (e) {
    if (isPosePortError(e)) throw new PosePortError('MODEL_FORMAT', `${where}: ${e.message}`, { file, key: e.key });
    throw e;
  }
  return meta;
}

/** Which artifact `path` names: a .onnx file, a model.json, or a directory holding either. */
export function resolveModelPath(path: string): { kind: ModelKind; file: string } {
  if (!existsSync(path)) throw new PosePortError('IO', `no such model file or directory '${path}'`, { file: path });
  if (statSync(path).isDirectory()) {
    if (existsSync(join(path, MODEL_JSON))) return { kind: 'tfjs', file: join(path, MODEL_JSON) };
    if (existsSync(join(path, 'model.onnx'))) return { kind: 'onnx', file: join(path, 'model.onnx') };
    throw modelFormat(path, `the directory holds neither ${MODEL_JSON} (TF.js) nor model.onnx`);
  }
  if (path.toLowerCase().endsWith('.json')) return { kind: 'tfjs', file: path };
  return { kind: 'onnx', file: path };
}

function commonFields(meta: ModelMetadata, file: string): Pick<PoseModel, 'inputSize' | 'heatmapSize' | 'numKeypoints'> {
  const inputSize: [number, number] = [meta.input.size_hw[0], meta.input.size_hw[1]];
  const heatmapSize: [number, number] = [meta.heatmap.size_hw[0], meta.heatmap.size_hw[1]];
  if (!(inputSize[0] > 0 && inputSize[1] > 0 && heatmapSize[0] > 0 && heatmapSize[1] > 0))
    throw modelFormat(file, `model metadata: bad sizes input ${inputSize} heatmap ${heatmapSize}`);
  return { inputSize, heatmapSize, numKeypoints: meta.num_keypoints };
}

function checkOutput(file: string, dims: readonly number[], n: number, k: number, hw: [number, number]): void {
  const want = [n, k, hw[0], hw[1]];
  if (dims.length !== 4 || dims.some((d, i) => d !== want[i]))
    throw modelFormat(file, `the model returned heatmaps [${dims.join(', ')}], its metadata says [${want.join(', ')}]`);
}

/**
 * The metadata's input against the graph's own: the graph input it names must be
 * [N, 3, H, W] with H, W static and equal to the metadata's size_hw (a model whose
 * metadata disagrees with its graph would be fed crops of the wrong size).
 */
export function checkOnnxInputShape(file: string, inputs: readonly OnnxValueInfo[], meta: ModelMetadata): void {
  const input = inputs.find((i) => i.name === meta.input.name) ?? inputs[0];
  const [H, W] = meta.input.size_hw;
  if (!input) throw new PosePortError('MODEL_FORMAT', 'the ONNX graph has no input', { file, key: 'graph.input' });
  const d = input.dims;
  if (d.length !== 4 || d[1] !== 3 || d[2] !== H || d[3] !== W)
    throw new PosePortError('MODEL_FORMAT', `the graph's input '${input.name}' is [${d.join(', ')}], the metadata's input.size_hw says [N, 3, ${H}, ${W}]`, {
      file,
      key: 'input.size_hw',
      details: { graph: d, metadata: [H, W] },
    });
}

/** onnxruntime's words for a failed allocation (BFCArena, the CPU allocator, std::bad_alloc) */
const OUT_OF_MEMORY = /bad_alloc|bad allocation|Failed to allocate memory|out of memory|Cannot allocate memory/i;

/**
 * An onnxruntime failure while running a batch: running out of memory is a resource
 * limit the user can lower (--batch); anything else is the model's (a loaded artifact
 * that cannot run), never an internal error.
 */
export function runFailure(file: string, e: unknown, n: number, H: number, W: number): PosePortError {
  const msg = (e as Error)?.message ?? String(e);
  if (OUT_OF_MEMORY.test(msg))
    return new PosePortError('RESOURCE_LIMIT', `onnxruntime ran out of memory running a batch of ${n} at ${H}x${W} (${msg}); try a smaller --batch`, {
      file,
      details: { batch: n },
    });
  return modelFormat(file, `onnxruntime cannot run the model on a batch of ${n}: ${msg}`);
}

async function loadOnnx(file: string, opts: LoadModelOptions): Promise<PoseModel> {
  return loadOnnxBytes(readModelFile(file), file, opts);
}

/**
 * An ONNX model held in memory (`file` names it in errors), checked and loaded as
 * loadModel loads model.onnx: verify runs the heatmap graph it rebuilt from the
 * checkpoint through the same top-down pipeline as `run`.
 */
export async function loadOnnxBytes(bytes: Uint8Array, file: string, opts: LoadModelOptions = {}): Promise<PoseModel> {
  const props = readOnnxMetadataProps(bytes, file);
  const metadata = parseMetadata(file, props.pose_port, `metadata_props 'pose_port' of ${basename(file)}`);
  checkGraphKind(metadata, file);
  if (metadata.input.layout !== 'NCHW') throw modelFormat(file, `ONNX model metadata says input layout ${metadata.input.layout}, expected NCHW`);
  const fields = commonFields(metadata, file);
  // a keypoint graph's inputs are the image and the boxes (docs/keypoint-graphs.md)
  if (metadata.graph?.kind !== 'keypoints') checkOnnxInputShape(file, readOnnxGraphIO(bytes, file).inputs, metadata);
  checkOnnxGraph(bytes, file, Math.max(...fields.inputSize));
  const ort = await import('onnxruntime-node');
  const providers = opts.executionProviders ? await resolveExecutionProviders(opts.executionProviders) : ['cpu'];
  let session: import('onnxruntime-node').InferenceSession;
  try {
    session = await ort.InferenceSession.create(bytes, {
      executionProviders: providers,
      ...(opts.threads !== undefined ? { intraOpNumThreads: opts.threads } : {}),
    });
  } catch (e) {
    throw modelFormat(file, `onnxruntime cannot load the model: ${(e as Error).message}`);
  }
  if (metadata.graph?.kind === 'keypoints')
    return keypointModel('onnx', file, metadata, `onnxruntime-node ${providers.join(',')}`, onnxKeypointRunner(ort, session, file, fields.numKeypoints), () => session.release());
  const input = session.inputNames.includes(metadata.input.name) ? metadata.input.name : session.inputNames[0];
  const output = session.outputNames.includes(metadata.heatmap.name) ? metadata.heatmap.name : session.outputNames[0];
  const [H, W] = fields.inputSize;
  return {
    kind: 'onnx',
    file,
    metadata,
    ...fields,
    runtime: `onnxruntime-node ${providers.join(',')}`,
    async run(batch, n) {
      if (batch.length !== n * 3 * H * W) throw new PosePortError('SHAPE_MISMATCH', `run: ${batch.length} values for a batch of ${n} x 3x${H}x${W}`);
      let r: import('onnxruntime-node').InferenceSession.OnnxValueMapType;
      try {
        r = await session.run({ [input]: new ort.Tensor('float32', batch, [n, 3, H, W]) }, [output]);
      } catch (e) {
        throw runFailure(file, e, n, H, W);
      }
      const t = r[output];
      checkOutput(file, t.dims.map(Number), n, fields.numKeypoints, fields.heatmapSize);
      const data = t.data as Float32Array;
      t.dispose?.();
      return data;
    },
    async dispose() {
      await session.release();
    },
  };
}

async function loadTfjs(file: string, opts: LoadModelOptions): Promise<PoseModel> {
  let json: { userDefinedMetadata?: Record<string, unknown> };
  try {
    json = JSON.parse(readModelFile(file).toString('utf8'));
  } catch (e) {
    if (isPosePortError(e)) throw e;
    throw modelFormat(file, `cannot read the TF.js model.json: ${(e as Error).message}`);
  }
  const metadata = parseMetadata(file, json?.userDefinedMetadata?.pose_port, `userDefinedMetadata.pose_port of ${basename(file)}`);
  checkGraphKind(metadata, file);
  const keypointGraph = metadata.graph?.kind === 'keypoints';
  if (!keypointGraph && metadata.input.layout !== 'NHWC') throw modelFormat(file, `TF.js model metadata says input layout ${metadata.input.layout}, expected NHWC`);
  const fields = commonFields(metadata, file);
  const graphInput = tfjsInputDims((json as { modelTopology?: { node?: NodeDefJson[] } }).modelTopology?.node ?? []);
  const [H0, W0] = metadata.input.size_hw;
  // a keypoint graph's inputs are the image and the boxes (docs/keypoint-graphs.md)
  if (!keypointGraph && (!graphInput || graphInput.dims.length !== 4 || graphInput.dims[1] !== H0 || graphInput.dims[2] !== W0 || graphInput.dims[3] !== 3))
    throw new PosePortError('MODEL_FORMAT', `the graph's input ${graphInput ? `'${graphInput.name}' is [${graphInput.dims.join(', ')}]` : 'is missing'}, the metadata's input.size_hw says [N, ${H0}, ${W0}, 3]`, {
      file,
      key: 'input.size_hw',
    });
  const backend = opts.tfjsBackend ?? 'wasm';
  const tf = await useTfjsBackend(backend);
  const model = await loadTfjsGraph(dirname(file), backend);
  if (keypointGraph)
    return keypointModel('tfjs', file, metadata, `tfjs ${backend}`, tfjsKeypointRunner(tf, model, backend, file, fields.numKeypoints), async () => model.dispose());
  const outName = model.outputs.find((o) => o.name === metadata.heatmap.name)?.name ?? model.outputs[0].name;
  const inName = model.inputs.find((i) => i.name === metadata.input.name)?.name ?? model.inputs[0].name;
  const [H, W] = fields.inputSize;
  return {
    kind: 'tfjs',
    file,
    metadata,
    ...fields,
    runtime: `tfjs ${backend}`,
    async run(batch, n) {
      if (batch.length !== n * 3 * H * W) throw new PosePortError('SHAPE_MISMATCH', `run: ${batch.length} values for a batch of ${n} x 3x${H}x${W}`);
      if (tf.getBackend() !== backend) await tf.setBackend(backend);
      // NCHW -> NHWC in, NHWC -> NCHW out (transposes are exact)
      const out = tf.tidy(() => {
        const x = tf.transpose(tf.tensor4d(batch, [n, 3, H, W]), [0, 2, 3, 1]);
        const y = model.execute({ [inName]: x }, outName) as Tensor;
        checkOutput(file, [y.shape[0], y.shape[3], y.shape[1], y.shape[2]] as number[], n, fields.numKeypoints, fields.heatmapSize);
        return tf.transpose(y, [0, 3, 1, 2]);
      });
      try {
        return (await out.data()) as Float32Array;
      } finally {
        out.dispose();
      }
    },
    async dispose() {
      model.dispose();
    },
  };
}

/** Heatmap and keypoint artifacts load; crop-keypoints artifacts take crops, which `run` and `eval` do not make. */
function checkGraphKind(meta: ModelMetadata, file: string): void {
  const kind = meta.graph?.kind ?? 'heatmaps';
  if (kind !== 'heatmaps' && kind !== 'keypoints')
    throw modelFormat(file, `a '${kind}' artifact takes normalised crops and center/scale; run and eval use 'heatmaps' or 'keypoints' artifacts`);
}

function keypointModel(kind: ModelKind, file: string, metadata: ModelMetadata, runtime: string, keypoints: KeypointRunner, dispose: () => Promise<void>): PoseModel {
  return {
    kind,
    file,
    metadata,
    ...commonFields(metadata, file),
    runtime,
    async run() {
      throw modelFormat(file, 'a keypoint artifact takes an image and boxes, not crops (use its keypoints entry point)');
    },
    keypoints,
    dispose,
  };
}

/** Loads `path` (model.onnx, model.json, or a directory holding one) with its metadata. */
export async function loadModel(path: string, opts: LoadModelOptions = {}): Promise<PoseModel> {
  const { kind, file } = resolveModelPath(path);
  if (kind === 'tfjs' && opts.executionProviders !== undefined)
    throw new PosePortError('USAGE', `execution providers apply to ONNX models; '${file}' is a TF.js model (choose its backend instead)`, { file });
  return kind === 'onnx' ? loadOnnx(file, opts) : loadTfjs(file, opts);
}
