import { constantData, constantDataInto, constantSources } from '../ir/constant.js';
import type { Graph } from '../ir/graph.js';
import type { BatchNormNode, ConvNode, ConvTransposeNode, Node, Value } from '../ir/types.js';
import type { Pass } from './pass.js';


/** The conv a batch norm can fold into: its operand's producer, read by this BN only. */
function foldTarget(bn: BatchNormNode, graph: Graph): ConvNode | ConvTransposeNode | null {
  const x = bn.inputs[0];
  const conv = x.producer;
  if (!conv || (conv.op !== 'conv' && conv.op !== 'conv_transpose')) return null;
  if (x.uses.length !== 1 || graph.outputs.includes(x)) return null;
  if (!conv.inputs.slice(1).every((v) => v.constant)) return null;
  if (!bn.inputs.slice(1).every((v) => v.constant)) return null;
  return conv;
}

/**
 * Replaces one operand of `node` (position `i`) by `to`, keeping use lists exact.
 */
function setOperand(node: Node, i: number, to: Value): void {
  const from = node.inputs[i];
  const k = from.uses.indexOf(node);
  if (k >= 0) from.uses.splice(k, 1);
  node.inputs[i] = to;
  to.uses.push(node);
}

/**
 * fold-batchnorm: a BatchNorm whose operand is produced by a Conv or ConvTranspose
 * that nothing else reads (and that is not a graph output), with constant weights,
 * is folded into that conv: with s = gamma / sqrt(var + eps) per output channel,
 *   W'[o, ...] = W[o, ...] * s[o]                 (Conv: weight [outC, inC/g, kH, kW])
 *   W'[i, j, ...] = W[i, j, ...] * s[g(i)*outC/g + j]   (ConvTranspose: [inC, outC/g, kH, kW])
 *   b'[o] = (b[o] - mean[o]) * s[o] + beta[o]     (b = 0 without a bias)
 * computed in float64 and stored as float32, as derived constants naming their sources:
 * the arithmetic runs when an emitter reads them, one tensor at a time.
 * The BN node is removed, its readers read the conv, and constants left unread are
 * dropped. Requires a verified graph; leaves a verified graph with no BatchNorm
 * behind a single-use conv; a BN after anything else (add, relu, a shared conv) stays.
 * modified: at least one BN was folded.
 */
export const foldBatchNorm: Pass = {
  name: 'fold-batchnorm',
  summary: 'fold inference batch norms into the preceding single-use conv / transposed conv',
  run(graph: Graph) {
    let folded = 0;
    for (const bn of [...graph.nodes]) {
      if (bn.op !== 'batch_norm') continue;
      const conv = foldTarget(bn, graph);
      if (!conv) continue;
      const [, gammaV, betaV, meanV, varV] = bn.inputs;
      const wV = conv.inputs[1];
      const bV = conv.inputs[2] as Value | undefined;
      const outC = gammaV.shape[0] as number;
      const eps = bn.attrs.epsilon;
      const isTransposed = conv.op === 'conv_transpose';
      const group = conv.attrs.group;
      // per-channel scale, computed when first needed (small: outC values)
      let scaleCache: Float64Array | null = null;
      const scaleOf = (): Float64Array => {
        if (scaleCache) return scaleCache;
        const gamma = constantData(gammaV);
        const variance = constantData(varV);
        const s = new Float64Array(outC);
        for (let o = 0; o < outC; o++) s[o] = gamma[o] / Math.sqrt(variance[o] + eps);
        return (scaleCache = s);
      };
      // constant data is read-only (a checkpoint read may be a view of the caller's buffer,
      // computed data is shared): the derived weight is written into its own array: elements
      // [start, start + w2.length) of W are read into `w2`, then scaled there in place, each
      // element by its output channel's s (a run of `run` elements shares one s)
      const [d0, d1, kh, kw] = wV.shape as number[];
      const k = kh * kw;
      const run = isTransposed ? k : d1 * k;
      const channelOf = (r: number): number => (isTransposed ? Math.floor(Math.floor(r / d1) / (d0 / group)) * d1 + (r % d1) : r);
      const foldWeightInto = (w2: Float32Array, start: number): void => {
        const scale = scaleOf();
        constantDataInto(wV, w2, start);
        for (let at = 0; at < w2.length; ) {
          const r = Math.floor((start + at) / run);
          const end = Math.min(w2.length, (r + 1) * run - start);
          const s = scale[channelOf(r)];
          for (let i = at; i < end; i++) w2[i] = w2[i] * s;
          at = end;
        }
      };
      const foldWeight = (): Float32Array => {
        const w2 = new Float32Array(d0 * d1 * k);
        foldWeightInto(w2, 0);
        return w2;
      };
      const foldBias = (): Float32Array => {
        const scale = scaleOf();
        const [beta, mean] = [constantData(betaV), constantData(meanV)];
        const b = bV ? constantData(bV) : null;
        const b2 = new Float32Array(outC);
        for (let o = 0; o < outC; o++) b2[o] = ((b ? b[o] : 0) - mean[o]) * scale[o] + beta[o];
        return b2;
      };

      const bnSources = [gammaV, betaV, meanV, varV].flatMap(constantSources);
      const wNew = graph.addDerivedConstant(`${wV.name}:bn_folded`, wV.shape as number[], foldWeight, [...constantSources(wV), ...bnSources], foldWeightInto);
      const bName = bV ? `${bV.name}:bn_folded` : `${conv.origin ?? conv.name}.bias:bn_folded`;
      const bNew = graph.addDerivedConstant(bName, [outC], foldBias, [...(bV ? constantSources(bV) : []), ...bnSources]);
      setOperand(conv, 1, wNew);
      if (bV) setOperand(conv, 2, bNew);
      else {
        conv.inputs.push(bNew);
        bNew.uses.push(conv);
      }
      graph.replaceAllUses(bn.outputs[0], conv.outputs[0]);
      graph.removeNode(bn);
      folded++;
    }
    if (folded) graph.pruneConstants();
    return { graph, modified: folded > 0 };
  },
};
