/**
 * Every IR op lowered to TF.js and run with the converter's loadGraphModel on the cpu
 * and wasm backends, against the same graph's ONNX model in onnxruntime-node:
 * relative L2 <= 1e-5 and max |diff| <= 1e-4 * max |ref| (withinParity).
 */
import test from 'ava';
import { emitOnnx } from '../../../src/emit/onnx/index.js';
import { emitTfjs } from '../../../src/emit/tfjs/index.js';
import { diff, withinParity } from '../../helpers/compare.js';
import { buildOpCase, OP_CASES, opCaseInput } from '../op-cases.js';
import { loadTfjs, nchwToNhwc, nhwcToNchw, runOnnx, runTfjs, type Backend } from './runtime.js';

const BACKENDS: Backend[] = ['cpu', 'wasm'];

for (const c of OP_CASES) {
  test.serial(c.title, async (t) => {
    const g = buildOpCase(c);
    const input = opCaseInput(c);
    const names = g.outputs.map((v) => v.name);
    const ref = await runOnnx(emitOnnx(g), input, [...c.input], names);
    const [n, ch, h, w] = c.input;

    for (const layout of ['NHWC', 'NCHW'] as const) {
      const art = emitTfjs(g, { outputLayout: layout });
      const ops = new Set(art.modelJson.modelTopology.node.map((nd) => nd.op));
      if (c.expectOps) for (const op of c.expectOps) t.true(ops.has(op), `${layout}: expected a ${op} node, got ${[...ops].join(', ')}`);
      const transposes = art.modelJson.modelTopology.node.filter((nd) => nd.op === 'Transpose').length;
      t.is(transposes, layout === 'NHWC' ? 0 : names.length, `${layout}: runtime transposes`);
      const model = await loadTfjs(art);
      for (const backend of BACKENDS) {
        const got = await runTfjs(model, backend, nchwToNhwc(input, c.input), [n, h, w, ch], names);
        got.forEach((o, i) => {
          const nchw = layout === 'NHWC' ? nhwcToNchw(o.data, o.shape) : o.data;
          const shape = layout === 'NHWC' ? [o.shape[0], o.shape[3], o.shape[1], o.shape[2]] : o.shape;
          t.deepEqual(shape, ref[i].shape, `${layout}/${backend} ${names[i]} shape`);
          const d = diff(nchw, ref[i].data);
          t.true(withinParity(d), `${layout}/${backend} ${names[i]}: relL2 ${d.relL2.toExponential(2)} maxAbs ${d.maxAbs.toExponential(2)} (max |ref| ${d.maxRef.toFixed(3)})`);
        });
      }
      model.dispose();
    }
  });
}
