/**
 * The reference a keypoint artifact is held to: the heatmap network rebuilt from the
 * checkpoint (as the architecture check rebuilds it), emitted as an in-memory heatmap
 * ONNX model with the artifact's settings, and run through the TypeScript top-down
 * pipeline `pose-port run` uses on heatmap artifacts (run.ts estimatePoses: MMPose's box
 * to center/scale, affine crop, normalisation, flip test, decoding), on verify's image and boxes.
 */
import { onnxMetadataProps, type ModelMetadata } from '../../artifact/metadata.js';
import { loadOnnxBytes, type PoseModel } from '../../artifact/model.js';
import type { ImageU8 } from '../../core/image.js';
import { emitOnnx } from '../../emit/onnx/index.js';
import type { DecodeOptions } from '../../eval/decode.js';
import type { Graph } from '../../ir/graph.js';
import { VERSION } from '../../version.js';
import { graphMetadata } from '../keypoint-artifact.js';
import { estimatePoses } from '../run.js';
import { decodeSettings } from '../topdown.js';
import type { VERIFY_BOXES } from './keypoint-inputs.js';

export interface KeypointReference {
  /** [N, K, 2] image pixels */
  keypoints: Float32Array;
  /** [N, K] */
  scores: Float32Array;
  /** [N, K, h, w] the heatmaps decoded (flip-averaged with the flip test) */
  heatmaps: Float32Array;
  /** how they were decoded (method, kernel, center, scale): what the well-posedness test decodes again */
  decode: DecodeOptions;
}

/** The heatmap-artifact form of a keypoint artifact's metadata (the same settings, graph 'heatmaps'). */
function heatmapMetadata(meta: ModelMetadata): ModelMetadata {
  return { ...meta, graph: graphMetadata('heatmaps', false) };
}

/**
 * Runs `network` (the rebuilt heatmap graph: input 'input' NCHW, output 'heatmaps') through
 * the TypeScript pipeline on `image` with `boxes`, in onnxruntime-node with `providers`.
 */
export async function keypointReference(
  network: Graph,
  meta: ModelMetadata,
  opset: number,
  image: ImageU8,
  boxes: typeof VERIFY_BOXES,
  providers?: string[],
): Promise<KeypointReference> {
  const m = heatmapMetadata(meta);
  const bytes = emitOnnx(network, { opset, metadata: onnxMetadataProps(m), producerVersion: VERSION });
  const model = await loadOnnxBytes(bytes, '(the heatmap graph rebuilt from the checkpoint)', providers ? { executionProviders: providers } : {});
  try {
    return await pipelineReference(model, image, boxes);
  } finally {
    await model.dispose();
  }
}

/**
 * `pose-port run` on a loaded heatmap artifact (estimatePoses, boxes x, y, w, h) as arrays:
 * the keypoints and scores, the heatmaps it decoded and how, for `wellPosedKeypoints`.
 */
export async function pipelineReference(model: PoseModel, image: ImageU8, boxes: readonly (readonly number[])[]): Promise<KeypointReference> {
  const r = await estimatePoses(
    model,
    image,
    boxes.map((b) => ({ bbox: b })),
    { keepHeatmaps: true },
  );
  const K = model.numKeypoints;
  const [h, w] = model.heatmapSize;
  const n = r.persons.length;
  const keypoints = new Float32Array(n * K * 2);
  const scores = new Float32Array(n * K);
  const heatmaps = new Float32Array(n * K * h * w);
  r.persons.forEach((p, i) => {
    p.keypoints.forEach(([x, y, score], k) => {
      keypoints[(i * K + k) * 2] = x;
      keypoints[(i * K + k) * 2 + 1] = y;
      scores[i * K + k] = score;
    });
    heatmaps.set(p.heatmaps!, i * K * h * w);
  });
  const s = decodeSettings(model);
  return {
    keypoints,
    scores,
    heatmaps,
    decode: { shape: [n, K, h, w], method: s.method, kernel: s.kernel, center: r.persons.map((p) => p.center), scale: r.persons.map((p) => p.scale) },
  };
}
