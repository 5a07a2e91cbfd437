/**
 * `eval` on keypoint artifacts (the bundled default checkpoint, ONNX and TF.js): the
 * artifact crops and decodes, eval keeps rescoring, NMS and COCOeval; the stats equal eval
 * of the heatmap artifact of the same checkpoint (GT boxes and detection boxes on the
 * bundled COCO images) within 1e-3, and the keypoints within 0.01 px.
 */
import test from 'ava';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { loadModel } from '../../src/artifact/model.js';
import { evaluateModel } from '../../src/pipeline/eval.js';
import { convertCheckpoint } from '../../src/pipeline/convert.js';
import { ROOT } from '../helpers/ckpt.js';
import { COCO } from '../helpers/data.js';

const CKPT = join(ROOT, 'fixtures', 'default', 'tiny_res_simplebaseline.pth');
const ANN = join(COCO, 'test_coco.json');
const DETS = join(COCO, 'test_coco_det_AP_H_56.json');
const STAT_TOL = 1e-3;
const PX_TOL = 0.01;

test('eval: keypoint artifacts (ONNX, TF.js) score as the heatmap artifact of the same checkpoint', async (t) => {
  const work = mkdtempSync(join(tmpdir(), 'pose-port-kp-eval-'));
  await convertCheckpoint(CKPT, { out: join(work, 'hm'), formats: ['onnx'] });
  await convertCheckpoint(CKPT, { out: join(work, 'kp'), formats: ['onnx', 'tfjs'], graph: 'keypoints' });
  const ref = await loadModel(join(work, 'hm', 'model.onnx'));
  for (const dets of [undefined, DETS]) {
    const want = await evaluateModel(ref, { ann: ANN, images: COCO, ...(dets ? { dets } : {}) });
    for (const path of [join(work, 'kp', 'model.onnx'), join(work, 'kp', 'tfjs')]) {
      const model = await loadModel(path);
      const got = await evaluateModel(model, { ann: ANN, images: COCO, ...(dets ? { dets } : {}) });
      t.deepEqual(Object.keys(got.metrics), Object.keys(want.metrics));
      let stat = 0;
      for (const k of Object.keys(want.metrics)) stat = Math.max(stat, Math.abs(got.metrics[k] - want.metrics[k]));
      t.is(got.outputs.length, want.outputs.length);
      let px = 0;
      got.outputs.forEach((o, i) => {
        const w = want.outputs[i];
        t.is(o.bboxId, w.bboxId);
        for (let k = 0; k < o.preds.length; k += 3) px = Math.max(px, Math.hypot(o.preds[k] - w.preds[k], o.preds[k + 1] - w.preds[k + 1]));
      });
      t.log(`${dets ? 'detections' : 'GT boxes'}, ${model.runtime}: ${got.outputs.length} persons, AP ${got.metrics.AP?.toFixed(4)} vs ${want.metrics.AP?.toFixed(4)}, max stat diff ${stat.toExponential(2)}, max ${px.toExponential(2)} px`);
      t.true(stat <= STAT_TOL, `${path}: stats differ by ${stat}`);
      t.true(px <= PX_TOL, `${path}: ${px} px`);
      await model.dispose();
    }
  }
  await ref.dispose();
});
