/**
 * Images as untrusted input: decompression bombs (a PNG whose header declares more pixels
 * than the limit, generated small on disk), formats other than the raster photo formats
 * (SVG unless asked for, PDF, random bytes), and paths that are not regular files (a FIFO
 * must not hang, a symlink to /dev/zero must not be read): each refused with IMAGE_FORMAT
 * naming the file, before anything is decoded.
 */
import test, { type ExecutionContext } from 'ava';
import { execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { PosePortError } from '../../src/core/errors.js';
import { readRegularFile } from '../../src/core/regular-file.js';
import { bombPng } from '../helpers/hostile-images.js';
import { DEFAULT_MAX_PIXELS, decodeImage, encodePng, probeImageFormat } from '../../src/io/image.js';
import { expectPoseError, expectPoseRejection } from '../helpers/errors.js';

const dir = mkdtempSync(join(tmpdir(), 'pose-port-image-limits-'));
test.after.always(() => rmSync(dir, { recursive: true, force: true }));

async function refusal(t: ExecutionContext, p: Promise<unknown>, pattern: RegExp, file?: string): Promise<PosePortError> {
  const e = await expectPoseRejection(t, p, 'IMAGE_FORMAT');
  t.regex(e.message, pattern);
  if (file) t.is(e.file, file);
  return e;
}

test('a 12000x12000 PNG bomb (140 KB on disk, 144 MP) is refused from its header, naming the size and the limit', async (t) => {
  const file = join(dir, 'bomb.png');
  const png = await bombPng(12000);
  t.true(png.length < 200_000, `${png.length} bytes`);
  writeFileSync(file, png);
  const t0 = performance.now();
  const e = await refusal(t, decodeImage(file), /12000x12000 = 144\.0 megapixels, above the limit of 100\.0 \(raise it with --max-pixels\)/, file);
  t.true(performance.now() - t0 < 2000, 'refused before decoding');
  t.deepEqual(e.details, { width: 12000, height: 12000, maxPixels: DEFAULT_MAX_PIXELS });
  // a header declaring 30000x30000 (the 900 MP case) with almost no data
  await refusal(t, decodeImage(await bombPng(30000, true)), /30000x30000 = 900\.0 megapixels/);
  // the limit is the caller's: lower it and a small image is refused, raise it and a large one passes the check
  const small = await encodePng({ data: new Uint8Array(40 * 30 * 3), width: 40, height: 30, channels: 3 });
  await refusal(t, decodeImage(small, { maxPixels: 1000 }), /40x30 = 0\.0 megapixels, above the limit of 0\.0/);
  t.is((await decodeImage(small, { maxPixels: 1200 })).width, 40);
});

test('SVG is refused unless asked for (the 123-byte case), and then rendered within the pixel limit', async (t) => {
  const svg = '<svg xmlns="http://www.w3.org/2000/svg" width="60000" height="60000"><rect width="60000" height="60000" fill="red"/></svg>';
  t.true(svg.length < 130);
  const file = join(dir, 'huge.svg');
  writeFileSync(file, svg);
  await refusal(t, decodeImage(file), /not a jpeg, png, webp, tiff, gif image \(first bytes 3c 73 76 67/, file);
  // asked for: still bounded by the pixel limit
  await refusal(t, decodeImage(file, { formats: ['svg'] }), /60000x60000 = 3600\.0 megapixels/);
  const ok = Buffer.from('<svg xmlns="http://www.w3.org/2000/svg" width="8" height="6"><rect width="8" height="6" fill="#ff0000"/></svg>');
  const img = await decodeImage(ok, { formats: ['svg'] });
  t.deepEqual([img.width, img.height, Array.from(img.data.subarray(0, 3))], [8, 6, [255, 0, 0]]);
});

test('formats are probed from the bytes: PDF and random bytes refused naming the magic; a PNG where only JPEG is accepted refused', async (t) => {
  await refusal(t, decodeImage(Buffer.from('%PDF-1.4\n1 0 obj\n')), /first bytes 25 50 44 46/);
  await refusal(t, decodeImage(Uint8Array.from([1, 2, 3, 4, 5, 6, 7, 8, 9])), /first bytes 01 02 03/);
  const png = await encodePng({ data: new Uint8Array(4 * 4 * 3), width: 4, height: 4, channels: 3 });
  t.is(probeImageFormat(png), 'png');
  await refusal(t, decodeImage(png, { formats: ['jpeg'] }), /a png image, which is not accepted here \(accepted: jpeg\)/);
  // a PNG signature over JPEG bytes: the decoder's own identification must agree
  const liar = Buffer.concat([png.subarray(0, 8), Buffer.from([0xff, 0xd8, 0xff, 0xe0])]);
  await refusal(t, decodeImage(liar), /cannot decode image|decode as/);
});

test('a FIFO and a symlink to /dev/zero as the image: refused at once (no hang, nothing read), a directory too', async (t) => {
  const fifo = join(dir, 'pipe.jpg');
  execFileSync('mkfifo', [fifo]);
  const t0 = performance.now();
  await refusal(t, decodeImage(fifo), /the image is a FIFO \(named pipe\), not a regular file/, fifo);
  const zero = join(dir, 'zero.png');
  symlinkSync('/dev/zero', zero);
  await refusal(t, decodeImage(zero), /the image is a character device, not a regular file/, zero);
  await refusal(t, decodeImage(dir), /the image is a directory, not a regular file/, dir);
  t.true(performance.now() - t0 < 2000);
});

test('readRegularFile: the size bound is checked before reading; a missing file is IO naming it', (t) => {
  const f = join(dir, 'ten.bin');
  writeFileSync(f, Buffer.alloc(10, 7));
  t.deepEqual(Array.from(readRegularFile(f, { what: 'blob', maxBytes: 10 })), new Array(10).fill(7));
  const e = expectPoseError(t, () => readRegularFile(f, { what: 'blob', maxBytes: 9, code: 'MODEL_FORMAT' }), 'MODEL_FORMAT');
  t.regex(e.message, /the blob is 10 bytes, above the 9 bytes limit/);
  const m = expectPoseError(t, () => readRegularFile(join(dir, 'nope'), { what: 'blob', maxBytes: 9 }), 'IO');
  t.is(m.file, join(dir, 'nope'));
});
