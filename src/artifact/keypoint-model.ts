/**
 * Running a keypoint artifact (`convert --graph keypoints`, docs/keypoint-graphs.md): an
 * RGB image and person boxes in, keypoints in image pixels and scores out, in
 * onnxruntime-node or TF.js. model.ts loads the file and hands the session here.
 */
import type { GraphModel } from '@tensorflow/tfjs-converter';
import type { Tensor } from '@tensorflow/tfjs-core';
import type { InferenceSession } from 'onnxruntime-node';
import { PosePortError } from '../core/errors.js';
import type { ImageU8 } from '../core/image.js';
import type { TfjsCore } from './tfjs-runtime.js';

export interface KeypointResult {
  /** [N, K, 2] image pixels */
  keypoints: Float32Array;
  /** [N, K] */
  scores: Float32Array;
}

/** `boxes` is [N, 4] x, y, w, h (float32) */
export type KeypointRunner = (image: ImageU8, boxes: Float32Array) => Promise<KeypointResult>;

function check(file: string, boxes: Float32Array, k: number, out: KeypointResult): KeypointResult {
  const n = boxes.length / 4;
  if (out.keypoints.length !== n * k * 2 || out.scores.length !== n * k)
    throw new PosePortError('MODEL_FORMAT', `the keypoint model returned ${out.keypoints.length / 2} keypoints for ${n} boxes of ${k}`, { file });
  return out;
}

function checkImage(image: ImageU8): void {
  if (image.channels !== 3) throw new PosePortError('IMAGE_FORMAT', `a keypoint model takes RGB images, got ${image.channels} channels`);
}

export function onnxKeypointRunner(ort: typeof import('onnxruntime-node'), session: InferenceSession, file: string, k: number): KeypointRunner {
  return async (image, boxes) => {
    checkImage(image);
    const n = boxes.length / 4;
    // onnxruntime's NCHWc transform fails on an empty batch (docs/keypoint-graphs.md); nothing to compute anyway
    if (n === 0) return { keypoints: new Float32Array(0), scores: new Float32Array(0) };
    const r = await session.run({
      image: new ort.Tensor('uint8', image.data, [image.height, image.width, 3]),
      boxes: new ort.Tensor('float32', boxes, [n, 4]),
    });
    return check(file, boxes, k, { keypoints: r.keypoints.data as Float32Array, scores: r.scores.data as Float32Array });
  };
}

export function tfjsKeypointRunner(tf: TfjsCore, model: GraphModel, backend: string, file: string, k: number): KeypointRunner {
  return async (image, boxes) => {
    checkImage(image);
    const n = boxes.length / 4;
    if (n === 0) return { keypoints: new Float32Array(0), scores: new Float32Array(0) };
    if (tf.getBackend() !== backend) await tf.setBackend(backend);
    const inputs = { image: tf.tensor(Int32Array.from(image.data), [image.height, image.width, 3], 'int32'), boxes: tf.tensor(boxes, [n, 4], 'float32') };
    const [kp, sc] = model.execute(inputs, ['keypoints', 'scores']) as Tensor[];
    try {
      return check(file, boxes, k, { keypoints: (await kp.data()) as Float32Array, scores: (await sc.data()) as Float32Array });
    } finally {
      for (const t of [kp, sc, inputs.image, inputs.boxes]) t.dispose();
    }
  };
}
