import test from 'ava';
import { requireTorch } from '../../helpers/ckpt.js';
import { referenceModels, withinParity } from '../../helpers/compare.js';
import { heatmapParity } from '../../helpers/heatmap-parity.js';
import { getZooEntry } from '../../../src/zoo/registry.js';

// every resnet row with a shared MMPose reference (../shared/zoo/reference), whichever are present
const MODELS = referenceModels('resnet');

test('at least one resnet reference is present', (t) => t.true(MODELS.length > 0));

for (const MODEL of MODELS)
  for (const legacy of [false, true])
    test(`${MODEL} (${legacy ? 'legacy' : 'zip'} .pth) equals MMPose's output and flip-averaged output`, async (t) => {
      if (!requireTorch()) return t.pass('PyTorch not installed (required in CI)');
      const r = await heatmapParity(MODEL, legacy);
      t.is(r.detection.family, 'resnet');
      t.is(r.detection.preset, getZooEntry(MODEL).preset);
      t.is(r.format, legacy ? 'legacy' : 'zip');
      t.log(`${r.format}: output relL2 ${r.output.relL2.toExponential(2)} maxAbs ${r.output.maxAbs.toExponential(2)} (max|ref| ${r.output.maxRef.toFixed(3)})`);
      t.log(`flip   relL2 ${r.flip.relL2.toExponential(2)} maxAbs ${r.flip.maxAbs.toExponential(2)} (max|ref| ${r.flip.maxRef.toFixed(3)})`);
      t.true(withinParity(r.output), `output: ${JSON.stringify(r.output)}`);
      t.true(withinParity(r.flip), `flip: ${JSON.stringify(r.flip)}`);
    });
