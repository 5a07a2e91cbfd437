import type { Value } from '../../ir/types.js';
import { add, relu } from '../common/conv-bn.js';
import { convModule } from '../common/conv-bn.js';
import type { BlockPlace } from '../common/msmu-config.js';
import type { ParamReader } from '../common/params.js';
import type { RsnConfig } from './config.js';

/**
 * Residual Steps Block (expansion 1) at `prefix`, all parts ConvModules:
 *   y = conv_bn_relu1(x)            1x1, inC -> steps*w, carries the block's stride
 *   split y into `steps` slices of w channels: s_1 .. s_steps
 *   step i (1-based), j = 1..i:  in = (j == 1 ? s_i : o[i][j-1]) + (j < i ? o[i-1][j] : 0)
 *                                o[i][j] = conv_bn_relu2_<i>_<j>(in)   3x3, w -> w
 *   z = conv_bn3(concat(o[1][1], o[2][2], ..., o[steps][steps]))      1x1 -> outC, no ReLU
 *   out = relu(z + (downsample(x) | x))    downsample: 1x1 stride conv + BN when the
 *                                          stride or width changes
 * w = floor(inC * expandTimes / stemChannels).
 * x: [N, inC, H, W] -> [N, outC, H/stride, W/stride]
 */
export function residualStepsBlock(p: ParamReader, x: Value, prefix: string, cfg: RsnConfig, at: BlockPlace): Value {
  const g = p.graph;
  const steps = cfg.numSteps;
  const w = Math.floor((at.inC * cfg.expandTimes) / cfg.stemChannels);
  const y = convModule(p, x, `${prefix}.conv_bn_relu1`, { k: 1, stride: at.stride, outC: steps * w, act: true });
  const outputs: Value[][] = [];
  const ends: Value[] = [];
  for (let i = 0; i < steps; i++) {
    const row: Value[] = [];
    outputs.push(row);
    for (let j = 0; j <= i; j++) {
      let input = j === 0 ? g.add('slice', [y], { axis: 1, start: i * w, end: (i + 1) * w }, { name: `${prefix}.split${i}` }) : row[j - 1];
      const name = `${prefix}.conv_bn_relu2_${i + 1}_${j + 1}`;
      if (i > j) input = add(p, input, outputs[i - 1][j], `${name}.in`);
      row.push(convModule(p, input, name, { k: 3, outC: w, act: true }));
    }
    ends.push(row[i]);
  }
  const cat = g.add('concat', ends, { axis: 1 }, { name: `${prefix}.cat` });
  const z = convModule(p, cat, `${prefix}.conv_bn3`, { k: 1, outC: at.outC, act: false });
  const identity = at.stride !== 1 || at.inC !== at.outC ? convModule(p, x, `${prefix}.downsample`, { k: 1, stride: at.stride, outC: at.outC, act: false }) : x;
  return relu(p, add(p, z, identity, prefix), prefix);
}
