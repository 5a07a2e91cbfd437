/**
 * A straightforward reference interpreter of the IR: naive NCHW loops, float64
 * accumulation, float32 storage. Slow, obviously correct, independent of any
 * runtime: the emitters' tests compare onnxruntime/TF.js against it, and it helps
 * find the first intermediate value where a port diverges (every value is returned).
 */
import { constantData } from '../../src/ir/constant.js';
import { assertNever } from '../../src/core/assert.js';
import type { Graph } from '../../src/ir/graph.js';
import type { Node, Value } from '../../src/ir/types.js';

type Dims = [number, number, number, number];

export interface Interpreted {
  data: Float32Array;
  shape: number[];
}


function conv(x: Interpreted, w: Interpreted, b: Float32Array | null, node: Extract<Node, { op: 'conv' }>, out: Dims): Float32Array {
  const [n, c, h, wd] = x.shape;
  const [, oc, oh, ow] = out;
  const [, icg, kh, kw] = w.shape;
  const { strides, pads, dilations, group } = node.attrs;
  const ocg = oc / group;
  const y = new Float32Array(n * oc * oh * ow);
  for (let ni = 0; ni < n; ni++)
    for (let o = 0; o < oc; o++) {
      const g = Math.floor(o / ocg);
      for (let yi = 0; yi < oh; yi++)
        for (let xi = 0; xi < ow; xi++) {
          let acc = b ? b[o] : 0;
          for (let ci = 0; ci < icg; ci++) {
            const cin = g * icg + ci;
            for (let ky = 0; ky < kh; ky++) {
              const iy = yi * strides[0] - pads[0] + ky * dilations[0];
              if (iy < 0 || iy >= h) continue;
              for (let kx = 0; kx < kw; kx++) {
                const ix = xi * strides[1] - pads[1] + kx * dilations[1];
                if (ix < 0 || ix >= wd) continue;
                acc += x.data[((ni * c + cin) * h + iy) * wd + ix] * w.data[((o * icg + ci) * kh + ky) * kw + kx];
              }
            }
          }
          y[((ni * oc + o) * oh + yi) * ow + xi] = acc;
        }
    }
  return y;
}

function convTranspose(x: Interpreted, w: Interpreted, b: Float32Array | null, node: Extract<Node, { op: 'conv_transpose' }>, out: Dims): Float32Array {
  const [n, c, h, wd] = x.shape;
  const [, oc, oh, ow] = out;
  const [, ocg, kh, kw] = w.shape;
  const { strides, pads, group } = node.attrs;
  const icg = c / group;
  const acc = new Float64Array(n * oc * oh * ow);
  for (let ni = 0; ni < n; ni++)
    for (let ci = 0; ci < c; ci++) {
      const g = Math.floor(ci / icg);
      for (let iy = 0; iy < h; iy++)
        for (let ix = 0; ix < wd; ix++) {
          const xv = x.data[((ni * c + ci) * h + iy) * wd + ix];
          for (let o = 0; o < ocg; o++)
            for (let ky = 0; ky < kh; ky++) {
              const yy = iy * strides[0] - pads[0] + ky;
              if (yy < 0 || yy >= oh) continue;
              for (let kx = 0; kx < kw; kx++) {
                const xx = ix * strides[1] - pads[1] + kx;
                if (xx < 0 || xx >= ow) continue;
                acc[((ni * oc + g * ocg + o) * oh + yy) * ow + xx] += xv * w.data[((ci * ocg + o) * kh + ky) * kw + kx];
              }
            }
        }
    }
  if (b) for (let i = 0; i < acc.length; i++) acc[i] += b[Math.floor(i / (oh * ow)) % oc];
  return Float32Array.from(acc);
}

