/**
 * The checkpoint's own config decides the artifact: `convert ckpt.pth` with no --zoo and
 * no --input-size takes the input size, decoding and normalisation from meta['config']
 * (0.x) or meta['cfg'] (1.x), records where each setting came from, matches MMPose's
 * reference outputs, and falls back to family defaults only with a warning (an error
 * under --strict). Precedence: flags > zoo row > config > defaults.
 */
import test from 'ava';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import * as ort from 'onnxruntime-node';
import { readCheckpointConfig } from '../../src/config/index.js';
import { validateOnnx } from '../../src/emit/onnx/index.js';
import { combineFlipTest } from '../../src/eval/flip.js';
import { convertCheckpoint } from '../../src/pipeline/convert.js';
import { resolveSettings } from '../../src/pipeline/settings.js';
import { getZooEntry } from '../../src/zoo/registry.js';
import { CHECKPOINT_WRITER, ROOT, listManifests, makeCheckpoint, manifestPath, readManifest, requireTorch, runPython } from '../helpers/ckpt.js';
import { runCli } from '../helpers/cli.js';
import { diff, readReference, referenceModels, withinParity } from '../helpers/compare.js';
import { configCheckpoint } from '../helpers/config-ckpt.js';
import { flipW } from '../helpers/flip.js';
import { config0x, config1x } from '../helpers/mmpose-config-text.js';

const work = mkdtempSync(join(tmpdir(), 'pose-port-convert-config-'));
test.after.always(() => rmSync(work, { recursive: true, force: true }));

const zooDecode = (name: string) => {
  const t = getZooEntry(name).config.test_cfg;
  return { method: t.post_process, flip_test: t.flip_test, shift_heatmap: t.shift_heatmap, modulate_kernel: t.modulate_kernel };
};

test("every --meta config text of the checkpoint writer (a simplified mmcv text) resolves to its zoo row's input size and decoding, from the config", (t) => {
  if (!requireTorch()) return t.pass('PyTorch absent (local run)');
  const names = listManifests();
  // the writer's own config_text() (makeckpt.py's recipe), for each manifest (its import needs torch)
  const texts: Record<string, string> = JSON.parse(
    runPython(
      `import gzip, importlib.util, json, sys\nm = importlib.util.spec_from_file_location('mk', sys.argv[1]); mk = importlib.util.module_from_spec(m); m.loader.exec_module(mk)\nprint(json.dumps({p: mk.config_text(json.load(gzip.open(p))) for p in sys.argv[2:]}))`,
      [CHECKPOINT_WRITER, ...names.map(manifestPath)],
    ),
  );
  t.is(names.length, 26);
  for (const name of names) {
    const man = readManifest(name);
    const cfg = readCheckpointConfig({ config: texts[manifestPath(name)] })!;
    const s = resolveSettings({ family: man.family, numKeypoints: man.num_output_channels, file: name, config: cfg });
    const z = getZooEntry(name);
    t.deepEqual(s.inputSizeHW, [z.input.height, z.input.width], name);
    t.deepEqual(s.decode, zooDecode(name), name);
    t.is(s.dataset, z.dataset, name);
    for (const k of ['input.size_hw', 'decode.method', 'decode.flip_test', 'decode.shift_heatmap', 'decode.modulate_kernel']) t.is(s.sources[k].from, 'config', `${name} ${k}`);
    t.is(s.sources['input.normalize'].from, 'default', `${name}: makeckpt's text has no test pipeline`);
    t.true(s.warnings.some((w) => /^input\.normalize: its config does not state it/.test(w)), name);
  }
});

test('a zoo row that disagrees with the config is reported and wins; flags win over both; --strict refuses defaults', (t) => {
  const name = 'hrnet_w48_coco_wholebody_384x288_dark_plus';
  const man = readManifest(name);
  // the v0.11.0 copy of this config had modulate_kernel=11 (the manifest's config_note)
  const text = config0x(man, { form: 'pretty', version: '0.12', testCfg: { modulate_kernel: 11 } });
  const cfg = readCheckpointConfig({ config: text });
  const s = resolveSettings({ family: 'hrnet', numKeypoints: 133, file: 'x.pth', config: cfg, zoo: getZooEntry(name), inputSizeFlag: [256, 192] });
  t.is(s.decode.modulate_kernel, 17);
  t.is(s.sources['decode.modulate_kernel'].from, 'zoo');
  t.deepEqual(s.disagreements, [{ setting: 'decode.modulate_kernel', zoo: 17, config: 11, field: 'model.test_cfg.modulate_kernel' }]);
  t.true(s.warnings.some((w) => /disagree on decode\.modulate_kernel: zoo 17, config model\.test_cfg\.modulate_kernel 11/.test(w)));
  t.deepEqual(s.inputSizeHW, [256, 192]);
  t.is(s.sources['input.size_hw'].from, 'flag');
  const e = t.throws(() => resolveSettings({ family: 'rsn', numKeypoints: 17, file: 'x.pth', config: null, strict: true }));
  t.is((e as any).code, 'SETTING_DEFAULTED');
  t.regex(e!.message, /keypoints, input\.size_hw, input\.normalize, decode\.method/);
});

