import { PosePortError } from '../../core/errors.js';
import type { EvaluateResult } from '../../pipeline/eval.js';
import { evaluateFile } from '../../pipeline/eval-file.js';
import { defineCommand } from '../command.js';
import { parseShard } from '../values.js';
import { Progress } from '../io.js';
import { ALLOW_SVG_FLAG, BATCH_FLAG, EXECUTION_PROVIDER_FLAG, executionProviderFlag, imageOptions, MAX_PIXELS_FLAG, NO_FLIP_FLAG, TFJS_BACKEND_FLAG } from '../inference-flags.js';

function formatTable(r: EvaluateResult): string {
  const percent = r.dataset === 'mpii';
  const f = (v: number | undefined) => (v === undefined ? '' : Number.isNaN(v) ? 'nan' : percent ? v.toFixed(2) : v.toFixed(4));
  const hasZoo = r.table.some((x) => x.recorded !== undefined);
  const w = Math.max(6, ...r.table.map((x) => x.name.length));
  const head = `  ${'metric'.padEnd(w)}  ${'measured'.padStart(9)}${hasZoo ? `  ${'zoo'.padStart(9)}  ${'diff'.padStart(9)}` : ''}`;
  const lines = r.table.map((x) => {
    const d = x.recorded !== undefined ? x.value - x.recorded : undefined;
    const diff = d === undefined ? '' : `${d >= 0 ? '+' : ''}${f(d)}`;
    return `  ${x.name.padEnd(w)}  ${f(x.value).padStart(9)}${hasZoo ? `  ${f(x.recorded).padStart(9)}  ${diff.padStart(9)}` : ''}`;
  });
  return [head, ...lines].join('\n') + '\n';
}

function timingLine(r: EvaluateResult): string {
  const t = r.timings;
  const ms = (v: number) => `${(v / 1000).toFixed(2)} s`;
  return `time ${ms(t.total)}: decode ${ms(t.decode)}, warp ${ms(t.warp)}, inference ${ms(t.inference)}, post-processing ${ms(t.post)}; ${(r.images / (t.total / 1000)).toFixed(2)} images/s, ${(r.persons / (t.total / 1000)).toFixed(2)} persons/s\n`;
}

