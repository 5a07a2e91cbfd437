/**
 * The pose refine machine (TopDownMSMUHead use_prm=True). No zoo row enables it, so
 * its keys are derived from MMPose v0.12's PRM module tree (registration order:
 * middle_path, bottom_path, conv_bn_relu_prm_1; `prm` before `conv_layers`):
 *   prm.middle_path.{0,3}       Linear(K, K)         weight [K, K], bias [K]
 *   prm.middle_path.{1,4}       BatchNorm1d(K)
 *   prm.bottom_path.0           ConvModule 1x1 K -> K (conv, bn)
 *   prm.bottom_path.1.depthwise_conv   ConvModule 9x9, groups K: weight [K, 1, 9, 9]
 *   prm.bottom_path.1.pointwise_conv   ConvModule 1x1 K -> 1: weight [1, K, 1, 1], bn [1]
 *   prm.conv_bn_relu_prm_1      ConvModule 3x3 K -> K
 * Proof: a synthetic rsn18 + PRM key set builds with every key consumed and runs; the
 * PRM alone equals a torch implementation of the same module tree (whose state_dict
 * names are checked to be exactly these keys).
 */
import test from 'ava';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { poseRefineMachine } from '../../../src/arch/common/msmu-head.js';
import { ParamReader } from '../../../src/arch/common/params.js';
import { rsnFamily } from '../../../src/arch/rsn/index.js';
import type { DType } from '../../../src/core/dtype.js';
import { tensorSetOf } from '../../../src/core/tensor.js';
import { emitOnnx } from '../../../src/emit/onnx/index.js';
import { Graph } from '../../../src/ir/graph.js';
import { verifyGraph } from '../../../src/ir/verify.js';
import { readManifest, requireTorch, runPython } from '../../helpers/ckpt.js';
import { diff, withinParity } from '../../helpers/compare.js';
import { interpret } from '../../helpers/ir-interp.js';
import { entryOf, tensorSetFromManifest } from '../../helpers/manifest-tensors.js';
import { runOrt } from '../../emit/onnx/ort.js';
import { prmParams } from './keygen.js';
import { detectOrFail } from './msmu-suite.js';

/** rsn18's manifest with PRM entries inserted before each predictor's conv_layers. */
function rsn18WithPrm() {
  const m = readManifest('rsn18_coco_256x192');
  const entries = [];
  const done = new Set<string>();
  for (const [name, shape, dtype] of m.params as [string, number[], DType][]) {
    const hm = /^(keypoint_head\.predict_layers\.\d+)\.conv_layers\./.exec(name);
    if (hm && !done.has(hm[1])) {
      done.add(hm[1]);
      for (const [n, s, d] of prmParams(`${hm[1]}.prm`, 17)) entries.push(entryOf(n, s, d));
    }
    entries.push(entryOf(name, shape, dtype));
  }
  return { tensors: tensorSetOf(entries), added: entries.length - m.params.length };
}

test('an rsn18 key set with PRM keys: use_prm detected, every key consumed, runs in onnxruntime', async (t) => {
  const { tensors, added } = rsn18WithPrm();
  t.is(added, 4 * 38);
  const d = detectOrFail(t, tensors);
  t.true(d.config.head.usePrm);
  t.is(d.preset, 'rsn18');
  const r = rsnFamily.build(tensors, d.config as any, { inputSize: [256, 192] });
  verifyGraph(r.graph);
  t.is(r.consumed + r.ignored.length, tensors.entries.length);
  for (const op of ['global_avg_pool', 'sigmoid', 'mul', 'reshape']) t.is(r.graph.nodes.filter((n) => n.op === op).length > 0, true, op);
  const onnx = emitOnnx(r.graph);
  const x = new Float32Array(3 * 256 * 192).map((_, i) => Math.cos(i * 0.013));
  const out = (await runOrt(onnx, x, [1, 3, 256, 192])).get('heatmaps')!;
  t.deepEqual(out.dims, [1, 17, 64, 48]);
  t.true(out.data.every(Number.isFinite));
});

test('PRM keys missing from one predictor are KEY_MISSING for that predictor', (t) => {
  const { tensors } = rsn18WithPrm();
  const drop = 'keypoint_head.predict_layers.2.prm.bottom_path.1.depthwise_conv.conv.weight';
  const cut = tensorSetOf(tensors.entries.filter((e) => e.name !== drop));
  const d = detectOrFail(t, cut);
  const e = t.throws(() => rsnFamily.build(cut, d.config as any, { inputSize: [256, 192] }));
  t.is((e as any).code, 'KEY_MISSING');
  t.is((e as any).key, drop);
});

test('PRM without prm keys in the checkpoint: a config asking for it names the first missing key', (t) => {
  const tensors = tensorSetFromManifest('rsn18_coco_256x192');
  const d = detectOrFail(t, tensors);
  const e = t.throws(() => rsnFamily.build(tensors, { ...(d.config as any), head: { ...d.config.head, usePrm: true } }, { inputSize: [256, 192] }));
  t.is((e as any).code, 'KEY_MISSING');
  t.regex((e as any).key, /^keypoint_head\.predict_layers\.0\.prm\./);
});

