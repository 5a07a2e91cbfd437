import { PosePortError } from '../../core/errors.js';
import { runImage } from '../../pipeline/run.js';
import { defineCommand } from '../command.js';
import { parseBbox } from '../values.js';
import { ALLOW_SVG_FLAG, BATCH_FLAG, EXECUTION_PROVIDER_FLAG, executionProviderFlag, imageOptions, MAX_PIXELS_FLAG, NO_FLIP_FLAG, TFJS_BACKEND_FLAG } from '../inference-flags.js';

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
    bbox: { type: 'value', parse: parseBbox, arg: 'x,y,w,h', help: 'a person box (may be given several times)', multiple: true },
    dets: { type: 'string', arg: 'FILE', help: 'person boxes: a COCO detection list (entries of this image id) or [{bbox, score}]' },
    'det-thr': { type: 'number', arg: 'S', help: 'drop detections with score < S (default 0)' },
    overlay: { type: 'string', arg: 'FILE', help: 'write the image with the skeletons drawn (.png, .jpg)' },
    'kpt-thr': { type: 'number', arg: 'S', help: 'overlay: skip keypoints with score <= S (default 0.3)' },
    'no-flip': NO_FLIP_FLAG,
    batch: BATCH_FLAG,
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
      boxes: f.bbox.map((bbox) => ({ bbox, score: 1 })),
      ...(f.dets !== undefined ? { dets: { file: f.dets, minScore: f['det-thr'] } } : {}),
      ...(f.overlay !== undefined ? { overlay: { file: f.overlay, kptThr: f['kpt-thr'] } } : {}),
      flip: f['no-flip'] ? false : undefined,
      batchSize: f.batch,
      model: { tfjsBackend: f['tfjs-backend'], executionProviders: executionProviderFlag(f['execution-provider']) },
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
