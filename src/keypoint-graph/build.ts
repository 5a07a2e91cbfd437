import { PosePortError } from '../core/errors.js';
import type { Graph } from '../ir/graph.js';
import type { Value } from '../ir/types.js';
import { affineFrame, boxesToCenterScale, centerScaleInputs } from './box.js';
import { cropImage } from './crop.js';
import { decodeDark } from './decode-dark.js';
import { decodeDefault, type Decoded } from './decode-default.js';
import { decodeMegvii } from './decode-megvii.js';
import { combineFlip, mirrorBatch } from './flip.js';
import { normalizeCrops } from './normalize.js';
import { Ops } from './ops.js';
import type { KeypointGraphKind, KeypointGraphSettings } from './settings.js';
import { toImage } from './to-image.js';

/** The input and output names of the keypoint graphs: a contract other programs depend on (docs/keypoint-graphs.md). */
export const KEYPOINT_GRAPH_IO = {
  keypoints: { inputs: ['image', 'boxes'], outputs: ['keypoints', 'scores'] },
  'crop-keypoints': { inputs: ['crops', 'center', 'scale'], outputs: ['keypoints', 'scores'] },
} as const satisfies Record<KeypointGraphKind, { inputs: readonly string[]; outputs: readonly string[] }>;

/**
 * Wraps a network graph (input 'input' [N, 3, Ho, Wo], output 'heatmaps' [N, K, h, w])
 * in MMPose's whole top-down test, in place:
 *
 * - 'keypoints': `image` uint8 [H, W, 3] RGB (any size) and `boxes` float32 [N, 4]
 *   x, y, w, h -> box to center/scale, affine crop, normalisation;
 * - 'crop-keypoints': `crops` float32 [N, 3, Ho, Wo] normalised, `center`, `scale`
 *   float32 [N, 2] (MMPose's center and scale, `scale·200` = crop size in pixels);
 *
 * then the network (on the crops and their mirror images when the settings have the
 * flip test), the decoding the settings name, and the transform back to image pixels:
 * `keypoints` float32 [N, K, 2], `scores` float32 [N, K], and with `heatmapsOutput`
 * the flip-averaged `heatmaps` [N, K, h, w]. N may be 0 (see EMPTY_BATCH).
 *
 * Other outputs of the network are left unconnected (run dead-code after this); the
 * caller verifies the result.
 */
export function buildKeypointGraph(g: Graph, kind: KeypointGraphKind, s: KeypointGraphSettings): Graph {
  const netInput = g.inputs.find((v) => v.name === 'input');
  const netHeatmaps = g.outputs.find((v) => v.name === 'heatmaps');
  if (!netInput || !netHeatmaps || g.inputs.length !== 1)
    throw new PosePortError('GRAPH_INVALID', `a keypoint graph wraps a network with the one input 'input' and the output 'heatmaps'`);
  const [, , ho, wo] = netInput.shape;
  if (ho !== s.inputSize[0] || wo !== s.inputSize[1])
    throw new PosePortError('GRAPH_INVALID', `the network input is ${ho}x${wo}, the settings say ${s.inputSize[0]}x${s.inputSize[1]}`);
  const heatmapSize: [number, number] = [netHeatmaps.shape[2] as number, netHeatmaps.shape[3] as number];

  const network = g.nodes;
  g.nodes = [];
  g.inputs.length = 0;
  g.outputs.length = 0;
  g.rename(netInput, 'network/input');
  g.rename(netHeatmaps, 'network/heatmaps');
  const ops = new Ops(g, kind);

  let crops: Value;
  let frame;
  if (kind === 'keypoints') {
    const image = g.addInput('image', ['H', 'W', 3], 'uint8');
    const boxes = g.addInput('boxes', ['N', 4]);
    frame = affineFrame(ops, boxesToCenterScale(ops, boxes, s.inputSize, s.padding));
    crops = normalizeCrops(ops, cropImage(ops, image, frame, s.inputSize), s.mean, s.std);
  } else {
    crops = g.addInput('crops', ['N', 3, s.inputSize[0], s.inputSize[1]]);
    const center = g.addInput('center', ['N', 2]);
    const scale = g.addInput('scale', ['N', 2]);
    frame = affineFrame(ops, centerScaleInputs(ops, center, scale));
  }

  g.replaceAllUses(netInput, s.flipTest ? mirrorBatch(ops, crops) : crops);
  g.nodes.push(...network);
  g.refreshShapes();

  const heatmaps = s.flipTest ? combineFlip(ops, netHeatmaps, s.flipPairs, s.shiftHeatmap) : netHeatmaps;
  let decoded: Decoded;
  switch (s.method) {
    case 'default':
      decoded = decodeDefault(ops, heatmaps);
      break;
    case 'dark':
      decoded = decodeDark(ops, heatmaps, s.kernel);
      break;
    case 'megvii':
      decoded = decodeMegvii(ops, heatmaps, s.kernel);
      break;
    default:
      throw new PosePortError('USAGE', `unknown decoding '${String(s.method)}'`);
  }
  const keypoints = toImage(ops, decoded.px, decoded.py, frame, heatmapSize);
  g.markOutput(keypoints, 'keypoints');
  g.markOutput(decoded.score, 'scores');
  if (s.heatmapsOutput) g.markOutput(heatmaps, 'heatmaps');
  g.emptyBatch = EMPTY_BATCH;
  return g;
}

/**
 * N may be 0. Some runtimes' kernels fail on an empty batch (onnxruntime-web's WebGPU Conv
 * and ReduceMax, TF.js wasm's Transpose, Mean, Max and Gather), so the graph names its
 * batched inputs with a harmless fill for one spare entry (src/ir/graph.ts EmptyBatch): a
 * 1x1 box at (1, 1), or a black crop at center 0, scale 1. The ONNX emission takes that
 * entry only when the batch is empty; the TF.js emission always runs it in front.
 */
const EMPTY_BATCH = { dim: 'N', fill: { boxes: 1, crops: 0, center: 0, scale: 1 } } as const;
