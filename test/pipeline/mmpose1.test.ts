/**
 * MMPose 1.x checkpoints through convert, inspect and verify. For every reference in
 * the zoo references, the 1.x layout of the same seed-0 weights (a full mmengine
 * training checkpoint in the zip container, a published-style {meta, state_dict} one in
 * the legacy container) converts to ONNX whose initializers equal, name for name and
 * byte for byte, those converted from the 0.x file; its outputs equal MMPose's reference
 * outputs (plain and flip-averaged) within the parity tolerance, relL2 <= 1e-5 and
 * maxAbs <= 1e-4 x max|ref|; report.json says which layout was read.
 */
import test from 'ava';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { familyByName } from '../../src/arch/index.js';
import { validateJson } from '../../src/core/json-schema.js';
import { onnx, type TensorProto } from '../../src/emit/onnx/proto.js';
import { convertCheckpoint } from '../../src/pipeline/convert.js';
import { REPORT_SCHEMA, verifyArtifacts } from '../../src/pipeline/verify.js';
import { makeCheckpoint1x } from '../helpers/ckpt-1x.js';
import { makeCheckpoint, readManifest, requireTorch, ROOT, runPython } from '../helpers/ckpt.js';
import { runCli } from '../helpers/cli.js';
import { diff, readReference, referenceModels, withinParity } from '../helpers/compare.js';
import { flipAverage, flipW } from '../helpers/flip.js';
import { runOrt } from '../emit/onnx/ort.js';
import { workDir } from './converted.js';

const models = referenceModels();

test('there are references to compare with', (t) => t.true(models.length > 0));

function initializers(file: string): Map<string, Buffer> {
  const m = onnx.ModelProto.decode(readFileSync(file));
  return new Map(
    (m.graph!.initializer as TensorProto[]).map((x) => [x.name, Buffer.from(x.rawData.buffer, x.rawData.byteOffset, x.rawData.byteLength)]),
  );
}

for (const model of models)
  for (const legacy of [false, true])
    test(`${model}: the MMPose 1.x ${legacy ? 'published-style (legacy .pth)' : 'training (zip .pth)'} checkpoint converts to the 0.x file's weights and MMPose's outputs`, async (t) => {
      if (!requireTorch()) return t.pass('PyTorch not installed (required in CI)');
      const family = readManifest(model).family;
      const v1 = makeCheckpoint1x(model, legacy ? { legacy, kind: 'converted' } : { kind: 'training', preprocessorBuffers: true });
      const v0 = makeCheckpoint(model, { legacy });
      const { dir, cleanup } = workDir('mmpose1');
      try {
        const r1 = (await convertCheckpoint(v1, { out: join(dir, '1x'), zoo: model, formats: ['onnx'] })).report;
        const r0 = (await convertCheckpoint(v0, { out: join(dir, '0x'), zoo: model, formats: ['onnx'] })).report;
        t.is(validateJson(REPORT_SCHEMA, JSON.parse(readFileSync(join(dir, '1x', 'report.json'), 'utf8'))), null);
        t.deepEqual(r1.source.layout, {
          name: 'mmpose-1.x',
          head: familyByName(family).head.v1,
          set_aside: legacy ? [] : ['data_preprocessor.mean', 'data_preprocessor.std'],
        });
        t.deepEqual(r0.source.layout, { name: 'mmpose-0.x', head: null, set_aside: [] });
        if (!legacy) t.true(r1.warnings.some((w) => /data_preprocessor\.mean, data_preprocessor\.std set aside/.test(w)));
        t.is(r1.arch, r0.arch);
        t.deepEqual(r1.config, r0.config);
        t.deepEqual(r1.tensor_checksums, r0.tensor_checksums);
        t.is(r1.keys.consumed, r0.keys.consumed);

        const w1 = initializers(join(dir, '1x', 'model.onnx'));
        const w0 = initializers(join(dir, '0x', 'model.onnx'));
        t.deepEqual([...w1.keys()], [...w0.keys()]);
        const differ = [...w0].filter(([k, b]) => !b.equals(w1.get(k)!)).map(([k]) => k);
        t.deepEqual(differ, [], 'initializers whose bytes differ');
        t.log(`${w1.size} initializers identical`);

        const ref = readReference(model);
        const bytes = readFileSync(join(dir, '1x', 'model.onnx'));
        const plain = (await runOrt(bytes, ref.input, ref.inputShape)).get('heatmaps')!;
        const flipped = (await runOrt(bytes, flipW(ref.input, ref.inputShape), ref.inputShape)).get('heatmaps')!;
        const m = readManifest(model);
        const avg = flipAverage(plain.data, flipped.data, plain.dims, m.flip_pairs, m.test_cfg.shift_heatmap === true);
        const out = diff(plain.data, ref.output);
        const flip = diff(avg, ref.outputFlip);
        t.log(`output relL2 ${out.relL2.toExponential(2)} maxAbs ${out.maxAbs.toExponential(2)} (max|ref| ${out.maxRef.toFixed(3)}); flip relL2 ${flip.relL2.toExponential(2)} maxAbs ${flip.maxAbs.toExponential(2)}`);
        t.true(withinParity(out), JSON.stringify(out));
        t.true(withinParity(flip), JSON.stringify(flip));
      } finally {
        cleanup();
      }
    });

