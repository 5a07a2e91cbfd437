/**
 * Every IR op case (test/emit/op-cases.ts) on the browser's kernels: onnxruntime-web wasm
 * and webgpu, TF.js wasm, webgl and webgpu in headless chromium (WebGL2 and WebGPU on
 * SwiftShader), each proved to run on the backend asked for, against onnxruntime-node
 * on the same input. This is where an op a backend lacks or computes differently shows
 * up by name. Tolerance: relative L2 <= 1e-5 and max |diff| <= 1e-4 * max |ref| (withinParity).
 */
import test from 'ava';
import { emitOnnx } from '../../src/emit/onnx/index.js';
import { emitTfjs, writeTfjs } from '../../src/emit/tfjs/index.js';
import { diff, withinParity } from '../helpers/compare.js';
import { buildOpCase, OP_CASES, opCaseInput } from '../emit/op-cases.js';
import { nchwToNhwc, runOnnx } from '../emit/tfjs/runtime.js';
import { chromiumPresent } from './chromium.js';
import { BROWSER_BACKENDS, openHarness, type RunSpec } from './harness.js';

test.serial('every op case on onnxruntime-web wasm/webgpu and TF.js wasm/webgl/webgpu matches onnxruntime-node', async (t) => {
  if (!chromiumPresent(t)) return;
  const h = await openHarness(t, { gpu: true });
  const cases = [];
  for (const [i, c] of OP_CASES.entries()) {
    const g = buildOpCase(c);
    const onnx = emitOnnx(g);
    const input = opCaseInput(c);
    const names = g.outputs.map((v) => v.name);
    const ref = await runOnnx(onnx, input, [...c.input], names);
    writeTfjs(`${h.files}/case${i}/tfjs`, emitTfjs(g, { outputLayout: 'NCHW' }));
    const [n, ch, hh, w] = c.input;
    cases.push({
      c, names, ref,
      onnx: { model: h.put(`case${i}/model.onnx`, onnx), input: { url: h.put(`case${i}/nchw.bin`, input), dtype: 'float32' as const, shape: [...c.input] } },
      tfjs: { model: `/files/case${i}/tfjs/model.json`, input: { url: h.put(`case${i}/nhwc.bin`, nchwToNhwc(input, c.input)), dtype: 'float32' as const, shape: [n, hh, w, ch] } },
    });
  }
  for (const [runtime, backend] of BROWSER_BACKENDS) {
    const p = await h.page();
    for (const k of cases) {
      const spec: RunSpec = { runtime, backend, model: k[runtime].model, inputs: { input: k[runtime].input }, outputs: k.names, reps: 1 };
      const where = `${runtime} ${backend} '${k.c.title}'`;
      let r;
      try {
        r = await p.run(spec);
      } catch (e) {
        t.fail(`${where}: ${String(e)}\n${p.log.slice(-10).join('\n')}`);
        continue;
      }
      t.is(r.facts.backend ?? r.facts.ep, backend, `${where}: ran on ${JSON.stringify(r.facts)}`);
      k.names.forEach((name, i) => {
        t.deepEqual(r.outputs[name].shape, k.ref[i].shape, `${where} ${name} shape`);
        const d = diff(r.outputs[name].data, k.ref[i].data);
        const line = `${where} ${name}: relL2 ${d.relL2.toExponential(2)} maxAbs ${d.maxAbs.toExponential(2)} (max |ref| ${d.maxRef.toFixed(3)})`;
        t.log(line);
        t.true(withinParity(d), line);
      });
    }
    await p.page.close();
  }
});
