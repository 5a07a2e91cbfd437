import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import * as ort from 'onnxruntime-node';
import { convertCheckpoint } from '../../src/pipeline/convert.js';
import { makeCheckpoint } from '../helpers/ckpt.js';
for (const name of process.argv.slice(2)) {
  const out = join(mkdtempSync(join(tmpdir(), 'n0r-')), 'k');
  await convertCheckpoint(makeCheckpoint(name), { out, zoo: name, formats: ['onnx'], graph: 'keypoints' });
  const s = await ort.InferenceSession.create(join(out, 'model.onnx'));
  for (const n of [0, 1]) {
    try {
      const o = await s.run({ image: new ort.Tensor('uint8', new Uint8Array(64 * 48 * 3).fill(9), [64, 48, 3]), boxes: new ort.Tensor('float32', new Float32Array(4 * n).fill(5), [n, 4]) });
      console.log(name, n, 'ok', o.keypoints.dims);
    } catch (e) { console.log(name, n, 'FAIL', String(e).slice(0, 400)); }
  }
}
