import test from 'ava';
import { listManifests, readManifest } from '../../helpers/ckpt.js';
import { inputSizeOf } from '../../helpers/arch-cases.js';
import { withinParity } from '../../helpers/compare.js';
import { runBatches } from '../../helpers/onnx-batch.js';

/**
 * Every ResNet manifest converts to ONNX and runs at batch 1 and 4. ResNet is fully
 * convolutional (any input a multiple of 32 works), so all rows but one full-size run
 * use a 128x96 input to keep the suite's time sane on 2 CPUs.
 */
const MODELS = listManifests().filter((m) => readManifest(m).family === 'resnet');
const FULL_SIZE = 'res50_coco_256x192_dark';

for (const model of MODELS)
  test.serial(`${model}: ONNX runs in onnxruntime-node at batch 1 and 4`, async (t) => {
    const m = readManifest(model);
    const full = model === FULL_SIZE;
    const [h, w] = full ? inputSizeOf(model) : [128, 96];
    const r = await runBatches(model, [h, w]);
    const k = m.num_output_channels;
    t.deepEqual(r.dims, [
      [1, k, h / 4, w / 4],
      [4, k, h / 4, w / 4],
    ]);
    t.true(r.finite);
    t.true(withinParity(r.batchConsistency), JSON.stringify(r.batchConsistency));
    t.deepEqual(r.summary.inputs, [{ name: 'input', elemType: 1, shape: ['N', 3, h, w] }]);
    t.deepEqual(r.summary.outputs, [{ name: 'heatmaps', elemType: 1, shape: ['N', k, h / 4, w / 4] }]);
    t.is(r.summary.ops.ConvTranspose, 3);
    t.log(`${h}x${w}: ${(r.onnxBytes / 2 ** 20).toFixed(0)} MiB; ms ${JSON.stringify(Object.fromEntries(Object.entries(r.ms).map(([a, b]) => [a, Math.round(b)])))}`);
  });
