/**
 * The top-down inference core shared by `run` and `eval`: each person (center, scale) is
 * cropped from its image with MMPose's affine warp, normalised into a batch buffer, and
 * batches go through the model; the flip test (per the model metadata) and the decoding
 * (method and kernel from the metadata) give keypoints in image pixels. Time is
 * accounted per stage so `eval` and the benchmark can report the split.
 */
import { PosePortError } from '../core/errors.js';
import { getAffineTransform } from '../eval/affine.js';
import { decodeHeatmaps, type DecodeMethod } from '../eval/decode.js';
import { combineFlipTest } from '../eval/flip.js';
import { flipTensorWidth, toNormalizedTensor } from '../eval/normalize.js';
import type { ImageU8 } from '../core/image.js';
import { warpAffineLinear } from '../eval/warp.js';
import type { PoseModel } from '../artifact/model.js';

/** Milliseconds spent per stage. */
export interface StageTimings {
  /** image file -> RGB pixels */
  decode: number;
  /** affine crop + normalisation into the batch */
  warp: number;
  /** the network (both passes with the flip test) */
  inference: number;
  /** flip combination, heatmap decoding, and (in eval) rescoring, NMS and metrics */
  post: number;
}

export function emptyTimings(): StageTimings {
  return { decode: 0, warp: 0, inference: 0, post: 0 };
}

export interface TopDownOptions {
  /** the flip test; default: the model metadata's decode.flip_test */
  flip?: boolean;
  /** crops per model call (default 8) */
  batchSize?: number;
  /** accumulated into when given */
  timings?: StageTimings;
  /** return each crop's (flip-averaged) heatmaps with its keypoints */
  keepHeatmaps?: boolean;
}

/** One person to estimate: the box as MMPose's center/scale ('float64' for MPII's stored values). */
export interface CropRequest<T> {
  center: readonly [number, number];
  scale: readonly [number, number];
  dtype?: 'float32' | 'float64';
  tag: T;
}

export interface CropResult<T> {
  tag: T;
  center: [number, number];
  scale: [number, number];
  /** [K*3]: x, y (image pixels), score; float32 as MMPose's `preds` */
  preds: Float32Array;
  /** [K, h, w] the heatmaps decoded (flip-averaged with the flip test), with `keepHeatmaps` */
  heatmaps?: Float32Array;
}

export const DEFAULT_BATCH_SIZE = 8;
/** The largest batch input tensor (1 GiB: 1820 crops at 256x192, 809 at 384x288); the flip test doubles it once more. */
export const MAX_BATCH_BYTES = 2 ** 30;

/** The decoding settings of a model's metadata, as `decodeHeatmaps` takes them. */
export function decodeSettings(model: PoseModel): { method: DecodeMethod; kernel: number | undefined; shift: boolean; flipTest: boolean } {
  const d = model.metadata.decode;
  if (d.use_udp) throw new PosePortError('MODEL_FORMAT', `the model uses UDP decoding, which pose-port does not implement`, { file: model.file });
  return { method: d.method, kernel: d.modulate_kernel, shift: d.shift_heatmap, flipTest: d.flip_test };
}

/**
 * The network input of one person: MMPose's affine crop of `image` (center, scale) to the
 * model's input size, normalised with `mean`/`std` into `out` at `offset` ([3, H, W]).
 * The batcher below and verify's crop-keypoints inputs both crop through this.
 */
export function cropInput(
  image: ImageU8,
  req: Pick<CropRequest<unknown>, 'center' | 'scale' | 'dtype'>,
  [H, W]: readonly [number, number],
  mean: readonly number[],
  std: readonly number[],
  out: Float32Array,
  offset: number,
): void {
  const m = getAffineTransform(req.center, req.scale, [W, H], { dtype: req.dtype ?? 'float32' });
  toNormalizedTensor(warpAffineLinear(image, m, W, H), mean, std, out, offset);
}

/**
 * Collects crops into batches of `batchSize`, runs a batch when it is full (or on
 * `flush`), and returns the finished persons in the order they were added.
 * The image of a crop is needed only during `add` (it is warped right away).
 */
