/**
 * TF.js weight quantization, in the manifest's own terms (tfjs-core io/types
 * WeightsManifestEntry.quantization): 'float16' stores IEEE half bits; 'uint8' stores
 * q with value = q * scale + min, per tensor, with 0 exactly representable (the range
 * is widened to include 0 and min nudged onto the grid, as tensorflowjs_converter does).
 */

export type QuantizeDType = 'float16' | 'uint8';

export type Quantization = { dtype: 'float16' } | { dtype: 'uint8'; min: number; scale: number };

const f32 = new Float32Array(1);
const u32 = new Uint32Array(f32.buffer);

/** float32 -> IEEE half bits, round to nearest even; overflow to +-inf, NaN kept. */
export function floatToHalf(v: number): number {
  f32[0] = v;
  const x = u32[0];
  const sign = (x >>> 16) & 0x8000;
  const exp = (x >>> 23) & 0xff;
  let mant = x & 0x7fffff;
  if (exp === 0xff) return sign | 0x7c00 | (mant ? 0x200 : 0);
  const e = exp - 127 + 15;
  if (e >= 0x1f) return sign | 0x7c00;
  if (e <= 0) {
    // half subnormal: h * 2^-24
    if (e < -10) return sign;
    mant |= 0x800000;
    const shift = 14 - e;
    let h = mant >>> shift;
    const rem = mant & ((1 << shift) - 1);
    const half = 1 << (shift - 1);
    if (rem > half || (rem === half && h & 1)) h++;
    return sign | h;
  }
  let h = (e << 10) | (mant >>> 13);
  const rem = mant & 0x1fff;
  if (rem > 0x1000 || (rem === 0x1000 && h & 1)) h++; // a carry into the exponent is the correct rounding
  return sign | h;
}

export function toFloat16Bytes(data: Float32Array): Uint8Array {
  const out = new Uint16Array(data.length);
  for (let i = 0; i < data.length; i++) out[i] = floatToHalf(data[i]);
  return new Uint8Array(out.buffer);
}

/** Affine uint8 quantization of one tensor; returns the bytes and the manifest fields. */
export function toUint8(data: Float32Array): { bytes: Uint8Array; min: number; scale: number } {
  let lo = 0;
  let hi = 0;
  for (let i = 0; i < data.length; i++) {
    const v = data[i];
    if (v < lo) lo = v;
    if (v > hi) hi = v;
  }
  if (!Number.isFinite(lo) || !Number.isFinite(hi)) throw new RangeError('cannot quantize non-finite weights to uint8');
  const bytes = new Uint8Array(data.length);
  if (hi === lo) return { bytes, min: 0, scale: 1 }; // all zeros
  const scale = (hi - lo) / 255;
  const zero = Math.min(255, Math.max(0, Math.round(-lo / scale)));
  const min = -zero * scale;
  for (let i = 0; i < data.length; i++) bytes[i] = Math.min(255, Math.max(0, Math.round((data[i] - min) / scale)));
  return { bytes, min, scale };
}

/** The values TF.js decodes from quantized bytes (for error reports and tests). */
export function dequantizeUint8(bytes: Uint8Array, min: number, scale: number): Float32Array {
  const out = new Float32Array(bytes.length);
  for (let i = 0; i < bytes.length; i++) out[i] = bytes[i] * scale + min;
  return out;
}
