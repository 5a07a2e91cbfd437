/**
 * Test cases shared by the RSN and MSPN families (both built by src/arch/common/msmu.ts):
 * each family's test files register these for their own manifests.
 */
import type { ExecutionContext, TestFn } from 'ava';
import { FAMILIES, familyByName, detectArchitecture } from '../../../src/arch/index.js';
import type { Detection, FamilyName } from '../../../src/arch/family.js';
import type { MsmuConfig } from '../../../src/arch/common/msmu-config.js';
import { expectPoseError } from '../../helpers/errors.js';
import type { TensorSet } from '../../../src/core/tensor.js';
import { verifyGraph } from '../../../src/ir/verify.js';
import { inputSizeOf, manifestsOf, readManifest } from '../../helpers/ckpt.js';
import { tensorSetFromManifest } from '../../helpers/manifest-tensors.js';

/** 'rsn50_coco_256x192' -> 'rsn50' (zoo preset names are the config names' first part). */
export function presetOf(model: string): string {
  return model.slice(0, model.indexOf('_'));
}

export function detectOrFail(t: ExecutionContext, tensors: TensorSet): Detection<MsmuConfig & { numSteps?: number }> {
  const d = detectArchitecture(tensors);
  if (!d) return t.fail('no family detected') as never;
  return d as Detection<MsmuConfig & { numSteps?: number }>;
}

/**
 * Registers structure, detection and error tests for `models` of `family`; `blockConv` is
 * a conv of the family's encoder block (under `.downsample.layer3.2.`), dropped in the
 * missing-key test.
 */
