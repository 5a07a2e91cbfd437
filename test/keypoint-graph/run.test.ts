/**
 * `run` on keypoint artifacts written by `convert --graph keypoints` (the bundled default
 * checkpoint; ONNX and TF.js) gives the persons `run` gives on its heatmap artifact;
 * crop-keypoints artifacts are refused by run with MODEL_FORMAT; the metadata names the graph.
 */
import test from 'ava';
import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { loadModel } from '../../src/artifact/model.js';
import { isPosePortError } from '../../src/core/errors.js';
import { convertCheckpoint } from '../../src/pipeline/convert.js';
import { estimatePoses } from '../../src/pipeline/run.js';
import { ROOT } from '../helpers/ckpt.js';
import { groundTruthBoxes } from '../helpers/keypoint-parity.js';

const CKPT = join(ROOT, 'fixtures', 'default', 'tiny_res_simplebaseline.pth');
const work = mkdtempSync(join(tmpdir(), 'pose-port-kp-run-'));

// both formats load through loadModel, the TF.js graph through the artifact validator
// (src/artifact/check-tfjs-graph.ts); default decoding, flip test on; bound 0.01 px
test.serial('run: keypoint artifacts (ONNX, TF.js) = the heatmap artifact through the TypeScript pipeline', async (t) => {
  await convertCheckpoint(CKPT, { out: join(work, 'hm'), formats: ['onnx'] });
  const kp = await convertCheckpoint(CKPT, { out: join(work, 'kp'), formats: ['onnx', 'tfjs'], graph: 'keypoints' });
  t.deepEqual(kp.report.metadata.graph, { kind: 'keypoints', inputs: ['image', 'boxes'], outputs: ['keypoints', 'scores'] });
  const tfjsMeta = JSON.parse(readFileSync(join(work, 'kp', 'tfjs', 'model.json'), 'utf8')).userDefinedMetadata.pose_port;
  t.is(tfjsMeta.graph.kind, 'keypoints');
  const ref = await loadModel(join(work, 'hm', 'model.onnx'));
  const [file, boxes] = groundTruthBoxes('coco')[2];
  const want = await estimatePoses(ref, file, boxes.map((b) => ({ bbox: b })));
  for (const path of [join(work, 'kp', 'model.onnx'), join(work, 'kp', 'tfjs')]) {
    const model = await loadModel(path);
    t.truthy(model.keypoints, path);
    const got = await estimatePoses(model, file, boxes.map((b) => ({ bbox: b })));
    t.is(got.persons.length, want.persons.length);
    let max = 0;
    got.persons.forEach((p, i) => p.keypoints.forEach(([x, y], k) => (max = Math.max(max, Math.hypot(x - want.persons[i].keypoints[k][0], y - want.persons[i].keypoints[k][1])))));
    t.log(`${model.runtime}: max ${max.toExponential(2)} px`);
    t.true(max <= 0.01, `${path}: ${max} px`);
    const none = await estimatePoses(model, file, []);
    t.is(none.persons.length, 0);
    const e = await t.throwsAsync(estimatePoses(model, file, boxes.map((b) => ({ bbox: b })), { flip: false }));
    t.true(isPosePortError(e) && e.code === 'USAGE', String(e));
    await model.dispose();
  }
  await ref.dispose();
});

test.serial('run refuses a crop-keypoints artifact with MODEL_FORMAT naming the graph', async (t) => {
  await convertCheckpoint(CKPT, { out: join(work, 'crop'), formats: ['onnx'], graph: 'crop-keypoints' });
  const e = await t.throwsAsync(loadModel(join(work, 'crop', 'model.onnx')));
  t.true(isPosePortError(e) && e.code === 'MODEL_FORMAT', String(e));
  t.regex(e!.message, /crop-keypoints/);
});
