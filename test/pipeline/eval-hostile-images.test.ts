/**
 * Annotation files and images as untrusted input of `eval` and `run`: an annotation's
 * `file_name` may not leave `--images` (`..`, an absolute path, a symlink leading out, a
 * number), and the images it names are decoded under the image limits (a PNG bomb, a FIFO).
 * Each is exit 2 naming the annotation file and the field, before any inference for the
 * name checks. The model is the bundled default checkpoint converted to ONNX.
 */
import test from 'ava';
import { copyFileSync, mkdirSync, readFileSync, symlinkSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { execFileSync } from 'node:child_process';
import { convertCheckpoint } from '../../src/pipeline/convert.js';
import { ROOT } from '../helpers/ckpt.js';
import { runCli } from '../helpers/cli.js';
import { bombPng } from '../helpers/hostile-images.js';
import { COCO, workDir } from './converted.js';

const work = workDir('eval-hostile');
let model = '';
const images = join(work.dir, 'images');
const gt = JSON.parse(readFileSync(join(COCO, 'test_coco.json'), 'utf8'));

test.before(async () => {
  const out = join(work.dir, 'tiny');
  await convertCheckpoint(join(ROOT, 'fixtures', 'default', 'tiny_res_simplebaseline.pth'), { out, formats: ['onnx'] });
  model = join(out, 'model.onnx');
  mkdirSync(images);
  for (const img of gt.images) copyFileSync(join(COCO, img.file_name), join(images, img.file_name));
});
test.after.always(() => work.cleanup());

/** An annotation file whose images[1].file_name is `name`. */
function annWith(tag: string, name: unknown): string {
  const a = structuredClone(gt);
  a.images[1].file_name = name;
  const f = join(work.dir, `ann-${tag}.json`);
  writeFileSync(f, JSON.stringify(a));
  return f;
}

function evalWith(ann: string, ...more: string[]) {
  return runCli(['eval', model, '--ann', ann, '--images', images, '--json', ...more], { timeoutMs: 60_000 });
}

function refused(t: any, r: ReturnType<typeof runCli>, code: string, pattern: RegExp, ann: string) {
  t.is(r.code, 2, r.stderr);
  const e = JSON.parse(r.stdout).error;
  t.is(e.code, code);
  t.regex(e.message, pattern);
  t.is(e.key, 'images[1].file_name');
  t.true(r.stderr.includes(ann), 'the message names the annotation file');
}

test('file_name with .., absolute, a number, empty: ANNOTATION_FORMAT naming the file and the field', (t) => {
  const cases: [string, unknown, RegExp][] = [
    ['dotdot', `../images/${gt.images[1].file_name}`, /images\[1\]\.file_name is '\.\.\/images\/.*': '\.\.' would leave the image's directory/],
    ['dotdot-inner', `x/../../${gt.images[1].file_name}`, /'\.\.' would leave/],
    ['absolute', join(COCO, gt.images[1].file_name), /is an absolute path/],
    ['number', 40083, /must be a string naming the image, got number/],
    ['empty', '', /is empty/],
  ];
  for (const [tag, name, pattern] of cases) {
    const ann = annWith(tag, name);
    const r = evalWith(ann);
    refused(t, r, 'ANNOTATION_FORMAT', pattern, ann);
  }
});

test('a symlink in --images leading outside it is refused (resolved, then checked); one inside is followed', (t) => {
  symlinkSync(join(COCO, gt.images[1].file_name), join(images, 'escape.jpg'));
  const ann = annWith('symlink', 'escape.jpg');
  refused(t, evalWith(ann), 'ANNOTATION_FORMAT', /images\[1\]\.file_name 'escape\.jpg' resolves to '.*', outside '.*images'/, ann);
  // a missing image: IO naming the field, before any inference
  const missing = annWith('missing', 'nope.jpg');
  refused(t, evalWith(missing), 'IO', /cannot find the image 'nope\.jpg' that images\[1\]\.file_name names/, missing);
  // a link that stays inside is fine
  mkdirSync(join(images, 'sub'));
  symlinkSync(join('..', gt.images[1].file_name), join(images, 'sub', 'inside.jpg'));
  const ok = evalWith(annWith('inside', 'sub/inside.jpg'));
  t.is(ok.code, 0, ok.stderr);
});

test('an image the annotation names that is a PNG bomb or a FIFO: IMAGE_FORMAT naming the field and the image, no hang', async (t) => {
  writeFileSync(join(images, 'bomb.png'), await bombPng(12000));
  const ann = annWith('bomb', 'bomb.png');
  refused(t, evalWith(ann), 'IMAGE_FORMAT', /images\[1\]\.file_name of .*: the image is 12000x12000 = 144\.0 megapixels, above the limit of 100\.0/, ann);
  execFileSync('mkfifo', [join(images, 'pipe.jpg')]);
  const fifo = annWith('fifo', 'pipe.jpg');
  refused(t, evalWith(fifo), 'IMAGE_FORMAT', /the image is a FIFO \(named pipe\), not a regular file/, fifo);
});

test('run: the bomb and a 123-byte SVG are refused with exit 2 in well under the time a decode would take', async (t) => {
  const bomb = join(work.dir, 'bomb-run.png');
  writeFileSync(bomb, await bombPng(12000));
  const r = runCli(['run', model, bomb, '--json'], { timeoutMs: 60_000 });
  t.is(r.code, 2, r.stderr);
  t.is(JSON.parse(r.stdout).error.code, 'IMAGE_FORMAT');
  const svg = join(work.dir, 'tiny.svg');
  writeFileSync(svg, '<svg xmlns="http://www.w3.org/2000/svg" width="60000" height="60000"><rect width="60000" height="60000" fill="red"/></svg>');
  const s = runCli(['run', model, svg], { timeoutMs: 60_000 });
  t.is(s.code, 2);
  t.regex(s.stderr, /\[IMAGE_FORMAT\]: not a jpeg, png, webp, tiff, gif image/);
  const asked = runCli(['run', model, svg, '--allow-svg'], { timeoutMs: 60_000 });
  t.is(asked.code, 2);
  t.regex(asked.stderr, /60000x60000 = 3600\.0 megapixels/);
});
