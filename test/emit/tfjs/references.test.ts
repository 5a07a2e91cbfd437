/**
 * Every family with a reference in test/data/reference: the make-checkpoint.py checkpoint
 * (seed 0), read by openCheckpoint, converted to TF.js, run on the reference input through loadGraphModel, equals
 * MMPose's output.bin and the same graph's ONNX model in onnxruntime-node:
 * relative L2 <= 1e-5 and max |diff| <= 1e-4 * max |ref|. Backends: wasm for all six,
 * and the cpu backend (pure JS, slow) on one model per family.
 */
import test from 'ava';
import { emitOnnx } from '../../../src/emit/onnx/index.js';
import { emitTfjs } from '../../../src/emit/tfjs/index.js';
import { openCheckpoint } from '../../../src/pth/index.js';
import { makeCheckpoint, requireTorch } from '../../helpers/ckpt.js';
import { diff, readReference, referenceModels, withinParity } from '../../helpers/compare.js';
import { buildFolded } from './family-model.js';
import { loadTfjs, nchwToNhwc, nhwcToNchw, runOnnx, runTfjs, type Backend } from './runtime.js';

/** one model per family also runs on the cpu backend */
const CPU_TOO = new Set(['rsn18_coco_256x192', 'mspn50_coco_256x192', 'res50_coco_256x192_dark', 'hrnet_w32_coco_256x192_dark']);

const models = referenceModels();

test('references exist for every family', (t) => {
  t.true(models.length >= 4, models.join(', '));
});

for (const model of models) {
  test.serial(`${model}: TF.js equals MMPose's output and onnxruntime`, async (t) => {
    if (!requireTorch()) return t.pass('PyTorch missing: skipped locally (CI fails instead)');
    const ref = readReference(model);
    const [n, c, h, w] = ref.inputShape;
    // pose-port's own reader; its tensors are read lazily, so it stays open until both emitters ran
    const ckpt = await openCheckpoint(makeCheckpoint(model, { seed: 0 }));
    let art, onnx;
    try {
      const { graph } = buildFolded(ckpt.tensors, [h, w]);
      art = emitTfjs(graph);
      onnx = emitOnnx(graph);
    } finally {
      ckpt.close();
    }
    t.is(art.modelJson.modelTopology.node.filter((nd) => nd.op === 'Transpose').length, 0);
    const ort = (await runOnnx(onnx, ref.input, ref.inputShape, ['heatmaps']))[0];
    const tfModel = await loadTfjs(art);
    const backends: Backend[] = CPU_TOO.has(model) ? ['wasm', 'cpu'] : ['wasm'];
    for (const b of backends) {
      const start = Date.now();
      const [out] = await runTfjs(tfModel, b, nchwToNhwc(ref.input, [n, c, h, w]), [n, h, w, c]);
      const ms = Date.now() - start;
      t.deepEqual([out.shape[0], out.shape[3], out.shape[1], out.shape[2]], ref.outputShape);
      const nchw = nhwcToNchw(out.data, out.shape);
      const vsRef = diff(nchw, ref.output);
      const vsOrt = diff(nchw, ort.data);
      t.log(`${b}: ${ms} ms; vs output.bin relL2 ${vsRef.relL2.toExponential(2)} maxAbs ${vsRef.maxAbs.toExponential(2)}; vs onnxruntime relL2 ${vsOrt.relL2.toExponential(2)}`);
      t.true(withinParity(vsRef), `${b} vs output.bin: relL2 ${vsRef.relL2} maxAbs ${vsRef.maxAbs} (max |ref| ${vsRef.maxRef})`);
      t.true(withinParity(vsOrt), `${b} vs onnxruntime: relL2 ${vsOrt.relL2} maxAbs ${vsOrt.maxAbs}`);
    }
    tfModel.dispose();
  });
}

/**
 * Quantized weights on real checkpoints (wasm): output error against MMPose's output.bin.
 * Stated bounds: float16 relL2 <= 2e-3, uint8 relL2 <= 6e-2 (measured: float16 ~4e-4..6e-4,
 * uint8 ~2e-2..3e-2 on these seed-0 weights); weight bytes 1/2 and 1/4 of float32.
 */
for (const model of ['rsn18_coco_256x192', 'hrnet_w32_coco_256x192_dark']) {
  test.serial(`${model}: float16 and uint8 TF.js models stay within their error bounds`, async (t) => {
    if (!requireTorch()) return t.pass('PyTorch missing: skipped locally (CI fails instead)');
    const ref = readReference(model);
    const [n, c, h, w] = ref.inputShape;
    const ckpt = await openCheckpoint(makeCheckpoint(model, { seed: 0 }));
    const arts = [] as [string, ReturnType<typeof emitTfjs>, number][];
    try {
      const { graph } = buildFolded(ckpt.tensors, [h, w]);
      arts.push(['float32', emitTfjs(graph), 1e-5], ['float16', emitTfjs(graph, { quantize: 'float16' }), 2e-3], ['uint8', emitTfjs(graph, { quantize: 'uint8' }), 6e-2]);
    } finally {
      ckpt.close();
    }
    const weightBytes = (a: ReturnType<typeof emitTfjs>) => a.shards.reduce((s, x) => s + x.bytes.byteLength, 0);
    const f32Bytes = weightBytes(arts[0][1]);
    for (const [q, art, bound] of arts) {
      const m = await loadTfjs(art, 'wasm');
      const [out] = await runTfjs(m, 'wasm', nchwToNhwc(ref.input, [n, c, h, w]), [n, h, w, c]);
      m.dispose();
      const d = diff(nhwcToNchw(out.data, out.shape), ref.output);
      t.log(`${q}: weights ${(weightBytes(art) / 2 ** 20).toFixed(2)} MiB (${(weightBytes(art) / f32Bytes).toFixed(3)}x), relL2 ${d.relL2.toExponential(2)}, maxAbs ${(d.maxAbs / d.maxRef).toExponential(2)} of max |ref|`);
      t.true(d.relL2 <= bound, `${q}: relL2 ${d.relL2} > ${bound}`);
      if (q !== 'float32') t.true(d.relL2 > 1e-5, `${q} must change the output (weights really quantized)`);
    }
  });
}