export class TopDownBatcher<T> {
  readonly batchSize: number;
  readonly flip: boolean;
  private readonly timings: StageTimings;
  private readonly plane: number;
  private readonly buffer: Float32Array;
  private pending: { center: [number, number]; scale: [number, number]; tag: T }[] = [];
  private readonly settings: ReturnType<typeof decodeSettings>;
  private readonly keepHeatmaps: boolean;

  constructor(
    private readonly model: PoseModel,
    opts: TopDownOptions = {},
  ) {
    const bs = opts.batchSize ?? DEFAULT_BATCH_SIZE;
    if (!Number.isInteger(bs) || bs < 1) throw new PosePortError('USAGE', `batch size must be a positive integer, got ${bs}`);
    const [H, W] = model.inputSize;
    this.plane = 3 * H * W;
    const most = Math.max(1, Math.floor(MAX_BATCH_BYTES / (this.plane * 4)));
    if (bs > most)
      throw new PosePortError(
        'USAGE',
        `batch size ${bs} needs a ${((bs * this.plane * 4) / 2 ** 30).toFixed(1)} GiB input tensor (${bs} x 3 x ${H} x ${W} float32); at most ${most} fit in the ${MAX_BATCH_BYTES / 2 ** 30} GiB limit`,
        { file: model.file, details: { batchSize: bs, max: most } },
      );
    this.batchSize = bs;
    this.settings = decodeSettings(model);
    this.flip = opts.flip ?? this.settings.flipTest;
    this.timings = opts.timings ?? emptyTimings();
    this.keepHeatmaps = opts.keepHeatmaps ?? false;
    this.buffer = new Float32Array(bs * this.plane);
  }

  /** Warps one crop of `image` into the batch; runs the batch when full and returns its persons. */
  async add(image: ImageU8, req: CropRequest<T>): Promise<CropResult<T>[]> {
    const t0 = performance.now();
    const meta = this.model.metadata.input;
    cropInput(image, req, this.model.inputSize, meta.mean, meta.std, this.buffer, this.pending.length * this.plane);
    // the decoder holds center and scale as float32, for MPII too (spec §6)
    const f = Math.fround;
    this.pending.push({ center: [f(req.center[0]), f(req.center[1])], scale: [f(req.scale[0]), f(req.scale[1])], tag: req.tag });
    this.timings.warp += performance.now() - t0;
    return this.pending.length >= this.batchSize ? this.flush() : [];
  }

  /** Runs whatever is pending. */
  async flush(): Promise<CropResult<T>[]> {
    const n = this.pending.length;
    if (n === 0) return [];
    const items = this.pending;
    this.pending = [];
    const [H, W] = this.model.inputSize;
    const [h, w] = this.model.heatmapSize;
    const K = this.model.numKeypoints;
    const input = n === this.batchSize ? this.buffer : this.buffer.subarray(0, n * this.plane);

    let t = performance.now();
    let heatmaps = await this.model.run(input, n);
    let flipped: Float32Array | undefined;
    if (this.flip) {
      const mirrored = flipTensorWidth(input, [n, 3, H, W]);
      flipped = await this.model.run(mirrored, n);
    }
    let now = performance.now();
    this.timings.inference += now - t;
    t = now;

    const shape = [n, K, h, w] as const;
    if (flipped) heatmaps = combineFlipTest(heatmaps, flipped, shape, this.model.metadata.flip_pairs, this.settings.shift);
    const dec = decodeHeatmaps(heatmaps, {
      shape,
      method: this.settings.method,
      kernel: this.settings.kernel,
      center: items.map((p) => p.center),
      scale: items.map((p) => p.scale),
    });
    const out: CropResult<T>[] = items.map((p, i) => {
      const preds = new Float32Array(K * 3);
      for (let k = 0; k < K; k++) {
        preds[3 * k] = dec.keypoints[(i * K + k) * 2];
        preds[3 * k + 1] = dec.keypoints[(i * K + k) * 2 + 1];
        preds[3 * k + 2] = dec.scores[i * K + k];
      }
      const plane = K * h * w;
      return { tag: p.tag, center: p.center, scale: p.scale, preds, ...(this.keepHeatmaps ? { heatmaps: heatmaps.slice(i * plane, (i + 1) * plane) } : {}) };
    });
    now = performance.now();
    this.timings.post += now - t;
    return out;
  }
}
