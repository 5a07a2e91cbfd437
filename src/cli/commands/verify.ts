import { PosePortError } from '../../core/errors.js';
import { verifySource } from '../../pipeline/from-source.js';
import { DEFAULT_METRIC_TOLERANCE, VERIFY_DEFAULTS, type VerifyCheck } from '../../pipeline/verify.js';
import { defineCommand } from '../command.js';
import { EXECUTION_PROVIDER_FLAG, executionProviderFlag } from '../inference-flags.js';
import { Progress } from '../io.js';

function line(c: VerifyCheck, w: number): string {
  return `  ${c.ok ? 'ok  ' : 'FAIL'}  ${c.name.padEnd(w)}  ${c.detail}\n`;
}

export const verifyCommand = defineCommand({
  name: 'verify',
  summary: 'check that a conversion output directory faithfully comes from a checkpoint (file or zoo name)',
  usage: 'verify <ckpt.pth | ZOO_NAME> <DIR> [--json] [--tolerance T] [--seed N] [--ann FILE --images DIR [--dets FILE] [--metric-tolerance T]]',
  description: [
    "DIR is what 'pose-port convert' wrote (report.json, model.onnx and/or tfjs/). The checks: the checkpoint's and",
    "every tensor's sha256 against report.json; each artifact's sha256, the TF.js shards against their manifest and",
    'the embedded metadata; every ONNX initializer and TF.js weight against the graph rebuilt from the checkpoint;',
    'the ONNX and TF.js artifacts run on one seeded input, compared with each other and with a fresh ONNX emission',
    'of the rebuilt graph (relative L2; quantized TF.js weights get a looser bound, reported). Keypoint artifacts',
    "(--graph keypoints|crop-keypoints) run on the image bundled in fixtures/verify/ with four boxes instead, and",
    'each is compared with the TypeScript pipeline on the checkpoint: keypoints within 0.01 px (DARK/megvii: the',
    'well-posed ones), scores within 1e-4 (docs/keypoint-graphs.md).',
    "With --ann/--images it also runs 'pose-port eval' on the ONNX artifact (TF.js when there is none) and compares",
    'every metric the zoo row records with the measured one (--metric-tolerance, a fraction; MPII: x100 points).',
    'Exit 0: every check passed; 1: a check failed; 2: the input cannot be verified (no report.json, a missing',
    'artifact, not a checkpoint). A zoo name is fetched (verified) when missing, as convert does.',
  ].join('\n'),
  flags: {
    json: { type: 'boolean', help: 'print the verification report as JSON (schemas/report.schema.json, kind verify)' },
    tolerance: { type: 'number', min: 0, arg: 'T', help: `relative L2 bound between float32 outputs (default ${VERIFY_DEFAULTS.tolerance})` },
    'quantized-tolerance': {
      type: 'number',
      min: 0,
      arg: 'T',
      help: `relative L2 bound for quantized TF.js (default ${VERIFY_DEFAULTS.float16Tolerance} float16, ${VERIFY_DEFAULTS.uint8Tolerance} uint8)`,
    },
    'weight-tolerance': { type: 'number', min: 0, arg: 'T', help: `per-value relative bound of the weight re-derivation (default ${VERIFY_DEFAULTS.weightTolerance}; 0: bit-exact)` },
    seed: { type: 'number', int: true, min: 0, arg: 'N', help: `seed of the deterministic input (default ${VERIFY_DEFAULTS.seed})` },
    dir: { type: 'string', arg: 'DIR', help: 'where a zoo checkpoint is looked for / downloaded (default: the cache dir)' },
    mirror: { type: 'string', arg: 'URL', help: 'download zoo checkpoints from this scheme+host instead' },
    ann: { type: 'string', arg: 'FILE', help: 'also evaluate: annotation file (needs --images)' },
    images: { type: 'string', arg: 'DIR', help: 'also evaluate: image directory (needs --ann)' },
    dets: { type: 'string', arg: 'FILE', help: 'also evaluate: person detections instead of GT boxes' },
    'mpii-gt': { type: 'string', arg: 'FILE', help: 'also evaluate, MPII: mpii_gt_val.mat fields as JSON' },
    'metric-tolerance': { type: 'number', min: 0, arg: 'T', help: `allowed |measured - recorded| per metric, a fraction (default ${DEFAULT_METRIC_TOLERANCE})` },
    'execution-provider': EXECUTION_PROVIDER_FLAG,
    'allow-unknown-globals': { type: 'boolean', help: 'keep unknown pickle globals as inert placeholders instead of refusing' },
  },
  async run(args, io) {
    if (args.positionals.length !== 2) throw new PosePortError('USAGE', 'verify: expected a checkpoint (path or zoo name) and the conversion output directory');
    const [src, dir] = args.positionals;
    const { ann, images } = args.flags;
    const evalOnly = (['dets', 'mpii-gt', 'metric-tolerance'] as const).filter((f) => args.flags[f] !== undefined);
    if ((ann === undefined) !== (images === undefined) || (ann === undefined && evalOnly.length))
      throw new PosePortError('USAGE', `verify: evaluation needs both --ann and --images${evalOnly.length ? ` (--${evalOnly[0]} given)` : ''}`);
    const json = args.flags.json;
    const progress = new Progress(io, !json);
    const quantized = args.flags['quantized-tolerance'];
    const report = await verifySource(src, dir, {
      fetch: { dir: args.flags.dir, mirror: args.flags.mirror, onProgress: (p) => progress.update(`fetching ${src}`, p.received, p.total ?? p.received) },
      tolerance: args.flags.tolerance,
      float16Tolerance: quantized,
      uint8Tolerance: quantized,
      weightTolerance: args.flags['weight-tolerance'],
      seed: args.flags.seed,
      allowUnknownGlobals: args.flags['allow-unknown-globals'],
      executionProviders: executionProviderFlag(args.flags['execution-provider']),
      ...(ann !== undefined && images !== undefined
        ? { evaluate: { ann, images, dets: args.flags.dets, mpiiGt: args.flags['mpii-gt'], tolerance: args.flags['metric-tolerance'] } }
        : {}),
      onStep: (s) => progress.step(s),
    });
    if (json) io.stdout(JSON.stringify(report, null, 2) + '\n');
    else {
      const failed = report.checks.filter((c) => !c.ok).length;
      io.stdout(`verify ${report.dir} against ${report.checkpoint.file}: ${report.checks.length} checks, ${failed ? `${failed} FAILED` : 'all passed'} (${report.timings_ms.total} ms)\n`);
      const w = Math.max(...report.checks.map((c) => c.name.length));
      for (const c of report.checks) io.stdout(line(c, w));
    }
    return report.ok ? 0 : 1; // 1: a check failed (main's EXIT.CHECK_FAILED)
  },
});