export function structureTests(test: TestFn, family: FamilyName, models: readonly string[], blockConv: string): void {
  for (const model of models) {
    test(`${model}: detection gives the manifest's family, preset and config`, (t) => {
      const m = readManifest(model);
      const d = detectOrFail(t, tensorSetFromManifest(model));
      t.is(d.family, family);
      t.is(d.preset, presetOf(model));
      const c = d.config;
      t.is(c.numStages, m.backbone.num_stages);
      t.is(c.numUnits, m.backbone.num_units);
      t.deepEqual(c.numBlocks, m.backbone.num_blocks);
      t.is(c.unitChannels, m.backbone.unit_channels);
      t.is(c.stemChannels, 64);
      t.is(c.head.outChannels, m.head.out_channels);
      t.is(c.head.usePrm, m.head.use_prm);
      t.is(c.numSteps, m.backbone.num_steps);
    });

    test(`${model}: builds with every key consumed, output [N, K, 64, 48], verified graph`, (t) => {
      const m = readManifest(model);
      const tensors = tensorSetFromManifest(model);
      const d = detectOrFail(t, tensors);
      const r = familyByName(family).build(tensors, d.config, { inputSize: inputSizeOf(model) });
      verifyGraph(r.graph);
      t.is(r.consumed + r.ignored.length, m.num_entries);
      t.true(r.ignored.every((k) => k.endsWith('.num_batches_tracked')));
      t.is(r.graph.outputs.length, 1);
      t.is(r.graph.outputs[0].name, 'heatmaps');
      t.deepEqual([...r.graph.outputs[0].shape], ['N', m.num_output_channels, ...m.head.out_shape]);
      t.deepEqual([...r.graph.inputs[0].shape], ['N', 3, ...inputSizeOf(model)]);
    });

    test(`${model}: allOutputs names every stage's and unit's heatmaps`, (t) => {
      const m = readManifest(model);
      const tensors = tensorSetFromManifest(model);
      const d = detectOrFail(t, tensors);
      const { graph } = familyByName(family).build(tensors, d.config, { inputSize: inputSizeOf(model), allOutputs: true });
      verifyGraph(graph);
      const S = m.backbone.num_stages;
      const U = m.backbone.num_units;
      const expected = ['heatmaps'];
      for (let s = 0; s < S; s++) for (let u = 0; u < U; u++) if (s !== S - 1 || u !== U - 1) expected.push(`heatmaps_s${s}_u${u}`);
      t.deepEqual(
        graph.outputs.map((o) => o.name),
        expected,
      );
      t.deepEqual(familyByName(family).outputNames(d.config, true), expected);
      t.deepEqual(familyByName(family).outputNames(d.config, false), ['heatmaps']);
      for (const o of graph.outputs) t.deepEqual([...o.shape], ['N', m.num_output_channels, ...m.head.out_shape]);
      // every predictor ends in its own resize: the outputs are distinct values
      t.is(new Set(graph.outputs.map((o) => o.producer)).size, S * U);
    });
  }

  const model = models[models.length - 1];
  const base = `backbone.multi_stage_${family}`;
  const m = readManifest(model);
  const S = m.backbone.num_stages;
  const lastStage = `${base}.${S - 1}`;

  test(`${model}: a missing key is KEY_MISSING naming it`, (t) => {
    const key = `${lastStage}.downsample.layer3.2.${blockConv}.weight`;
    const tensors = tensorSetFromManifest(model, { drop: [key] });
    const d = detectOrFail(t, tensors);
    const e = expectPoseError(t, () => familyByName(family).build(tensors, d.config, { inputSize: [256, 192] }), 'KEY_MISSING');
    t.is(e.key, key);
    t.regex(e.message, new RegExp(`'${key.replace(/\./g, '\\.')}'`));
  });

  test(`${model}: a missing BN statistic of a cross-stage connection is KEY_MISSING`, (t) => {
    if (S < 2) return t.pass();
    const key = `${base}.0.upsample.up2.out_skip2.bn.running_var`;
    const tensors = tensorSetFromManifest(model, { drop: [key] });
    const d = detectOrFail(t, tensors);
    t.is(expectPoseError(t, () => familyByName(family).build(tensors, d.config, { inputSize: [256, 192] }), 'KEY_MISSING').key, key);
  });

  test(`${model}: an altered shape is SHAPE_MISMATCH naming the key`, (t) => {
    const key = `${lastStage}.upsample.up3.up_conv.conv.weight`;
    const tensors = tensorSetFromManifest(model, { reshape: { [key]: [256, 128, 1, 1] } });
    const d = detectOrFail(t, tensors);
    const e = expectPoseError(t, () => familyByName(family).build(tensors, d.config, { inputSize: [256, 192] }), 'SHAPE_MISMATCH');
    t.is(e.key, key);
  });

  test(`${model}: a head width change is SHAPE_MISMATCH, not a silent new config`, (t) => {
    const key = `keypoint_head.predict_layers.${S * 4 - 1}.conv_layers.1.conv.weight`;
    const tensors = tensorSetFromManifest(model, { reshape: { [key]: [16, 256, 3, 3] } });
    const d = detectOrFail(t, tensors);
    t.is(d.config.head.outChannels, 17);
    t.is(expectPoseError(t, () => familyByName(family).build(tensors, d.config, { inputSize: [256, 192] }), 'SHAPE_MISMATCH').key, key);
  });

  test(`${model}: an extra key is KEY_UNEXPECTED naming it`, (t) => {
    const key = `${lastStage}.upsample.up4.cross_conv.conv.weight`;
    const tensors = tensorSetFromManifest(model, { add: [[key, [64, 256, 1, 1]]] });
    const d = detectOrFail(t, tensors);
    const e = expectPoseError(t, () => familyByName(family).build(tensors, d.config, { inputSize: [256, 192] }), 'KEY_UNEXPECTED');
    t.is(e.key, key);
  });

  test(`${family}: a key set of the other multi-stage family is not detected as ${family}`, (t) => {
    const other = manifestsOf(FAMILIES.find((f) => f.name !== family && f.head.multiStage)!.name)[0];
    const d = detectArchitecture(tensorSetFromManifest(other));
    t.not(d?.family, family);
  });

  test(`${family}: out_shape from the config, else input / 4`, (t) => {
    const tensors = tensorSetFromManifest(models[0]);
    const d = detectOrFail(t, tensors);
    const f = familyByName(family);
    const a = f.build(tensors, { ...d.config, head: { ...d.config.head, outShape: [32, 24] } }, { inputSize: [256, 192] });
    t.deepEqual([...a.graph.outputs[0].shape], ['N', 17, 32, 24]);
    const b = f.build(tensors, d.config, { inputSize: [384, 288] });
    t.deepEqual([...b.graph.outputs[0].shape], ['N', 17, 96, 72]);
    t.deepEqual(b.graph.meta.heatmapSize, [96, 72]);
  });

  test(`${family}: an inconsistent config is rejected before building`, (t) => {
    const tensors = tensorSetFromManifest(models[0]);
    const d = detectOrFail(t, tensors);
    expectPoseError(t, () => familyByName(family).build(tensors, { ...d.config, numBlocks: [3, 4, 6] }, { inputSize: [256, 192] }), 'ARCH_MISMATCH');
  });
}
