/**
 * A TensorFlow GraphDef in the JSON form TF.js reads (proto3 JSON of tensorflow.GraphDef):
 * int64 fields as decimal strings, bytes as base64. Only the parts pose-port writes.
 */

export type TfDType = 'DT_FLOAT' | 'DT_INT32' | 'DT_BOOL';

export interface TensorShapeJson {
  /** absent for a scalar; size '-1' for an unknown dimension */
  dim?: { size: string }[];
}

/** tensorflow.AttrValue, one field set */
export type AttrValueJson =
  | { type: TfDType }
  | { i: string }
  | { f: number }
  | { b: boolean }
  | { s: string }
  | { shape: TensorShapeJson }
  | { tensor: { dtype: TfDType; tensorShape: TensorShapeJson } }
  | { list: { i: string[] } | { s: string[] } };

export interface NodeDefJson {
  name: string;
  op: string;
  input?: string[];
  attr?: Record<string, AttrValueJson>;
}

export interface GraphDefJson {
  node: NodeDefJson[];
  library: Record<string, never>;
  versions: { producer: number; minConsumer?: number };
}

export const attr = {
  type: (t: TfDType): AttrValueJson => ({ type: t }),
  int: (v: number): AttrValueJson => ({ i: String(v) }),
  float: (v: number): AttrValueJson => ({ f: v }),
  bool: (v: boolean): AttrValueJson => ({ b: v }),
  str: (v: string): AttrValueJson => ({ s: Buffer.from(v, 'utf8').toString('base64') }),
  ints: (v: readonly number[]): AttrValueJson => ({ list: { i: v.map(String) } }),
  strs: (v: readonly string[]): AttrValueJson => ({ list: { s: v.map((x) => Buffer.from(x, 'utf8').toString('base64')) } }),
  shape: (dims: readonly number[]): AttrValueJson => ({ shape: shapeJson(dims) }),
  tensor: (dtype: TfDType, dims: readonly number[]): AttrValueJson => ({ tensor: { dtype, tensorShape: shapeJson(dims) } }),
};

export function shapeJson(dims: readonly number[]): TensorShapeJson {
  return dims.length ? { dim: dims.map((d) => ({ size: String(d) })) } : {};
}

/** Decodes an AttrValue `s` (base64) back to text, for checks and tests. */
export function attrString(v: AttrValueJson | undefined): string | undefined {
  return v && 's' in v ? Buffer.from(v.s, 'base64').toString('utf8') : undefined;
}

/** TF node names: [A-Za-z0-9.][A-Za-z0-9_./]* (we also avoid '-' and '>', which TF.js gives meanings). */
export const NODE_NAME = /^[A-Za-z0-9.][A-Za-z0-9_./]*$/;

export function sanitizeNodeName(name: string): string {
  let s = name.replace(/[^A-Za-z0-9_./]/g, '_');
  if (!/^[A-Za-z0-9.]/.test(s)) s = `n${s}`;
  return s;
}