/** converts with no flags and compares with the reference, plain and flip-averaged with the artifact's own metadata */
async function referenceParity(t: any, model: string, ckpt: string) {
  const out = join(work, `${model}-${Math.random().toString(36).slice(2)}`);
  const { report } = await convertCheckpoint(ckpt, { out });
  const bytes = readFileSync(join(out, 'model.onnx'));
  const meta = JSON.parse(validateOnnx(bytes).metadata.pose_port);
  const ref = readReference(model);
  const session = await ort.InferenceSession.create(bytes);
  const run = async (x: Float32Array) => (await session.run({ input: new ort.Tensor('float32', x, ref.inputShape) })).heatmaps;
  const plain = await run(ref.input);
  t.deepEqual([...plain.dims], ref.outputShape);
  const d = diff(plain.data as Float32Array, ref.output);
  const flipped = await run(flipW(ref.input, ref.inputShape));
  const avg = combineFlipTest(plain.data as Float32Array, flipped.data as Float32Array, ref.outputShape as any, meta.flip_pairs, meta.decode.shift_heatmap);
  const df = diff(avg, ref.outputFlip);
  t.log(`${model}: relL2 ${d.relL2.toExponential(2)} maxAbs ${d.maxAbs.toExponential(2)}; flip relL2 ${df.relL2.toExponential(2)} maxAbs ${df.maxAbs.toExponential(2)} (tolerance relL2 1e-5, maxAbs 1e-4 x max|ref|)`);
  t.true(withinParity(d), JSON.stringify(d));
  t.true(withinParity(df), JSON.stringify(df));
  rmSync(out, { recursive: true, force: true });
  return { report, meta };
}

const REFS = referenceModels();
test('references are present', (t) => t.true(REFS.length >= 4));
REFS.forEach((model, i) => {
  test.serial(`${model}: convert with no --zoo and no --input-size takes the config's settings and matches MMPose`, async (t) => {
    if (!requireTorch()) return t.pass('PyTorch absent (local run)');
    const z = getZooEntry(model);
    const { report, meta } = await referenceParity(t, model, makeCheckpoint(model, { meta: true, legacy: i % 2 === 0 }));
    t.is(report.zoo, null);
    t.deepEqual(meta.input.size_hw, [z.input.height, z.input.width]);
    t.deepEqual(meta.decode, zooDecode(model));
    t.is(meta.sources['decode.method'].from, 'config');
    t.is(report.checkpoint_config?.meta_key, 'config');
  });
});

test.serial('a 1.x HRNet DARK checkpoint (1.x keys, mmengine cfg dump) of the same weights gives the same settings and matches MMPose', async (t) => {
  if (!requireTorch()) return t.pass('PyTorch absent (local run)');
  const model = 'hrnet_w32_coco_256x192_dark';
  const man = readManifest(model);
  const ckpt = configCheckpoint({ base: { manifest: model }, metaKey: 'cfg', text: config1x(man, { form: 'pretty', version: '1.x' }), layout1x: true });
  const { report, meta } = await referenceParity(t, model, ckpt);
  t.deepEqual(meta.decode, zooDecode(model));
  t.is(meta.sources['decode.method'].detail, "meta['cfg'] model.head.decoder.unbiased");
  t.is(meta.sources['input.normalize'].from, 'config');
  t.is(report.checkpoint_config?.mmpose, '1.x');
});

test.serial('a 1.x RSN config (hand-written file, MegviiHeatmap) and a 0.x file with flip_test False', async (t) => {
  if (!requireTorch()) return t.pass('PyTorch absent (local run)');
  const man = readManifest('rsn18_coco_256x192');
  const rsn = configCheckpoint({ base: { manifest: 'rsn18_coco_256x192' }, metaKey: 'cfg', text: config1x(man, { form: 'file', version: '1.x' }), legacy: true, layout1x: true });
  const a = await convertCheckpoint(rsn, { out: join(work, 'rsn1x') });
  t.deepEqual(a.report.metadata.decode, { method: 'megvii', flip_test: true, shift_heatmap: false, modulate_kernel: 5 });
  t.true(a.report.checkpoint_config!.not_read.some((s) => /line \d+, column \d+: expression \('\*'\) not evaluated/.test(s)), 'the loss arithmetic is listed, not evaluated');
  const noflip = configCheckpoint({
    base: { manifest: 'rsn18_coco_256x192' },
    metaKey: 'config',
    text: config0x(man, { form: 'file', version: '0.12', testCfg: { flip_test: false } }),
  });
  const b = await convertCheckpoint(noflip, { out: join(work, 'rsn-noflip') });
  t.false(b.report.metadata.decode.flip_test);
  t.is(b.report.metadata.sources!['decode.flip_test'].detail, "meta['config'] model.test_cfg.flip_test");
});

test.serial('a config that disagrees with the tensor keys is refused naming both; --strict refuses a fallback (exit 2)', (t) => {
  if (!requireTorch()) return t.pass('PyTorch absent (local run)');
  const tiny = join(ROOT, 'fixtures', 'default', 'tiny_res_simplebaseline.pth');
  const bad = configCheckpoint({
    base: { pth: tiny },
    metaKey: 'config',
    text: "model = dict(type='TopDown', backbone=dict(type='HRNet', in_channels=3), keypoint_head=dict(out_channels=17))\n",
  });
  const r = runCli(['convert', bad, '--out', join(work, 'bad'), '--json']);
  t.is(r.code, 2);
  t.regex(r.stderr, /CONFIG_MISMATCH/);
  t.regex(r.stderr, /model\.backbone\.type = "HRNet", but its tensor keys show "the resnet family"/);
  const s = runCli(['convert', tiny, '--strict', '--out', join(work, 'strict')]);
  t.is(s.code, 2);
  t.regex(s.stderr, /SETTING_DEFAULTED/);
  t.regex(s.stderr, /decode\.method/);
});