// A torch implementation of PRM's forward from its module tree (mmcv ConvModule =
// conv without bias + BN + optional ReLU; DepthwiseSeparableConvModule = depthwise
// ConvModule + pointwise ConvModule, both with ReLU), random eval-mode weights.
const TORCH_PRM = String.raw`
import json, sys, numpy as np, torch, torch.nn as nn
out_dir, K, H, W, N = sys.argv[1], int(sys.argv[2]), int(sys.argv[3]), int(sys.argv[4]), int(sys.argv[5])
class CM(nn.Module):
    def __init__(s, i, o, k, groups=1):
        super().__init__()
        s.conv = nn.Conv2d(i, o, k, padding=k // 2, groups=groups, bias=False)
        s.bn = nn.BatchNorm2d(o)
    def forward(s, x):
        return torch.relu(s.bn(s.conv(x)))
class DSC(nn.Module):
    def __init__(s, i, o, k):
        super().__init__()
        s.depthwise_conv = CM(i, i, k, groups=i)
        s.pointwise_conv = CM(i, o, 1)
    def forward(s, x):
        return s.pointwise_conv(s.depthwise_conv(x))
class PRM(nn.Module):
    def __init__(s, K):
        super().__init__()
        s.global_pooling = nn.AdaptiveAvgPool2d((1, 1))
        s.middle_path = nn.Sequential(nn.Linear(K, K), nn.BatchNorm1d(K), nn.ReLU(), nn.Linear(K, K), nn.BatchNorm1d(K), nn.ReLU(), nn.Sigmoid())
        s.bottom_path = nn.Sequential(CM(K, K, 1), DSC(K, 1, 9), nn.Sigmoid())
        s.conv_bn_relu_prm_1 = CM(K, K, 3)
    def forward(s, x):
        out_1 = s.conv_bn_relu_prm_1(x)
        out_2 = s.middle_path(s.global_pooling(out_1).view(out_1.size(0), -1)).unsqueeze(2).unsqueeze(3)
        out_3 = s.bottom_path(out_1)
        return out_1 * (1 + out_2 * out_3)
rs = np.random.RandomState(7)
m = PRM(K).eval()
sd = m.state_dict()
for k, v in sd.items():
    if v.dtype != torch.float32: continue
    if k.endswith('running_var') or (k.endswith('.weight') and v.dim() == 1): a = rs.uniform(0.5, 1.5, v.shape)
    elif k.endswith('running_mean') or k.endswith('bias'): a = rs.normal(0, 0.2, v.shape)
    else: a = rs.normal(0, np.sqrt(2.0 / np.prod(v.shape[1:])), v.shape)
    v.copy_(torch.from_numpy(a.astype(np.float32)))
x = torch.from_numpy(rs.normal(0, 1, (N, K, H, W)).astype(np.float32))
with torch.no_grad():
    y = m(x)
index, off = [], 0
with open(out_dir + '/data.bin', 'wb') as f:
    for name, v in list(sd.items()) + [('__input__', x), ('__output__', y)]:
        b = v.contiguous().numpy().tobytes()
        index.append([name, list(v.shape), str(v.dtype).replace('torch.', ''), off])
        f.write(b); off += len(b)
json.dump(index, open(out_dir + '/index.json', 'w'))
`;

test('PRM equals a torch implementation of the same module tree (batch 2)', async (t) => {
  if (!requireTorch()) return t.pass('PyTorch not installed (required in CI)');
  const [K, H, W, N] = [17, 16, 12, 2];
  const dir = mkdtempSync(join(tmpdir(), 'prm-'));
  try {
    runPython(TORCH_PRM, [dir, String(K), String(H), String(W), String(N)]);
    const index = JSON.parse(readFileSync(join(dir, 'index.json'), 'utf8')) as [string, number[], string, number][];
    const bytes = readFileSync(join(dir, 'data.bin'));
    const f32 = (off: number, n: number) => new Float32Array(bytes.buffer.slice(bytes.byteOffset + off, bytes.byteOffset + off + 4 * n));
    const prefix = 'keypoint_head.predict_layers.0.prm';
    const params = index.filter(([n]) => !n.startsWith('__'));
    // the torch module's state_dict names/shapes/order are exactly the derived keys
    t.deepEqual(
      params.map(([n, s]) => [`${prefix}.${n}`, s]),
      prmParams(prefix, K).map(([n, s]) => [n, s]),
    );
    const entries = params.map(([n, s, dt, off]) => {
      const data = dt === 'float32' ? f32(off, s.reduce((a, b) => a * b, 1)) : null;
      return entryOf(`${prefix}.${n}`, s, dt === 'float32' ? 'float32' : 'int64', data ? (i) => data[i] : undefined);
    });
    const [, xs, , xo] = index.find(([n]) => n === '__input__')!;
    const [, ys, , yo] = index.find(([n]) => n === '__output__')!;
    const x = f32(xo, xs.reduce((a, b) => a * b, 1));
    const expected = f32(yo, ys.reduce((a, b) => a * b, 1));

    const g = new Graph();
    const p = new ParamReader(g, tensorSetOf(entries), 'prm');
    const y = poseRefineMachine(p, prefix, g.addInput('input', ['N', K, H, W]));
    g.markOutput(y, 'heatmaps');
    t.is(p.finish().ignored.length, 6);
    verifyGraph(g);
    const ort = (await runOrt(emitOnnx(g), x, [N, K, H, W])).get('heatmaps')!;
    t.deepEqual(ort.dims, ys);
    const d = diff(ort.data, expected);
    const di = diff(interpret(g, x, [N, K, H, W]).get('heatmaps')!, expected);
    t.log(`onnxruntime relL2 ${d.relL2.toExponential(2)} maxAbs ${d.maxAbs.toExponential(2)}; interpreter relL2 ${di.relL2.toExponential(2)} (max|ref| ${d.maxRef.toFixed(3)})`);
    t.true(withinParity(d), JSON.stringify(d));
    t.true(withinParity(di), JSON.stringify(di));
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});
