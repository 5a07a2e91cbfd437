import test from 'ava';
import { createHash } from 'node:crypto';
import { readdirSync } from 'node:fs';
import { join } from 'node:path';
import sharp from 'sharp';
import { decodeImage, encodePng, encodeJpeg } from '../../src/io/image.js';
import { PosePortError } from '../../src/core/errors.js';
import { COCO, MPII } from '../helpers/data.js';
import { readVectors, u8FromB64 } from '../eval/vectors.js';

const sha256 = (b: Uint8Array): string => createHash('sha256').update(b).digest('hex');

test('COCO image 785 decodes bit-equal to cv2.imread + BGR->RGB (affine.json decoded_rgb)', async (t) => {
  const ref = readVectors('affine.json').image;
  const img = await decodeImage(join(COCO, '000000000785.jpg'));
  t.deepEqual([img.height, img.width, img.channels], ref.shape_hwc);
  const expected = u8FromB64(ref.decoded_rgb);
  let differing = 0;
  let maxDiff = 0;
  for (let i = 0; i < expected.length; i++) {
    const d = Math.abs(img.data[i] - expected[i]);
    if (d) differing++;
    maxDiff = Math.max(maxDiff, d);
  }
  t.is(differing, 0, `${differing} values differ, by up to ${maxDiff}`);
  t.is(sha256(img.data), ref.sha256);
  t.is(img.data.reduce((s, v) => s + v, 0), ref.sum);
  for (const p of ref.pixels) t.deepEqual(Array.from(img.data.subarray((p.y * img.width + p.x) * 3, (p.y * img.width + p.x) * 3 + 3)), p.rgb);
});

test('every test data image decodes to 8-bit RGB of its size', async (t) => {
  for (const dir of [COCO, MPII]) {
    for (const f of readdirSync(dir).filter((n) => n.endsWith('.jpg'))) {
      const path = join(dir, f);
      const meta = await sharp(path).metadata();
      const img = await decodeImage(path);
      t.is(img.channels, 3, f);
      t.is(img.data.length, img.width * img.height * 3, f);
      t.deepEqual([img.width, img.height], [meta.width, meta.height], f);
    }
  }
});

test('EXIF orientation is applied (as cv2.imread does)', async (t) => {
  const w = 6;
  const h = 4;
  const data = new Uint8Array(w * h * 3);
  for (let i = 0; i < w * h; i++) data[3 * i] = i * 10; // red ramp
  const jpeg = await sharp(Buffer.from(data), { raw: { width: w, height: h, channels: 3 } }).jpeg({ quality: 100 }).withMetadata({ orientation: 6 }).toBuffer();
  const img = await decodeImage(jpeg);
  t.deepEqual([img.width, img.height], [h, w]);
});

test('grey images expand to three equal channels; PNG round trip is lossless', async (t) => {
  const grey = { data: Uint8Array.from({ length: 12 }, (_, i) => i * 20), width: 4, height: 3, channels: 1 };
  const png = await encodePng(grey);
  const img = await decodeImage(png);
  t.is(img.channels, 3);
  for (let i = 0; i < 12; i++) t.deepEqual(Array.from(img.data.subarray(3 * i, 3 * i + 3)), [grey.data[i], grey.data[i], grey.data[i]]);
  const rgb = { data: Uint8Array.from({ length: 5 * 2 * 3 }, (_, i) => (i * 37) & 255), width: 5, height: 2, channels: 3 };
  t.deepEqual((await decodeImage(await encodePng(rgb))).data, rgb.data);
  const jpg = await decodeImage(await encodeJpeg(rgb));
  t.is(jpg.width, 5);
});

test('undecodable bytes give IMAGE_FORMAT', async (t) => {
  const e = await t.throwsAsync(decodeImage(new Uint8Array([1, 2, 3, 4])));
  t.true(e instanceof PosePortError);
  t.is((e as PosePortError).code, 'IMAGE_FORMAT');
});

test('16-bit PNG decodes to its high byte (OpenCV png_set_strip_16)', async (t) => {
  const rgb = Uint8Array.of(0, 18, 254, 7, 128, 255);
  const png16 = await sharp(Buffer.from(rgb), { raw: { width: 2, height: 1, channels: 3 } }).toColourspace('rgb16').png().toBuffer();
  t.is((await sharp(png16).metadata()).depth, 'ushort');
  const img = await decodeImage(png16);
  t.deepEqual(Array.from(img.data), Array.from(rgb)); // v·257 >> 8 = v
});
