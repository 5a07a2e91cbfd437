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
import type { OutputInfo, Sharp, SharpOptions } from 'sharp';
import { PosePortError } from '../core/errors.js';
import { readRegularFile } from '../core/regular-file.js';
import { writeFileReplacing } from '../core/file-sink.js';
import type { ImageU8 } from '../core/image.js';

/**
 * sharp, loaded on first use: its native library takes a noticeable part of a command's
 * start-up, and most commands (convert, inspect, zoo, verify without eval) decode no image.
 */
async function sharp(input: Buffer | Uint8Array, options: SharpOptions): Promise<Sharp> {
  const { default: load } = await import('sharp');
  return load(input, options);
}

export type { ImageU8 } from '../core/image.js';

/**
 * The most pixels (width x height) an image may have unless the caller raises it: 100
 * megapixels, above every common camera (a 108 MP phone photo needs the flag) and far
 * below a decompression bomb (a 30000x30000 PNG is 900 MP, ~2.7 GB decoded). Decoding an
 * image at the limit takes about 3 bytes x 100 M in libvips plus the same for the RGB copy.
 */
export const DEFAULT_MAX_PIXELS = 100_000_000;
/** The largest image file read (a 100 MP PNG of noise is ~300 MB). */
export const MAX_IMAGE_FILE_BYTES = 512 * 1024 * 1024;

/** Raster formats pose-port decodes, told apart by their magic bytes; 'svg' only when asked for. */
export const IMAGE_FORMATS = ['jpeg', 'png', 'webp', 'tiff', 'gif', 'svg'] as const;
export type ImageFormat = (typeof IMAGE_FORMATS)[number];
/** What `decodeImage` accepts by default: the raster photo formats (no SVG: a vector image can claim any size and pull in other files). */
export const DEFAULT_IMAGE_FORMATS: readonly ImageFormat[] = ['jpeg', 'png', 'webp', 'tiff', 'gif'];

export interface DecodeImageOptions {
  /** the pixel limit (width x height); default DEFAULT_MAX_PIXELS */
  maxPixels?: number;
  /** the formats accepted; default DEFAULT_IMAGE_FORMATS */
  formats?: readonly ImageFormat[];
  /** the annotation field the path came from, for errors (e.g. 'images[3].file_name') */
  key?: string;
}

/** The raster format the first bytes say, or undefined (SVG is text and has no magic). */
export function probeImageFormat(b: Uint8Array): Exclude<ImageFormat, 'svg'> | undefined {
  const at = (o: number, ...v: number[]) => v.every((x, i) => b[o + i] === x);
  if (at(0, 0xff, 0xd8, 0xff)) return 'jpeg';
  if (at(0, 0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a)) return 'png';
  if (at(0, 0x52, 0x49, 0x46, 0x46) && at(8, 0x57, 0x45, 0x42, 0x50)) return 'webp';
  if (at(0, 0x49, 0x49, 0x2a, 0x00) || at(0, 0x4d, 0x4d, 0x00, 0x2a)) return 'tiff';
  if (at(0, 0x47, 0x49, 0x46, 0x38)) return 'gif';
  return undefined;
}

const hex = (b: Uint8Array) => Array.from(b.subarray(0, 8), (x) => x.toString(16).padStart(2, '0')).join(' ');

/**
 * Decodes an image file or its bytes to 8-bit RGB, as `cv2.imread(IMREAD_COLOR)` then BGR->RGB.
 * The input is untrusted: a path must name a regular file of at most MAX_IMAGE_FILE_BYTES,
 * the format is probed from the bytes and must be one of `opts.formats`, and the size the
 * header declares must be within `opts.maxPixels` before anything is decoded.
 */
export async function decodeImage(input: string | Uint8Array, opts: DecodeImageOptions = {}): Promise<ImageU8> {
  const file = typeof input === 'string' ? input : undefined;
  const key = opts.key;
  const maxPixels = opts.maxPixels ?? DEFAULT_MAX_PIXELS;
  const formats = opts.formats ?? DEFAULT_IMAGE_FORMATS;
  const bytes =
    typeof input === 'string'
      ? readRegularFile(input, { what: 'image', maxBytes: MAX_IMAGE_FILE_BYTES, code: 'IMAGE_FORMAT', key })
      : Buffer.from(input.buffer, input.byteOffset, input.byteLength);
  if (bytes.byteLength > MAX_IMAGE_FILE_BYTES)
    throw new PosePortError('IMAGE_FORMAT', `the image is ${bytes.byteLength} bytes, above the ${MAX_IMAGE_FILE_BYTES}-byte limit`, { file, key });
  const probed = probeImageFormat(bytes);
  if (probed === undefined && !formats.includes('svg'))
    throw new PosePortError('IMAGE_FORMAT', `not a ${formats.join(', ')} image (first bytes ${hex(bytes)})`, { file, key });
  if (probed !== undefined && !formats.includes(probed))
    throw new PosePortError('IMAGE_FORMAT', `a ${probed} image, which is not accepted here (accepted: ${formats.join(', ')})`, { file, key });
  const tooLarge = (w: number, h: number) =>
    new PosePortError('IMAGE_FORMAT', `the image is ${w}x${h} = ${(w * h / 1e6).toFixed(1)} megapixels, above the limit of ${(maxPixels / 1e6).toFixed(1)} (raise it with --max-pixels)`, {
      file,
      key,
      details: { width: w, height: h, maxPixels },
    });
  let raw: { data: Buffer; info: OutputInfo };
  try {
    // the header alone first (sharp's own limit would refuse without saying the size), then the decode under the limit
    const meta = await (await sharp(bytes, { failOn: 'error', limitInputPixels: false })).metadata();
    const want = probed ?? 'svg';
    if (meta.format !== want) throw new PosePortError('IMAGE_FORMAT', `the bytes look like ${want} but decode as '${String(meta.format)}'`, { file, key });
    const w = meta.width ?? 0;
    const h = meta.height ?? 0;
    if (!(w > 0 && h > 0)) throw new PosePortError('IMAGE_FORMAT', `the image header declares a size of ${w}x${h}`, { file, key });
    if (w * h > maxPixels) throw tooLarge(w, h);
    const img = await sharp(bytes, { failOn: 'error', limitInputPixels: maxPixels });
    let pipeline = img.rotate().keepIccProfile();
    if (meta.space === 'cmyk') pipeline = pipeline.toColourspace('srgb');
    raw = await pipeline.raw().toBuffer({ resolveWithObject: true });
  } catch (e) {
    if (e instanceof PosePortError) throw e;
    throw new PosePortError('IMAGE_FORMAT', `cannot decode image: ${(e as Error).message}`, { file, key });
  }
  const { width, height, channels } = raw.info;
  if (width * height > maxPixels) throw tooLarge(width, height);
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
  return (
    await sharp(Buffer.from(img.data.buffer, img.data.byteOffset, img.data.byteLength), {
      raw: { width: img.width, height: img.height, channels: img.channels as 1 | 3 | 4 },
    })
  )
    .png()
    .toBuffer();
}

/** Encodes an 8-bit HWC image (1 or 3 channels) as JPEG. */
export async function encodeJpeg(img: ImageU8, quality = 90): Promise<Buffer> {
  checkImage(img);
  return (
    await sharp(Buffer.from(img.data.buffer, img.data.byteOffset, img.data.byteLength), {
      raw: { width: img.width, height: img.height, channels: img.channels as 1 | 3 | 4 },
    })
  )
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
  const s = await sharp(Buffer.from(img.data.buffer, img.data.byteOffset, img.data.byteLength), {
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
