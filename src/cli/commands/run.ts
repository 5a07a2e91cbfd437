import { PosePortError } from '../../core/errors.js';
import { DEFAULT_IMAGE_FORMATS, type DecodeImageOptions } from '../../io/image.js';
import { runImage } from '../../pipeline/run.js';
import type { FlagSpec } from '../args.js';
import { defineCommand } from '../command.js';

/** --tfjs-backend of run and eval */
export const TFJS_BACKEND_FLAG = { type: 'string', choices: ['cpu', 'wasm'], arg: 'cpu|wasm', help: 'TF.js backend (default wasm)' } as const satisfies FlagSpec;

/** --execution-provider, given once or more, each a name or a comma-separated list, in order of preference */
export function executionProviderFlag(command: string, v: readonly string[]): string[] | undefined {
  if (v.length === 0) return undefined;
  const names = v.flatMap((s) => s.split(',')).map((s) => s.trim());
  if (names.some((n) => n === '')) throw new PosePortError('USAGE', `${command}: --execution-provider expects provider names such as cpu or cuda,cpu, got '${v.join(' ')}'`);
  return names;
}

export const EXECUTION_PROVIDER_FLAG = {
  type: 'string',
  arg: 'EP[,EP]',
  multiple: true,
  help: "ONNX: onnxruntime execution provider(s) in order of preference (cpu, cuda, tensorrt, webgpu: what this build has; default cpu)",
} as const satisfies FlagSpec;

/** The image limit flags of run and eval. */
export const MAX_PIXELS_FLAG = { type: 'number', int: true, min: 1, arg: 'N', help: 'refuse images above N pixels, width x height (default 100000000: 100 MP)' } as const satisfies FlagSpec;
export const ALLOW_SVG_FLAG = {
  type: 'boolean',
  help: 'also accept SVG images (refused by default: a vector image can declare any size and pull in other files)',
} as const satisfies FlagSpec;

/** The image decoding options of --max-pixels and --allow-svg. */
export function imageOptions(maxPixels: number | undefined, allowSvg: boolean): Omit<DecodeImageOptions, 'key'> {
  return { ...(maxPixels !== undefined ? { maxPixels } : {}), ...(allowSvg ? { formats: [...DEFAULT_IMAGE_FORMATS, 'svg'] } : {}) };
}

/** Parses `--bbox x,y,w,h`. */
export function parseBboxFlag(v: string): [number, number, number, number] {
  const parts = v.split(',').map((s) => s.trim());
  const nums = parts.map(Number);
  if (parts.length !== 4 || parts.some((p) => p === '') || !nums.every(Number.isFinite))
    throw new PosePortError('USAGE', `--bbox expects x,y,w,h (four numbers), got '${v}'`);
  return [nums[0], nums[1], nums[2], nums[3]];
}

const fmt = (v: number, d = 2) => (Number.isFinite(v) ? v.toFixed(d) : String(v));

export const runCommand = defineCommand({
  name: 'run',
  summary: 'estimate the poses in one image with a converted model (ONNX or TF.js)',
  usage: 'run <model.onnx | model.json | DIR> <image> [--bbox x,y,w,h | --dets dets.json] [--overlay out.png] [--no-flip] [--json]',
  description: [
    'Crops each person box as MMPose does (center/scale with 1.25 padding, OpenCV-exact affine warp), runs the model',
    '(flip test and decoding as the model metadata records them) and prints the keypoints in image pixels with their',
    'scores. Without --bbox/--dets the whole image is one box. --overlay draws the skeletons (PNG or JPEG).',
  ].join('\n'),
  flags: {
    bbox: { type: 'string', arg: 'x,y,w,h', help: 'a person box (may be given several times)', multiple: true },
    dets: { type: 'string', arg: 'FILE', help: 'person boxes: a COCO detection list (entries of this image id) or [{bbox, score}]' },
    'det-thr': { type: 'number', arg: 'S', help: 'drop detections with score < S (default 0)' },
    overlay: { type: 'string', arg: 'FILE', help: 'write the image with the skeletons drawn (.png, .jpg)' },
    'kpt-thr': { type: 'number', arg: 'S', help: 'overlay: skip keypoints with score <= S (default 0.3)' },
    'no-flip': { type: 'boolean', help: 'no flip test, whatever the model metadata says' },
    batch: { type: 'number', int: true, min: 1, arg: 'N', help: 'crops per model call (default 8)' },
    'tfjs-backend': TFJS_BACKEND_FLAG,
    'max-pixels': MAX_PIXELS_FLAG,
    'allow-svg': ALLOW_SVG_FLAG,
    'execution-provider': EXECUTION_PROVIDER_FLAG,
    json: { type: 'boolean', help: 'print the persons as JSON' },
  },
  async run(args, io) {
    if (args.positionals.length !== 2) throw new PosePortError('USAGE', 'run: expected a model and an image');
    const [modelPath, imagePath] = args.positionals;
    const f = args.flags;
    const r = await runImage(modelPath, imagePath, {
      boxes: f.bbox.map((b) => ({ bbox: parseBboxFlag(b), score: 1 })),
      ...(f.dets !== undefined ? { dets: { file: f.dets, minScore: f['det-thr'] } } : {}),
      ...(f.overlay !== undefined ? { overlay: { file: f.overlay, kptThr: f['kpt-thr'] } } : {}),
      flip: f['no-flip'] ? false : undefined,
      batchSize: f.batch,
      model: { tfjsBackend: f['tfjs-backend'], executionProviders: executionProviderFlag('run', f['execution-provider']) },
      image: imageOptions(f['max-pixels'], f['allow-svg']),
    });
    const names = r.keypointNames;
    if (f.json) {
      io.stdout(
        JSON.stringify(
          {
            ok: true,
            model: r.model,
            image: { file: r.imageFile, ...r.image },
            keypoint_names: names,
            persons: r.persons.map((p) => ({ bbox: p.bbox, bbox_score: p.bboxScore, score: p.score, center: p.center, scale: p.scale, keypoints: p.keypoints })),
            ...(r.overlay !== undefined ? { overlay: r.overlay } : {}),
          },
          null,
          2,
        ) + '\n',
      );
    } else {
      io.stdout(`${r.persons.length} person(s) in ${r.imageFile} (${r.image.width}x${r.image.height}), ${r.model.runtime}\n`);
      const w = Math.max(...names.map((n) => n.length));
      r.persons.forEach((p, i) => {
        io.stdout(`person ${i}: bbox [${p.bbox.map((v) => fmt(v, 1)).join(', ')}] box score ${fmt(p.bboxScore, 3)}, pose score ${fmt(p.score, 3)}\n`);
        p.keypoints.forEach(([x, y, s], k) => io.stdout(`  ${names[k].padEnd(w)}  ${fmt(x, 1).padStart(7)} ${fmt(y, 1).padStart(7)}  ${fmt(s, 3)}\n`));
      });
      if (r.overlay !== undefined) io.stdout(`wrote ${r.overlay}\n`);
    }
    return 0;
  },
});