test('verify: a 1.x conversion checks out against its checkpoint, and the 0.x conversion of the same weights against the 1.x file too', async (t) => {
  if (!requireTorch()) return t.pass('PyTorch not installed (required in CI)');
  const model = 'rsn18_coco_256x192';
  const v1 = makeCheckpoint1x(model, { kind: 'training', preprocessorBuffers: true });
  const { dir, cleanup } = workDir('mmpose1-verify');
  try {
    await convertCheckpoint(v1, { out: join(dir, '1x'), zoo: model, formats: ['onnx', 'tfjs'] });
    const same = await verifyArtifacts(v1, join(dir, '1x'));
    t.true(same.ok, JSON.stringify(same.checks.filter((c) => !c.ok)));
    await convertCheckpoint(makeCheckpoint(model), { out: join(dir, '0x'), zoo: model, formats: ['onnx'] });
    const cross = await verifyArtifacts(v1, join(dir, '0x'));
    const failed = cross.checks.filter((c) => !c.ok).map((c) => c.name);
    t.deepEqual(failed, ['source-sha256'], 'only the file digest differs: every tensor, the architecture and the weights agree');
  } finally {
    cleanup();
  }
});

test('inspect names the layout and lists the tensors as the file stores them', (t) => {
  if (!requireTorch()) return t.pass('PyTorch not installed (required in CI)');
  const file = makeCheckpoint1x('rsn18_coco_256x192', { kind: 'training', preprocessorBuffers: true });
  const r = runCli(['inspect', file, '--json']);
  t.is(r.code, 0, r.stderr);
  const j = JSON.parse(r.stdout);
  t.deepEqual(j.layout, { name: 'mmpose-1.x', head: 'MSPNHead', set_aside: ['data_preprocessor.mean', 'data_preprocessor.std'] });
  t.is(j.meta.mmengine_version, '0.10.3');
  t.true(j.meta.config_text);
  t.is(j.architecture.preset, 'rsn18');
  t.true(j.tensors.some((x: { name: string }) => x.name === 'head.predict_layers.3.conv_layers.1.conv.weight'));
  t.false(j.tensors.some((x: { name: string }) => x.name.startsWith('keypoint_head.')));
  const text = runCli(['inspect', file]);
  t.regex(text.stdout, /layout: +MMPose 1\.x keys \(MSPNHead\); set aside: data_preprocessor\.mean, data_preprocessor\.std/);
  t.regex(text.stdout, /meta: +mmengine 0\.10\.3/);
});

test("convert of a 1.x file missing a head tensor exits 2 naming the key as the file stores it", (t) => {
  if (!requireTorch()) return t.pass('PyTorch not installed (required in CI)');
  const { dir, cleanup } = workDir('mmpose1-missing');
  try {
    const file = join(dir, 'tiny-1x.pth');
    runPython(
      `import sys, torch
sd = torch.load(sys.argv[1], map_location='cpu')
sd = sd.get('state_dict', sd)
out = {}
for k, v in sd.items():
    out[k.replace('keypoint_head.', 'head.', 1) if k.startswith('keypoint_head.') else k] = v
del out['head.final_layer.bias']
torch.save({'meta': {'mmengine_version': '0.10.3'}, 'state_dict': out}, sys.argv[2])`,
      [join(ROOT, 'fixtures', 'default', 'tiny_res_simplebaseline.pth'), file],
    );
    const r = runCli(['convert', file, '--out', join(dir, 'out')]);
    t.is(r.code, 2, r.stderr);
    t.regex(r.stderr, /missing 'head\.final_layer\.bias'/);
    t.notRegex(r.stderr, /keypoint_head/);
  } finally {
    cleanup();
  }
});
