/**
 * Image decoding and encoding through `sharp` (libvips + libjpeg-turbo; prebuilt
 * binaries from the npm registry, nothing downloaded at install time).
 *
 * Decoding follows MMPose's `mmcv.imread(path, 'color', channel_order='rgb')` =
 * `cv2.imread(IMREAD_COLOR)` + BGR->RGB (spec §2): 8-bit RGB HWC, EXIF orientation
 * applied, grey expanded to three channels, alpha dropped, and **no colour management**
 * (OpenCV ignores embedded ICC profiles, so `keepIccProfile()` stops sharp from
 * converting to sRGB; with the conversion, COCO image 785 differs by up to 54 levels).
 * For baseline JPEGs libvips uses libjpeg-turbo's default islow IDCT with fancy
 * upsampling, as OpenCV does: image 785 decodes bit-equal to OpenCV 4.6.
 */
import sharp, { type OutputInfo } from 'sharp';
import { PosePortError } from '../core/errors.js';
import { writeFileReplacing } from '../core/file-sink.js';
import type { ImageU8 } from '../core/image.js';

export type { ImageU8 } from '../core/image.js';

/** Decodes an image file or its bytes to 8-bit RGB, as `cv2.imread(IMREAD_COLOR)` then BGR->RGB. */
export async function decodeImage(input: string | Uint8Array): Promise<ImageU8> {
  const file = typeof input === 'string' ? input : undefined;
  let raw: { data: Buffer; info: OutputInfo };
  try {
    const img = sharp(typeof input === 'string' ? input : Buffer.from(input.buffer, input.byteOffset, input.byteLength), {
      failOn: 'error',
      limitInputPixels: 1 << 30,
    });
    const meta = await img.metadata();
    let pipeline = img.rotate().keepIccProfile();
    if (meta.space === 'cmyk') pipeline = pipeline.toColourspace('srgb');
    raw = await pipeline.raw().toBuffer({ resolveWithObject: true });
  } catch (e) {
    if (e instanceof PosePortError) throw e;
    throw new PosePortError('IMAGE_FORMAT', `cannot decode image: ${(e as Error).message}`, { file });
  }
  const { width, height, channels } = raw.info;
  // bytes per sample: 1 (uchar) or 2 (ushort, 16-bit PNG/TIFF)
  const bytesPerSample = raw.data.byteLength / (width * height * channels);
  const depth = bytesPerSample === 1 ? 'uchar' : bytesPerSample === 2 ? 'ushort' : `${bytesPerSample}-byte`;
  let src: ArrayLike<number>;
  if (depth === 'uchar') src = new Uint8Array(raw.data.buffer, raw.data.byteOffset, raw.data.byteLength);
  else if (depth === 'ushort') src = new Uint16Array(raw.data.buffer.slice(raw.data.byteOffset, raw.data.byteOffset + raw.data.byteLength));
  else throw new PosePortError('IMAGE_FORMAT', `unsupported sample format '${depth}'`, { file });
  // 16-bit: OpenCV's PNG reader strips the low byte (png_set_strip_16)
  const to8 = depth === 'ushort' ? (v: number) => v >> 8 : (v: number) => v;
  const n = width * height;
  const out = new Uint8Array(n * 3);
  if (channels >= 3) {
    for (let i = 0; i < n; i++) {
      out[3 * i] = to8(src[i * channels]);
      out[3 * i + 1] = to8(src[i * channels + 1]);
      out[3 * i + 2] = to8(src[i * channels + 2]);
    }
  } else if (channels >= 1) {
    for (let i = 0; i < n; i++) {
      const v = to8(src[i * channels]);
      out[3 * i] = v;
      out[3 * i + 1] = v;
      out[3 * i + 2] = v;
    }
  } else {
    throw new PosePortError('IMAGE_FORMAT', `image has ${channels} channels`, { file });
  }
  return { data: out, width, height, channels: 3 };
}

function checkImage(img: ImageU8): void {
  if (![1, 3, 4].includes(img.channels) || img.data.length !== img.width * img.height * img.channels) {
    throw new PosePortError('IMAGE_FORMAT', `image buffer holds ${img.data.length} bytes for ${img.width}x${img.height}x${img.channels}`);
  }
}

/** Encodes an 8-bit HWC image (1, 3 or 4 channels) as PNG. */
export async function encodePng(img: ImageU8): Promise<Buffer> {
  checkImage(img);
  return sharp(Buffer.from(img.data.buffer, img.data.byteOffset, img.data.byteLength), {
    raw: { width: img.width, height: img.height, channels: img.channels as 1 | 3 | 4 },
  })
    .png()
    .toBuffer();
}

/** Encodes an 8-bit HWC image (1 or 3 channels) as JPEG. */
export async function encodeJpeg(img: ImageU8, quality = 90): Promise<Buffer> {
  checkImage(img);
  return sharp(Buffer.from(img.data.buffer, img.data.byteOffset, img.data.byteLength), {
    raw: { width: img.width, height: img.height, channels: img.channels as 1 | 3 | 4 },
  })
    .jpeg({ quality })
    .toBuffer();
}

/** The format an output image path asks for by its extension; USAGE when it names none. */
export function imageOutputFormat(path: string): 'png' | 'jpeg' {
  const lower = path.toLowerCase();
  if (lower.endsWith('.jpg') || lower.endsWith('.jpeg')) return 'jpeg';
  if (lower.endsWith('.png')) return 'png';
  throw new PosePortError('USAGE', `cannot tell the image format of '${path}' (use .png, .jpg or .jpeg)`, { file: path });
}

/**
 * Writes `img` to `path` as PNG or JPEG, chosen by the extension: encoded in memory,
 * then written beside the path and renamed over it (no partial image on a failure).
 */
export async function writeImage(path: string, img: ImageU8): Promise<void> {
  checkImage(img);
  const format = imageOutputFormat(path);
  const s = sharp(Buffer.from(img.data.buffer, img.data.byteOffset, img.data.byteLength), {
    raw: { width: img.width, height: img.height, channels: img.channels as 1 | 3 | 4 },
  });
  let bytes: Buffer;
  try {
    bytes = await (format === 'jpeg' ? s.jpeg({ quality: 90 }) : s.png()).toBuffer();
  } catch (e) {
    throw new PosePortError('IO', `cannot encode image: ${(e as Error).message}`, { file: path });
  }
  writeFileReplacing(path, bytes);
}
