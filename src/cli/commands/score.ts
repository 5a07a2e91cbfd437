import { PosePortError } from '../../core/errors.js';
import { COCO_EVALUATORS, STATS_NAMES } from '../../eval/cocoeval.js';
import { scoreJson, scoreResultFiles } from '../../pipeline/score.js';
import { defineCommand } from '../command.js';

const f = (v: number) => (v === -1 ? '-1' : v.toFixed(4));

export const scoreCommand = defineCommand({
  name: 'score',
  summary: 'COCOeval of a COCO keypoint results file (COCO or COCO-WholeBody annotations)',
  usage: 'score <results.json> [more.json ...] --ann ann.json [--model MODEL] [--json] [--evaluator NAME]',
  description: [
    "Scores a standard results file as COCO's own tools do (xtcocotools 1.6, the version MMPose v0.12 used, which equals",
    'pycocotools). COCO-WholeBody annotations give body, foot, face, lefthand, righthand and wholebody stats.',
    '--json prints {"stats": [AP, AP .5, AP .75, AP (M), AP (L), AR, AR .5, AR .75, AR (M), AR (L)]} for COCO and',
    '{"stats": {"body": [...], "foot": [...], "face": [...], "lefthand": [...], "righthand": [...], "wholebody": [...]}} for WholeBody.',
    "Several results files are the shards of one evaluation ('eval --shard i/n'): they are merged and scored as one;",
    'an image in two files is refused, and images with annotated keypoints that no file mentions are reported.',
  ].join('\n'),
  flags: {
    ann: { type: 'string', arg: 'FILE', help: 'the annotation file (COCO or COCO-WholeBody keypoints)' },
    evaluator: { type: 'string', choices: COCO_EVALUATORS, arg: 'NAME', help: 'xtcocotools_1.6 (default), pycocotools, xtcocotools_1.8, xtcocotools_1.9-1.11, xtcocotools_1.14' },
    model: { type: 'string', arg: 'MODEL', help: "use the OKS sigmas this converted model records (its checkpoint config's keypoint set)" },
    json: { type: 'boolean', help: 'print the stats as JSON' },
  },
  async run(args, io) {
    if (args.positionals.length < 1) throw new PosePortError('USAGE', 'score: expected one or more results files');
    const ann = args.flags.ann;
    if (!ann) throw new PosePortError('USAGE', 'score: --ann is required');
    const { score: r, imagesWithoutResults: missing } = await scoreResultFiles(args.positionals, ann, { evaluator: args.flags.evaluator, model: args.flags.model });
    if (missing > 0) io.stderr(`warning: ${missing} image(s) with annotated keypoints have no result in ${args.positionals.length > 1 ? 'any of the files' : 'the file'} (a shard missing?)\n`);
    if (args.flags.json) {
      io.stdout(JSON.stringify(scoreJson(r)) + '\n');
      return 0;
    }
    if (r.kind === 'coco') {
      const w = Math.max(...STATS_NAMES.map((n) => n.length));
      STATS_NAMES.forEach((n, i) => io.stdout(`${n.padEnd(w)}  ${f(r.stats[i])}\n`));
    } else {
      const splits = ['body', 'foot', 'face', 'lefthand', 'righthand', 'wholebody'] as const;
      io.stdout(`${'split'.padEnd(10)}  ${STATS_NAMES.map((n) => n.padStart(7)).join(' ')}\n`);
      for (const s of splits) io.stdout(`${s.padEnd(10)}  ${r.stats[s].map((v) => f(v).padStart(7)).join(' ')}\n`);
      io.stdout(`${'hand mean'.padEnd(10)}  ${r.handMean.map((v) => f(v).padStart(7)).join(' ')}  (mean of lefthand and righthand: the zoo's "Hand" column, derivation unverified)\n`);
    }
    return 0;
  },
});
