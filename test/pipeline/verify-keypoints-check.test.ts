/**
 * The keypoints check's bounds on made-up runs (src/pipeline/verify/keypoints.ts): a
 * keypoint 0.02 px off fails under every decoding and is named; a keypoint the
 * well-posedness test calls ill-posed may be pixels off under every decoding (reported,
 * not failed); none well-posed fails; scores are held to 1e-4; a missing or
 * misshapen output fails; quantized TF.js is reported, not bounded.
 */
import test from 'ava';
import type { Outputs } from '../../src/artifact/outputs.js';
import type { DecodeMethod } from '../../src/eval/decode.js';
import type { WellPosedResult } from '../../src/eval/well-posed.js';
import type { KeypointReference } from '../../src/pipeline/verify/keypoint-reference.js';
import { keypointsCheck, KEYPOINT_BOUND_PX, SCORE_BOUND } from '../../src/pipeline/verify/keypoints.js';

const N = 2;
const K = 3;

function reference(method: DecodeMethod): KeypointReference {
  const keypoints = Float32Array.from({ length: N * K * 2 }, (_, i) => 100 + 7 * i);
  const scores = Float32Array.from({ length: N * K }, (_, i) => 0.1 * (i + 1));
  return { keypoints, scores, heatmaps: new Float32Array(0), decode: { shape: [N, K, 8, 6], method, center: [], scale: [] } };
}

function run(ref: KeypointReference, edit: (kp: Float32Array, sc: Float32Array) => void = () => {}): Outputs {
  const kp = ref.keypoints.slice();
  const sc = ref.scores.slice();
  edit(kp, sc);
  return new Map([
    ['keypoints', { data: kp, shape: [N, K, 2] }],
    ['scores', { data: sc, shape: [N, K] }],
  ]);
}

/** keypoint 4 (box 1, keypoint 1) ill-posed */
const wellPosed: WellPosedResult = { movement: Float64Array.from([0, 0, 0, 0, 3, 0]), wellPosed: [true, true, true, true, false, true], illPosed: 1 };

test('equal runs pass with zero distance; the figures name both artifacts', (t) => {
  const ref = reference('default');
  const c = keypointsCheck(ref, wellPosed, [
    { subject: 'model.onnx', outputs: run(ref) },
    { subject: 'tfjs/model.json', outputs: run(ref) },
  ]);
  t.true(c.result.ok);
  t.is(c.result.figures!.onnx_max_px, 0);
  t.is(c.result.figures!.tfjs_median_px, 0);
  t.is(c.result.figures!.bound_px, KEYPOINT_BOUND_PX);
  t.is(c.result.figures!.judged, N * K - 1);
  t.regex(c.describe(c.result), /default decoding; the 5 well-posed of 6 keypoints \(1 ill-posed\) within 0\.01 px/);
  const all = { movement: new Float64Array(N * K), wellPosed: new Array<boolean>(N * K).fill(true), illPosed: 0 };
  t.regex(keypointsCheck(ref, all, [{ subject: 'model.onnx', outputs: run(ref) }]).describe(c.result), /default decoding; all 6 keypoints within 0\.01 px/);
});

for (const method of ['default', 'unbiased', 'megvii'] as const)
  test(`${method}: a well-posed keypoint 0.02 px off fails naming the artifact and the keypoint`, (t) => {
    const ref = reference(method);
    const c = keypointsCheck(ref, wellPosed, [
      { subject: 'model.onnx', outputs: run(ref) },
      { subject: 'tfjs/model.json', outputs: run(ref, (kp) => (kp[2 * 5 + 1] += 0.02)) },
    ]);
    t.false(c.result.ok);
    const bad = c.result.findings.filter((f) => !f.ok);
    t.deepEqual(
      bad.map((f) => f.subject),
      ['tfjs/model.json'],
    );
    t.true(Math.abs((bad[0].measured as number) - 0.02) < 1e-4);
    t.is(bad[0].detail!.worst, 'box 1 keypoint 2');
    t.regex(c.describe(c.result), /over: 'tfjs\/model\.json'/);
  });

test('an ill-posed keypoint 5 px off: reported, not failed, under every decoding', (t) => {
  for (const method of ['unbiased', 'megvii', 'default'] as const) {
    const ref = reference(method);
    const c = keypointsCheck(ref, wellPosed, [{ subject: 'model.onnx', outputs: run(ref, (kp) => (kp[2 * 4] += 5)) }]);
    t.true(c.result.ok, method);
    t.is(c.result.figures!.onnx_max_px_ill_posed, 5);
    t.is(c.result.figures!.judged, N * K - 1);
    t.regex(c.describe(c.result), /the 5 well-posed of 6 keypoints \(1 ill-posed\)/);
  }
});

test('no keypoint well-posed: nothing is proven, the check fails', (t) => {
  const ref = reference('default');
  const none: WellPosedResult = { movement: new Float64Array(N * K).fill(3), wellPosed: new Array<boolean>(N * K).fill(false), illPosed: N * K };
  const c = keypointsCheck(ref, none, [{ subject: 'model.onnx', outputs: run(ref) }]);
  t.false(c.result.ok);
  t.is(c.result.findings[0].reason, 'undetermined');
  t.regex(c.describe(c.result), /none of the 6 keypoints is determined/);
});

test('scores: 2e-4 off fails, 5e-5 passes; NaN on one side fails', (t) => {
  const ref = reference('unbiased');
  t.false(keypointsCheck(ref, wellPosed, [{ subject: 'model.onnx', outputs: run(ref, (_, sc) => (sc[3] += 2 * SCORE_BOUND)) }]).result.ok);
  t.true(keypointsCheck(ref, wellPosed, [{ subject: 'model.onnx', outputs: run(ref, (_, sc) => (sc[3] += SCORE_BOUND / 2)) }]).result.ok);
  t.false(keypointsCheck(ref, wellPosed, [{ subject: 'model.onnx', outputs: run(ref, (kp) => (kp[0] = NaN)) }]).result.ok);
});

test('a missing output or a wrong shape fails; quantized TF.js is measured, not bounded', (t) => {
  const ref = reference('default');
  const noScores = run(ref);
  noScores.delete('scores');
  const m = keypointsCheck(ref, wellPosed, [{ subject: 'model.onnx', outputs: noScores }]);
  t.false(m.result.ok);
  t.is(m.result.findings[0].reason, 'missing');
  const short = run(ref);
  short.set('keypoints', { data: ref.keypoints.subarray(0, K * 2), shape: [1, K, 2] });
  t.is(keypointsCheck(ref, wellPosed, [{ subject: 'model.onnx', outputs: short }]).result.findings[0].reason, 'shape');
  const q = keypointsCheck(ref, wellPosed, [{ subject: 'tfjs/model.json', outputs: run(ref, (kp) => (kp[0] += 0.5)), quantized: true }]);
  t.true(q.result.ok);
  t.is(q.result.figures!.tfjs_max_px, 0.5);
  t.regex(q.describe(q.result), /quantized weights: not bounded/);
});
