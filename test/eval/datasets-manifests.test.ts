/**
 * The dataset definitions the artifacts' metadata and the eval pipeline use agree with
 * every zoo manifest (taken from MMPose's dataset classes): keypoint count and flip pairs.
 */
import test from 'ava';
import { DATASETS, datasetForKeypoints } from '../../src/eval/datasets.js';
import { listManifests, readManifest } from '../helpers/ckpt.js';

for (const model of listManifests()) {
  test(`${model}: dataset keypoints and flip pairs equal the manifest's`, (t) => {
    const m = readManifest(model);
    const ds = DATASETS[m.dataset as keyof typeof DATASETS];
    t.truthy(ds, `dataset ${m.dataset}`);
    t.is(ds.numKeypoints, m.num_joints);
    t.is(ds.keypoints.length, m.num_joints);
    t.deepEqual(ds.flipPairs.map(([a, b]) => [a, b]), m.flip_pairs);
    t.is(datasetForKeypoints(m.num_output_channels)?.name, m.dataset);
  });
}
