/**
 * What verify runs a keypoint artifact on: the image bundled in the package
 * (fixtures/verify/, provenance in its README) and four person boxes, one of them COCO's
 * ground truth, three reaching past the image's edges. A 'keypoints' artifact takes the
 * image and the boxes; a 'crop-keypoints' artifact the crops the TypeScript pipeline cuts
 * for those boxes (topdown.ts `cropInput`) with their center and scale.
 */
import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import type { ImageU8 } from '../../core/image.js';
import { PosePortError } from '../../core/errors.js';
import type { Inputs } from '../../artifact/outputs.js';
import type { ModelMetadata } from '../../artifact/metadata.js';
import { xywh2cs } from '../../eval/bbox.js';
import type { KeypointGraphKind } from '../../keypoint-graph/index.js';
import { cropInput } from '../topdown.js';

/** x, y, w, h in image pixels; the image is 640x425 */
export const VERIFY_BOXES: readonly (readonly [number, number, number, number])[] = [
  [280.79, 44.73, 218.7, 346.68], // COCO's ground-truth box of the image's person
  [-40, 120, 160, 240], // past the left edge
  [520, 20, 180, 300], // past the right edge
  [150, 300, 200, 200], // past the bottom edge
];

/** the image, relative to the package root */
export const VERIFY_IMAGE = 'fixtures/verify/000000000785.jpg';

/** VERIFY_IMAGE in the package, from src/pipeline/verify/ (tsx) or dist/src/pipeline/verify/ */
export function verifyImagePath(): string {
  for (const up of ['../../../', '../../../../']) {
    const p = fileURLToPath(new URL(up + VERIFY_IMAGE, import.meta.url));
    if (existsSync(p)) return p;
  }
  throw new PosePortError('IO', `the verify image ${VERIFY_IMAGE} is missing from the pose-port package (a broken install?)`);
}

/** The boxes as MMPose's center and scale for the model's input size (as `run` computes them). */
export function centerScales(meta: ModelMetadata, boxes: typeof VERIFY_BOXES): { center: [number, number]; scale: [number, number] }[] {
  const [H, W] = meta.input.size_hw;
  return boxes.map(([x, y, w, h]) => xywh2cs(x, y, w, h, [W, H]));
}

/** The named inputs of a `kind` artifact for `image` and `boxes` (docs/keypoint-graphs.md, I/O contract). */
export function keypointInputs(kind: KeypointGraphKind, meta: ModelMetadata, image: ImageU8, boxes: typeof VERIFY_BOXES): Inputs {
  const n = boxes.length;
  if (kind === 'keypoints')
    return new Map([
      ['image', { data: image.data, shape: [image.height, image.width, 3] }],
      ['boxes', { data: Float32Array.from(boxes.flat()), shape: [n, 4] }],
    ]);
  const [H, W] = meta.input.size_hw;
  const plane = 3 * H * W;
  const crops = new Float32Array(n * plane);
  const cs = centerScales(meta, boxes);
  cs.forEach((c, i) => cropInput(image, { ...c, dtype: 'float32' }, [H, W], meta.input.mean, meta.input.std, crops, i * plane));
  return new Map([
    ['crops', { data: crops, shape: [n, 3, H, W] }],
    ['center', { data: Float32Array.from(cs.flatMap((c) => c.center)), shape: [n, 2] }],
    ['scale', { data: Float32Array.from(cs.flatMap((c) => c.scale)), shape: [n, 2] }],
  ]);
}
