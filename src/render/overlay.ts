/**
 * Skeleton overlay on an RGB image: person boxes, limbs as thick anti-aliased segments,
 * keypoints as filled discs. Keypoints (and the limbs touching them) whose score is at
 * or below `kptThr` are not drawn, as MMPose's `imshow_keypoints` (kpt_score_thr 0.3).
 * Pure pixel code on an `ImageU8`; encoding is src/io/image.ts's job.
 */
import { PosePortError } from '../core/errors.js';
import type { ImageU8 } from '../core/image.js';

export interface OverlayPerson {
  bbox?: readonly number[];
  /** [K] of [x, y, score] */
  keypoints: readonly (readonly number[])[];
}

export interface OverlayOptions {
  skeleton: readonly (readonly [number, number])[];
  /** keypoints with score <= kptThr are skipped (default 0.3) */
  kptThr?: number;
  /** limb width in pixels (default: image size / 160, at least 2) */
  lineWidth?: number;
  /** keypoint disc radius in pixels (default: 1.5 x line width) */
  radius?: number;
  /** draw the person boxes (default true) */
  boxes?: boolean;
}

type RGB = readonly [number, number, number];

/** A colour per index, evenly spaced in hue (fully saturated, bright). */
export function paletteColor(i: number, n: number): RGB {
  const h = ((i * 360) / Math.max(1, n)) % 360;
  const f = (k: number) => {
    const kk = (k + h / 60) % 6;
    return Math.round(255 * (1 - Math.max(0, Math.min(kk, 4 - kk, 1))));
  };
  return [f(5), f(3), f(1)];
}

function blend(img: ImageU8, x: number, y: number, c: RGB, alpha: number): void {
  if (x < 0 || y < 0 || x >= img.width || y >= img.height || alpha <= 0) return;
  const a = Math.min(1, alpha);
  const p = (y * img.width + x) * img.channels;
  for (let ch = 0; ch < 3; ch++) img.data[p + ch] = Math.round(img.data[p + ch] * (1 - a) + c[ch] * a);
}

/** A segment of width `w` with round caps; the edge is anti-aliased over one pixel. */
export function drawSegment(img: ImageU8, x0: number, y0: number, x1: number, y1: number, w: number, c: RGB): void {
  const r = w / 2;
  const minX = Math.max(0, Math.floor(Math.min(x0, x1) - r - 1));
  const maxX = Math.min(img.width - 1, Math.ceil(Math.max(x0, x1) + r + 1));
  const minY = Math.max(0, Math.floor(Math.min(y0, y1) - r - 1));
  const maxY = Math.min(img.height - 1, Math.ceil(Math.max(y0, y1) + r + 1));
  const dx = x1 - x0;
  const dy = y1 - y0;
  const len2 = dx * dx + dy * dy;
  for (let y = minY; y <= maxY; y++) {
    for (let x = minX; x <= maxX; x++) {
      // distance from the pixel centre to the segment
      const px = x + 0.5 - x0;
      const py = y + 0.5 - y0;
      const t = len2 > 0 ? Math.max(0, Math.min(1, (px * dx + py * dy) / len2)) : 0;
      const ex = px - t * dx;
      const ey = py - t * dy;
      const d = Math.sqrt(ex * ex + ey * ey);
      blend(img, x, y, c, r + 0.5 - d);
    }
  }
}

/** A filled disc (a zero-length segment). */
export function drawDisc(img: ImageU8, x: number, y: number, radius: number, c: RGB): void {
  drawSegment(img, x, y, x, y, 2 * radius, c);
}

/** A rectangle outline `[x, y, w, h]`. */
export function drawRect(img: ImageU8, bbox: readonly number[], w: number, c: RGB): void {
  const [x, y, bw, bh] = bbox;
  drawSegment(img, x, y, x + bw, y, w, c);
  drawSegment(img, x + bw, y, x + bw, y + bh, w, c);
  drawSegment(img, x + bw, y + bh, x, y + bh, w, c);
  drawSegment(img, x, y + bh, x, y, w, c);
}

/** Returns a copy of `image` (RGB) with the persons drawn on it. */
export function drawPoses(image: ImageU8, persons: readonly OverlayPerson[], opts: OverlayOptions): ImageU8 {
  if (image.channels !== 3 || image.data.length !== image.width * image.height * 3)
    throw new PosePortError('IMAGE_FORMAT', `overlay needs an RGB image, got ${image.width}x${image.height}x${image.channels} (${image.data.length} bytes)`);
  const out: ImageU8 = { ...image, data: image.data.slice() };
  const thr = opts.kptThr ?? 0.3;
  const lw = opts.lineWidth ?? Math.max(2, Math.round(Math.min(image.width, image.height) / 160));
  const radius = opts.radius ?? lw * 1.5;
  const ok = (p: readonly number[] | undefined): p is readonly number[] =>
    p !== undefined && Number.isFinite(p[0]) && Number.isFinite(p[1]) && (p.length < 3 || p[2] > thr);
  for (const person of persons) {
    if (opts.boxes !== false && person.bbox) drawRect(out, person.bbox, Math.max(1, lw / 2), [0, 255, 0]);
    opts.skeleton.forEach(([a, b], i) => {
      const pa = person.keypoints[a];
      const pb = person.keypoints[b];
      if (ok(pa) && ok(pb)) drawSegment(out, pa[0], pa[1], pb[0], pb[1], lw, paletteColor(i, opts.skeleton.length));
    });
    person.keypoints.forEach((p, k) => {
      if (ok(p)) {
        drawDisc(out, p[0], p[1], radius + 1, [255, 255, 255]);
        drawDisc(out, p[0], p[1], radius, paletteColor(k, person.keypoints.length));
      }
    });
  }
  return out;
}