function resizeBilinearAlignCorners(x: Interpreted, out: Dims): Float32Array {
  const [n, c, h, w] = x.shape;
  const [, , oh, ow] = out;
  const y = new Float32Array(n * c * oh * ow);
  const src = (o: number, outLen: number, inLen: number) => (outLen > 1 ? (o * (inLen - 1)) / (outLen - 1) : 0);
  for (let p = 0; p < n * c; p++)
    for (let yi = 0; yi < oh; yi++) {
      const sy = src(yi, oh, h);
      const y0 = Math.floor(sy);
      const y1 = Math.min(y0 + 1, h - 1);
      const fy = sy - y0;
      for (let xi = 0; xi < ow; xi++) {
        const sx = src(xi, ow, w);
        const x0 = Math.floor(sx);
        const x1 = Math.min(x0 + 1, w - 1);
        const fx = sx - x0;
        const at = (yy: number, xx: number) => x.data[(p * h + yy) * w + xx];
        y[(p * oh + yi) * ow + xi] =
          (1 - fy) * ((1 - fx) * at(y0, x0) + fx * at(y0, x1)) + fy * ((1 - fx) * at(y1, x0) + fx * at(y1, x1));
      }
    }
  return y;
}

function evalNode(node: Node, ins: Interpreted[], out: number[]): Float32Array {
  const [x] = ins;
  const size = out.reduce((a, b) => a * b, 1);
  switch (node.op) {
    case 'conv':
      return conv(x, ins[1], ins[2]?.data ?? null, node, out as Dims);
    case 'conv_transpose':
      return convTranspose(x, ins[1], ins[2]?.data ?? null, node, out as Dims);
    case 'batch_norm': {
      const [, gamma, beta, mean, variance] = ins.map((v) => v.data);
      const [, c, h, w] = x.shape;
      const y = new Float32Array(size);
      for (let i = 0; i < size; i++) {
        const ch = Math.floor(i / (h * w)) % c;
        y[i] = ((x.data[i] - mean[ch]) / Math.sqrt(variance[ch] + node.attrs.epsilon)) * gamma[ch] + beta[ch];
      }
      return y;
    }
    case 'relu':
      return x.data.map((v) => (v > 0 ? v : 0));
    case 'add':
      return x.data.map((v, i) => v + ins[1].data[i]);
    case 'max_pool': {
      const [n, c, h, w] = x.shape;
      const [, , oh, ow] = out;
      const { kernel, strides, pads } = node.attrs;
      const y = new Float32Array(size);
      for (let p = 0; p < n * c; p++)
        for (let yi = 0; yi < oh; yi++)
          for (let xi = 0; xi < ow; xi++) {
            let m = -Infinity;
            for (let ky = 0; ky < kernel[0]; ky++)
              for (let kx = 0; kx < kernel[1]; kx++) {
                const iy = yi * strides[0] - pads[0] + ky;
                const ix = xi * strides[1] - pads[1] + kx;
                if (iy >= 0 && iy < h && ix >= 0 && ix < w) m = Math.max(m, x.data[(p * h + iy) * w + ix]);
              }
            y[(p * oh + yi) * ow + xi] = m;
          }
      return y;
    }
    case 'resize': {
      if (node.attrs.mode === 'bilinear_align_corners') return resizeBilinearAlignCorners(x, out as Dims);
      const [n, c, h, w] = x.shape;
      const [, , oh, ow] = out;
      const [sh, sw] = node.attrs.scale;
      const y = new Float32Array(size);
      for (let p = 0; p < n * c; p++)
        for (let yi = 0; yi < oh; yi++)
          for (let xi = 0; xi < ow; xi++) y[(p * oh + yi) * ow + xi] = x.data[(p * h + Math.floor(yi / sh)) * w + Math.floor(xi / sw)];
      return y;
    }
    case 'concat': {
      const axis = node.attrs.axis;
      const outer = out.slice(0, axis).reduce((a, b) => a * b, 1);
      const inner = out.slice(axis + 1).reduce((a, b) => a * b, 1);
      const y = new Float32Array(size);
      let at = 0;
      for (let o = 0; o < outer; o++)
        for (const v of ins) {
          const len = v.shape[axis] * inner;
          y.set(v.data.subarray(o * len, (o + 1) * len), at);
          at += len;
        }
      return y;
    }
    case 'slice': {
      const { axis, start, end } = node.attrs;
      const outer = x.shape.slice(0, axis).reduce((a, b) => a * b, 1);
      const inner = x.shape.slice(axis + 1).reduce((a, b) => a * b, 1);
      const y = new Float32Array(size);
      const len = (end - start) * inner;
      for (let o = 0; o < outer; o++) y.set(x.data.subarray((o * x.shape[axis] + start) * inner, (o * x.shape[axis] + end) * inner), o * len);
      return y;
    }
    case 'global_avg_pool': {
      const [n, c, h, w] = x.shape;
      const y = new Float32Array(n * c);
      for (let p = 0; p < n * c; p++) {
        let acc = 0;
        for (let i = 0; i < h * w; i++) acc += x.data[p * h * w + i];
        y[p] = acc / (h * w);
      }
      return y;
    }
    case 'sigmoid':
      return x.data.map((v) => 1 / (1 + Math.exp(-v)));
    case 'mul': {
      const b = ins[1];
      const y = new Float32Array(size);
      const idx = new Array<number>(out.length).fill(0);
      const offset = (v: Interpreted) => {
        let o = 0;
        for (let d = 0; d < out.length; d++) o = o * v.shape[d] + (v.shape[d] === 1 ? 0 : idx[d]);
        return o;
      };
      for (let i = 0; i < size; i++) {
        let r = i;
        for (let d = out.length - 1; d >= 0; d--) {
          idx[d] = r % out[d];
          r = Math.floor(r / out[d]);
        }
        y[i] = x.data[offset(x)] * b.data[offset(b)];
      }
      return y;
    }
    case 'reshape':
      return Float32Array.from(x.data);
    case 'binary':
    case 'compare':
    case 'unary':
    case 'where':
    case 'cast':
    case 'gather':
    case 'shape':
    case 'argmax':
    case 'reduce':
    case 'pad':
    case 'transpose':
      // the keypoint graphs are checked against the TypeScript pipeline through the runtimes
      throw new Error(`the interpreter covers network graphs; '${node.name}' is a ${node.op}`);
    default:
      return assertNever(node);
  }
}

