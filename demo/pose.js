// Top-down pose helpers shared by the demo page (demo.js) and the Node test that checks
// it (test/browser/): box -> crop, normalisation, heatmap decoding, skeleton. Plain ES
// module, no dependencies, so the browser and Node run the very same code.

/** COCO keypoint names (17) and the limbs drawn between them. */
export const COCO_KEYPOINTS = [
  'nose', 'left_eye', 'right_eye', 'left_ear', 'right_ear', 'left_shoulder', 'right_shoulder',
  'left_elbow', 'right_elbow', 'left_wrist', 'right_wrist', 'left_hip', 'right_hip',
  'left_knee', 'right_knee', 'left_ankle', 'right_ankle',
];
export const COCO_SKELETON = [
  [15, 13], [13, 11], [16, 14], [14, 12], [11, 12], [5, 11], [6, 12], [5, 6], [5, 7],
  [6, 8], [7, 9], [8, 10], [1, 2], [0, 1], [0, 2], [1, 3], [2, 4], [3, 5], [4, 6],
];

export const IMAGENET_MEAN = [0.485, 0.456, 0.406];
export const IMAGENET_STD = [0.229, 0.224, 0.225];

/**
 * MMPose's box -> (center, scale): the box [x, y, w, h] is widened or heightened to the
 * network's aspect ratio (width / height) and padded by 1.25. Scale is in pixels.
 */
export function boxToCenterScale(box, aspect, padding = 1.25) {
  const [x, y, w0, h0] = box;
  let w = w0;
  let h = h0;
  const center = [x + w * 0.5, y + h * 0.5];
  if (w > aspect * h) h = w / aspect;
  else if (w < aspect * h) w = h * aspect;
  return { center, scale: [w * padding, h * padding] };
}

/**
 * The network input for the crop (center, scale) of an RGBA image: an axis-aligned affine
 * warp (the centre of the box to the centre of the input, no rotation) with bilinear
 * sampling and zero outside the image, like cv2.warpAffine(INTER_LINEAR); RGB scaled to
 * [0, 1] and normalised by mean/std. Returns NHWC and NCHW copies ([1, H, W, 3] / [1, 3, H, W]).
 */
export function cropInput(rgba, imgW, imgH, center, scale, outW, outH, mean = IMAGENET_MEAN, std = IMAGENET_STD) {
  const nhwc = new Float32Array(outH * outW * 3);
  const nchw = new Float32Array(outH * outW * 3);
  const sx = scale[0] / outW;
  const sy = scale[1] / outH;
  const px = (x, y, c) => (x < 0 || y < 0 || x >= imgW || y >= imgH ? 0 : rgba[(y * imgW + x) * 4 + c]);
  for (let v = 0; v < outH; v++) {
    const y = center[1] + (v - outH * 0.5) * sy;
    const y0 = Math.floor(y);
    const fy = y - y0;
    for (let u = 0; u < outW; u++) {
      const x = center[0] + (u - outW * 0.5) * sx;
      const x0 = Math.floor(x);
      const fx = x - x0;
      for (let c = 0; c < 3; c++) {
        const top = px(x0, y0, c) * (1 - fx) + px(x0 + 1, y0, c) * fx;
        const bottom = px(x0, y0 + 1, c) * (1 - fx) + px(x0 + 1, y0 + 1, c) * fx;
        const value = (top * (1 - fy) + bottom * fy) / 255;
        const n = (value - mean[c]) / std[c];
        nhwc[(v * outW + u) * 3 + c] = n;
        nchw[(c * outH + v) * outW + u] = n;
      }
    }
  }
  return { nhwc, nchw };
}

/**
 * Heatmaps -> keypoints in heatmap pixels: per channel the argmax, moved a quarter pixel
 * towards the higher neighbour on each axis (MMPose's default decoding). `layout` says
 * whether `data` is NHWC ([1, h, w, K], TF.js) or NCHW ([1, K, h, w], ONNX).
 * Returns [x, y, maxval] per keypoint.
 */
export function decodeHeatmaps(data, layout, K, h, w) {
  const at = layout === 'NHWC' ? (k, y, x) => data[(y * w + x) * K + k] : (k, y, x) => data[(k * h + y) * w + x];
  const out = [];
  for (let k = 0; k < K; k++) {
    let best = -Infinity;
    let bx = 0;
    let by = 0;
    for (let y = 0; y < h; y++)
      for (let x = 0; x < w; x++) {
        const v = at(k, y, x);
        if (v > best) {
          best = v;
          bx = x;
          by = y;
        }
      }
    let x = bx;
    let y = by;
    if (bx > 0 && bx < w - 1) x += 0.25 * Math.sign(at(k, by, bx + 1) - at(k, by, bx - 1));
    if (by > 0 && by < h - 1) y += 0.25 * Math.sign(at(k, by + 1, bx) - at(k, by - 1, bx));
    out.push([x, y, best]);
  }
  return out;
}

/** Heatmap pixels -> image pixels for the crop (center, scale) (MMPose transform_preds, no shift). */
export function heatmapToImage(points, center, scale, hmW, hmH) {
  return points.map(([x, y, s]) => [x * (scale[0] / hmW) + center[0] - scale[0] * 0.5, y * (scale[1] / hmH) + center[1] - scale[1] * 0.5, s]);
}
