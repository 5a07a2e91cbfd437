/**
 * keypoints: a keypoint artifact returns what the TypeScript pipeline returns on its
 * checkpoint (keypoint-reference.ts), on the same image and boxes (keypoint-inputs.ts).
 * One finding per artifact (subject its file): the Euclidean distance in image pixels of
 * every keypoint (max and median) and the largest score difference.
 *
 * Bounds. Two float32 implementations of one network differ by summation order, so their
 * heatmaps differ by a few ulps; a decoded position is held to them only where it is
 * determined at that precision. The reference heatmaps are decoded again with every value
 * perturbed by a relative 1e-6 (eval/well-posed.ts); a keypoint that moves by more than
 * 0.005 px is ill-posed (a tie between maxima, a near-singular Hessian of DARK's Taylor
 * step). Every decoding: every well-posed keypoint within 0.01 px, the ill-posed ones
 * counted and their distances reported, not failed (a tie under `default` decoding is as
 * undetermined as one under megvii: the wasm runtime test met one). The classification
 * comes from the checkpoint's own network, never from the artifact; when no keypoint at
 * all is well-posed nothing is proven and the check fails ('undetermined').
 * Scores (heatmap maxima) within 1e-4 absolute for every keypoint.
 * A TF.js artifact with quantized weights is measured and reported, not bounded (its
 * quantized bytes are checked exactly by tfjs-weights).
 */
import type { Outputs } from '../../artifact/outputs.js';
import type { WellPosedResult } from '../../eval/well-posed.js';
import { failures, result, type CheckResult, type Finding } from './finding.js';
import { exp, listed, type Described } from './format.js';
import type { KeypointReference } from './keypoint-reference.js';

/** largest distance, image pixels, of a judged keypoint from the TypeScript pipeline's */
export const KEYPOINT_BOUND_PX = 0.01;
/** largest |score difference| */
export const SCORE_BOUND = 1e-4;

export interface KeypointRun {
  /** the artifact's file, e.g. 'model.onnx' */
  subject: string;
  outputs: Outputs;
  /** quantized weights: measured, not bounded */
  quantized?: boolean;
}

function median(xs: number[]): number {
  if (xs.length === 0) return 0;
  const s = [...xs].sort((a, b) => a - b);
  const m = s.length >> 1;
  return s.length % 2 ? s[m] : (s[m - 1] + s[m]) / 2;
}

/** The finding of one artifact against the reference (judged: which keypoints the bound applies to). */
function compareRun(ref: KeypointReference, run: KeypointRun, judged: readonly boolean[]): Finding {
  const check = 'keypoints';
  const kp = run.outputs.get('keypoints');
  const sc = run.outputs.get('scores');
  const [n, k] = ref.decode.shape;
  const want = `${n},${k},2`;
  if (!kp || !sc) return { check, ok: false, subject: run.subject, reason: 'missing', detail: { output: !kp ? 'keypoints' : 'scores' } };
  if (kp.shape.join(',') !== want || sc.shape.join(',') !== `${n},${k}`)
    return { check, ok: false, subject: run.subject, reason: 'shape', detail: { got: `${kp.shape.join(',')} / ${sc.shape.join(',')}`, want: `${want} / ${n},${k}` } };
  const dist: number[] = [];
  let maxJudged = 0;
  let worst = -1;
  let maxIll = 0;
  let maxScore = 0;
  for (let i = 0; i < n * k; i++) {
    const d = Math.hypot(kp.data[2 * i] - ref.keypoints[2 * i], kp.data[2 * i + 1] - ref.keypoints[2 * i + 1]);
    // NaN on one side only is as far as any; on both, the same
    const di = !Number.isNaN(d) ? d : Number.isNaN(kp.data[2 * i] + kp.data[2 * i + 1]) && Number.isNaN(ref.keypoints[2 * i] + ref.keypoints[2 * i + 1]) ? 0 : Infinity;
    dist.push(di);
    if (judged[i]) {
      if (worst < 0 || di > maxJudged) {
        maxJudged = di;
        worst = i;
      }
    } else maxIll = Math.max(maxIll, di);
    const ds = Math.abs(sc.data[i] - ref.scores[i]);
    maxScore = Math.max(maxScore, Number.isNaN(ds) ? (Number.isNaN(sc.data[i]) && Number.isNaN(ref.scores[i]) ? 0 : Infinity) : ds);
  }
  const ok = run.quantized || (maxJudged <= KEYPOINT_BOUND_PX && maxScore <= SCORE_BOUND);
  const at = worst < 0 ? '' : `box ${Math.floor(worst / k)} keypoint ${worst % k}`;
  return {
    check,
    ok,
    subject: run.subject,
    ...(ok ? {} : { reason: maxJudged > KEYPOINT_BOUND_PX ? 'px' : 'score' }),
    measured: maxJudged,
    bound: run.quantized ? null : KEYPOINT_BOUND_PX,
    detail: { median_px: median(dist), max_px_ill_posed: maxIll, score_max_abs: maxScore, score_bound: run.quantized ? null : SCORE_BOUND, worst: at, quantized: run.quantized ? 1 : 0 },
  };
}