/**
 * Runs `graph` on `input` (the data of its first input, with `shape` giving the
 * batch size) and returns every value's data by value name (inputs, constants
 * read, node outputs). `interpretShapes` also gives their concrete shapes.
 */
export function interpret(graph: Graph, input: Float32Array, shape: readonly number[]): Map<string, Float32Array> {
  const full = interpretFull(graph, input, shape);
  return new Map([...full].map(([k, v]) => [k, v.data]));
}

export function interpretFull(graph: Graph, input: Float32Array, shape: readonly number[]): Map<string, Interpreted> {
  const batch = shape[0];
  const concrete = (v: Value): number[] =>
    v.shape.map((d) => {
      if (d === 'N') return batch;
      if (typeof d !== 'number') throw new Error(`the interpreter binds only 'N'; '${v.name}' has '${d}'`);
      return d;
    });
  const values = new Map<Value, Interpreted>();
  const inp = graph.inputs[0];
  const want = concrete(inp);
  if (want.join(',') !== shape.join(',')) throw new Error(`input shape [${shape}] does not match [${want}]`);
  if (input.length !== want.reduce((a, b) => a * b, 1)) throw new Error(`input has ${input.length} elements for shape [${shape}]`);
  values.set(inp, { data: input, shape: [...shape] });
  const get = (v: Value): Interpreted => {
    let r = values.get(v);
    if (!r && v.constant) values.set(v, (r = { data: constantData(v), shape: concrete(v) }));
    if (!r) throw new Error(`value '${v.name}' read before it is computed`);
    return r;
  };
  for (const node of graph.nodes) {
    const ins = node.inputs.map(get);
    const out = concrete(node.outputs[0]);
    values.set(node.outputs[0], { data: evalNode(node, ins, out), shape: out });
  }
  return new Map([...values].map(([v, r]) => [v.name, r]));
}