export const evalCommand = defineCommand({
  name: 'eval',
  summary: "evaluate a converted model on COCO / COCO-WholeBody / MPII as MMPose's top-down test does",
  usage:
    'eval <model.onnx | model.json | DIR> --ann ann.json --images DIR [--dets dets.json] [--no-flip] [--json] [--expect-ap X --tolerance T] [--batch N]\n' +
    '                [--results FILE [--resume] [--shard i/n]] [--max-pixels N] [--allow-svg]',
  description: [
    "The dataset comes from the model metadata. Persons are the annotation's GT boxes, or --dets (MMPose's",
    'detection-box path, det_bbox_thr from the zoo row); crop, flip test and decoding follow the metadata; rescoring',
    "and OKS-NMS follow the zoo row's data_cfg. The table shows the zoo's recorded numbers beside the measured ones",
    'when the model is a zoo checkpoint. --expect-ap X (a fraction: COCO AP, WholeBody whole-body AP, MPII PCKh/100)',
    'exits 1 when the measured value is below X - T. MPII PCKh needs mpii_gt_val.mat as JSON (--mpii-gt) for head',
    'boxes; without it the head boxes are synthetic and the result is not comparable with the zoo table.',
    'With --results, every finished batch is appended to FILE.journal (flushed to disk); after an interruption,',
    'the same command with --resume continues from it to the same final numbers (the journal is bound to the model,',
    'the annotation and detection files and the settings; it is deleted once FILE is written). --shard i/n evaluates',
    'the i-th of n deterministic slices of the images (0 <= i < n) and prints the metrics of its images only; merge',
    "the shards' results files with 'pose-port score a.json b.json ... --ann ann.json' (docs/long-evaluations.md).",
    'Image file names are confined to --images; images above --max-pixels (default 100 MP) or not JPEG, PNG, WebP,',
    'TIFF or GIF are refused.',
  ].join('\n'),
  flags: {
    ann: { type: 'string', arg: 'FILE', help: 'annotations: COCO / COCO-WholeBody keypoints JSON, or the MPII JSON list' },
    images: { type: 'string', arg: 'DIR', help: 'directory holding the images the annotations name' },
    dets: { type: 'string', arg: 'FILE', help: 'person detections (COCO results list); default: GT boxes' },
    'mpii-gt': { type: 'string', arg: 'FILE', help: 'MPII: mpii_gt_val.mat fields as JSON (jnt_missing, pos_gt_src, headboxes_src, dataset_joints)' },
    'no-flip': NO_FLIP_FLAG,
    batch: BATCH_FLAG,
    'expect-ap': { type: 'number', min: 0, arg: 'X', help: 'exit 1 when the measured AP (fraction) is below X - tolerance' },
    tolerance: { type: 'number', min: 0, arg: 'T', help: 'allowed shortfall for --expect-ap (default 0)' },
    results: { type: 'string', arg: 'FILE', help: 'COCO / WholeBody: write the keypoint results file (for pose-port score); journal in FILE.journal' },
    resume: { type: 'boolean', help: 'continue the interrupted evaluation recorded in the --results journal' },
    shard: { type: 'value', parse: parseShard, arg: 'i/n', help: 'evaluate the i-th of n slices of the images (0 <= i < n); needs --results' },
    'max-pixels': MAX_PIXELS_FLAG,
    'allow-svg': ALLOW_SVG_FLAG,
    'tfjs-backend': TFJS_BACKEND_FLAG,
    'execution-provider': EXECUTION_PROVIDER_FLAG,
    json: { type: 'boolean', help: 'print the result as JSON; no progress bar' },
  },
  async run(args, io) {
    if (args.positionals.length !== 1) throw new PosePortError('USAGE', 'eval: expected one model (model.onnx, model.json or a directory)');
    const f = args.flags;
    const { ann, images } = f;
    if (!ann || !images) throw new PosePortError('USAGE', 'eval: --ann and --images are required');
    const expect = f['expect-ap'];
    if (f.tolerance !== undefined && expect === undefined) throw new PosePortError('USAGE', 'eval: --tolerance needs --expect-ap');
    const json = f.json;
    const progress = new Progress(io, !json);
    const r = await evaluateFile(args.positionals[0], {
      ann,
      images,
      dets: f.dets,
      mpiiGt: f['mpii-gt'],
      flip: f['no-flip'] ? false : undefined,
      batchSize: f.batch,
      image: imageOptions(f['max-pixels'], f['allow-svg']),
      shard: f.shard,
      results: f.results,
      resume: f.resume,
      ...(expect !== undefined ? { expect: { ap: expect, tolerance: f.tolerance } } : {}),
      model: { tfjsBackend: f['tfjs-backend'], executionProviders: executionProviderFlag(f['execution-provider']) },
      onProgress: (done, total) => progress.update('evaluating', done, total),
    });
    const pass = r.expect?.pass ?? true;
    if (json) {
      const { outputs: _o, results: _r, resultsFile: _f, ...rest } = r;
      io.stdout(JSON.stringify({ ok: true, ...rest }, null, 2) + '\n');
    } else {
      io.stdout(
        (r.shard ? `shard ${r.shard.index}/${r.shard.count} (metrics over this shard's images only): ` : '') +
          (r.resumed !== undefined ? `resumed after ${r.resumed} persons from the journal; ` : '') +
          `${r.zoo ?? r.dataset} on ${r.images} images, ${r.persons} persons (${r.boxes === 'gt' ? 'GT boxes' : 'detection boxes'}), flip test ${r.flip ? 'on' : 'off'}, ` +
          `${r.runtime}, batch ${r.batchSize}; ` +
          (r.dataset === 'mpii'
            ? 'PCKh (no NMS)\n'
            : `NMS ${r.dataCfg.use_nms ? (r.dataCfg.soft_nms ? 'soft-OKS' : `OKS ${r.dataCfg.oks_thr}`) : 'off'} (data_cfg: ${r.dataCfg.source})\n`),
      );
      io.stdout(formatTable(r));
      io.stdout(timingLine(r));
      if (r.resultsFile !== undefined) io.stdout(`wrote ${r.resultsFile}\n`);
      if (r.expect) io.stdout(`${pass ? 'PASS' : 'FAIL'}: ${r.apName} ${r.ap.toFixed(4)} ${pass ? '>=' : '<'} ${r.expect.ap} - ${r.expect.tolerance}\n`);
    }
    for (const w of r.warnings) io.stderr(`warning: ${w}\n`);
    return pass ? 0 : 1;
  },
});