/**
 * keypoints: each run against the reference; `wellPosed` classifies the reference's
 * keypoints (eval/well-posed.ts on its heatmaps). Figures per artifact (the subject's
 * stem: onnx, tfjs): max_px (judged keypoints), median_px (all), score_max_abs; and the
 * counts, bounds and decoding.
 */
export function keypointsCheck(ref: KeypointReference, wellPosed: WellPosedResult, runs: readonly KeypointRun[]): Described {
  const method = ref.decode.method;
  // the well-posed keypoints, whatever the decoding (see the header)
  const judged = wellPosed.wellPosed;
  const findings = judged.some(Boolean)
    ? runs.map((r) => compareRun(ref, r, judged))
    : [{ check: 'keypoints', ok: false, subject: 'keypoints', reason: 'undetermined', detail: { keypoints: judged.length } } satisfies Finding];
  const figures: Record<string, number | null> = {
    keypoints: judged.length,
    ill_posed: wellPosed.illPosed,
    judged: judged.filter(Boolean).length,
    bound_px: KEYPOINT_BOUND_PX,
    score_bound: SCORE_BOUND,
  };
  for (const f of findings) {
    const key = f.subject.startsWith('tfjs') ? 'tfjs' : 'onnx';
    if (f.measured === undefined) continue;
    figures[`${key}_max_px`] = f.measured as number;
    figures[`${key}_median_px`] = f.detail!.median_px as number;
    figures[`${key}_max_px_ill_posed`] = f.detail!.max_px_ill_posed as number;
    figures[`${key}_score_max_abs`] = f.detail!.score_max_abs as number;
  }
  return { result: result('keypoints', findings, figures), describe: (r) => describeKeypoints(r, method, wellPosed.illPosed, judged.length) };
}

function describeKeypoints(r: CheckResult, method: string, ill: number, count: number): string {
  const per = r.findings.map((f) => {
    if (f.reason === 'undetermined') return `none of the ${count} keypoints is determined by the checkpoint's heatmaps at float32 precision: nothing to compare`;
    if (f.reason === 'missing') return `${f.subject}: no '${f.detail!.output}' output`;
    if (f.reason === 'shape') return `${f.subject}: outputs [${f.detail!.got}], expected [${f.detail!.want}]`;
    const d = f.detail!;
    const q = d.quantized ? ' (quantized weights: not bounded)' : '';
    return `${f.subject} max ${exp(f.measured as number)} px median ${exp(d.median_px as number)} px${ill ? ` (ill-posed: max ${exp(d.max_px_ill_posed as number)} px)` : ''}, scores max ${exp(d.score_max_abs as number)}${d.worst ? ` [worst ${d.worst}]` : ''}${q}`;
  });
  const judged = ill ? `the ${count - ill} well-posed of ${count} keypoints (${ill} ill-posed)` : `all ${count} keypoints`;
  const head = `vs the TypeScript pipeline on the checkpoint (${method} decoding; ${judged} within ${KEYPOINT_BOUND_PX} px, scores ${exp(SCORE_BOUND)})`;
  const bad = failures(r).map((f) => f.subject);
  return `${head}: ${per.join('; ')}${r.ok ? '' : `; over: ${listed(bad)}`}`;
}
