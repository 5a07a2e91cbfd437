/**
 * All 26 zoo manifests convert to TF.js and run (manifest-shaped deterministic weights,
 * no PyTorch): wasm backend, plus the cpu backend where the input is small (ResNet and
 * HRNet at 64x64; RSN/MSPN need their real size, as their heads resize to a fixed
 * out_shape). Output equals the same graph's ONNX model in onnxruntime-node:
 * relative L2 <= 1e-5 and max |diff| <= 1e-4 * max |ref|.
 */
import test from 'ava';
import { familyByName } from '../../../src/arch/index.js';
import { emitOnnx } from '../../../src/emit/onnx/index.js';
import { emitTfjs, validateTfjsArtifact, writeTfjs } from '../../../src/emit/tfjs/index.js';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { listManifests, readManifest } from '../../helpers/ckpt.js';
import { diff, withinParity } from '../../helpers/compare.js';
import { tensorSetFromManifest } from '../../helpers/manifest-tensors.js';
import { buildFolded, testSizeOf } from './family-model.js';
import { loadTfjs, nchwToNhwc, nhwcToNchw, randomData, runOnnx, runTfjs, type Backend } from './runtime.js';

const models = listManifests();

test('there are 26 manifests', (t) => {
  t.is(models.length, 26);
});

for (const model of models) {
  test.serial(`${model} converts to TF.js and runs like its ONNX model`, async (t) => {
    const manifest = readManifest(model);
    const [h, w] = testSizeOf(model);
    const { graph, family } = buildFolded(tensorSetFromManifest(model), [h, w]);
    const art = emitTfjs(graph, { metadata: { model } });
    const dir = mkdtempSync(join(tmpdir(), 'pose-port-tfjs-'));
    t.teardown(() => rmSync(dir, { recursive: true, force: true }));
    writeTfjs(join(dir, 'tfjs'), art);
    validateTfjsArtifact(join(dir, 'tfjs'));
    const input = randomData(3 * h * w, 77, -2, 2);
    const ort = (await runOnnx(emitOnnx(graph), input, [1, 3, h, w], ['heatmaps']))[0];
    const K = manifest.num_output_channels as number;
    t.is(ort.shape[1], K);
    const tfModel = await loadTfjs(join(dir, 'tfjs'));
    const backends: Backend[] = familyByName(family).head.multiStage ? ['wasm'] : ['wasm', 'cpu'];
    for (const b of backends) {
      const [out] = await runTfjs(tfModel, b, nchwToNhwc(input, [1, 3, h, w]), [1, h, w, 3]);
      t.deepEqual([out.shape[0], out.shape[3], out.shape[1], out.shape[2]], ort.shape);
      const d = diff(nhwcToNchw(out.data, out.shape), ort.data);
      t.true(withinParity(d), `${b}: relL2 ${d.relL2} maxAbs ${d.maxAbs} (max |ref| ${d.maxRef})`);
    }
    tfModel.dispose();
  });
}
