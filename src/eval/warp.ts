/**
 * The top-down crop: `cv2.warpAffine(img, M, (Wo, Ho), flags=INTER_LINEAR)` with a
 * constant black border, reproduced in OpenCV's fixed point (spec §3.2): source
 * positions quantised to 1/32 px, integer bilinear weights summing to 32768.
 */
import { PosePortError } from '../core/errors.js';
import type { ImageU8 } from '../core/image.js';
import type { Affine2x3 } from './affine.js';
import { rint } from './numpy-compat.js';



const AB_SCALE = 1024;
const ROUND_DELTA = 16; // AB_SCALE / INTER_TAB_SIZE / 2

function satInt16(v: number): number {
  return v < -32768 ? -32768 : v > 32767 ? 32767 : v;
}

/** OpenCV's `invertAffineTransform` in float64. */
export function invertAffine(m: Affine2x3): Affine2x3 {
  let d = m[0] * m[4] - m[1] * m[3];
  d = d !== 0 ? 1 / d : 0;
  const a00 = m[4] * d;
  const a01 = m[1] * -d;
  const a10 = m[3] * -d;
  const a11 = m[0] * d;
  const b0 = -a00 * m[2] - a01 * m[5];
  const b1 = -a10 * m[2] - a11 * m[5];
  return Float64Array.of(a00, a01, b0, a10, a11, b1);
}

/**
 * Warps `src` with the forward (image -> crop) matrix `m` into an `outW`x`outH` crop,
 * bit-equal to OpenCV's INTER_LINEAR with BORDER_CONSTANT 0.
 */
export function warpAffineLinear(src: ImageU8, m: Affine2x3, outW: number, outH: number): ImageU8 {
  const { width: W, height: H, channels: cn, data: S } = src;
  if (S.length !== W * H * cn) {
    throw new PosePortError('IMAGE_FORMAT', `image data has ${S.length} bytes, expected ${W}x${H}x${cn}`);
  }
  const inv = invertAffine(m);
  const out = new Uint8Array(outW * outH * cn);
  const adelta = new Int32Array(outW);
  const bdelta = new Int32Array(outW);
  for (let x = 0; x < outW; x++) {
    adelta[x] = rint(inv[0] * x * AB_SCALE);
    bdelta[x] = rint(inv[3] * x * AB_SCALE);
  }
  const rowStride = W * cn;
  for (let y = 0; y < outH; y++) {
    const X0 = rint((inv[1] * y + inv[2]) * AB_SCALE) + ROUND_DELTA;
    const Y0 = rint((inv[4] * y + inv[5]) * AB_SCALE) + ROUND_DELTA;
    let o = y * outW * cn;
    for (let x = 0; x < outW; x++, o += cn) {
      const X = (X0 + adelta[x]) >> 5;
      const Y = (Y0 + bdelta[x]) >> 5;
      const sx = satInt16(X >> 5);
      const sy = satInt16(Y >> 5);
      const fx = X & 31;
      const fy = Y & 31;
      const w00 = (32 - fx) * (32 - fy) * 32;
      const w01 = fx * (32 - fy) * 32;
      const w10 = (32 - fx) * fy * 32;
      const w11 = fx * fy * 32;
      if (sx >= 0 && sy >= 0 && sx < W - 1 && sy < H - 1) {
        const p = sy * rowStride + sx * cn;
        for (let c = 0; c < cn; c++) {
          const v = S[p + c] * w00 + S[p + cn + c] * w01 + S[p + rowStride + c] * w10 + S[p + rowStride + cn + c] * w11;
          out[o + c] = (v + 16384) >> 15;
        }
      } else if (sx >= W || sx + 1 < 0 || sy >= H || sy + 1 < 0) {
        // entirely outside: border value 0 (already zero)
      } else {
        const in0 = sy >= 0 && sy < H;
        const in1 = sy + 1 >= 0 && sy + 1 < H;
        const ix0 = sx >= 0 && sx < W;
        const ix1 = sx + 1 >= 0 && sx + 1 < W;
        for (let c = 0; c < cn; c++) {
          const v00 = in0 && ix0 ? S[sy * rowStride + sx * cn + c] : 0;
          const v01 = in0 && ix1 ? S[sy * rowStride + (sx + 1) * cn + c] : 0;
          const v10 = in1 && ix0 ? S[(sy + 1) * rowStride + sx * cn + c] : 0;
          const v11 = in1 && ix1 ? S[(sy + 1) * rowStride + (sx + 1) * cn + c] : 0;
          const v = v00 * w00 + v01 * w01 + v10 * w10 + v11 * w11;
          out[o + c] = (v + 16384) >> 15;
        }
      }
    }
  }
  return { data: out, width: outW, height: outH, channels: cn };
}
