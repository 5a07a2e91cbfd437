import type { TensorEntry } from '../core/tensor.js';

/**
 * The graph IR: one small node type with a typed op union, values that know their
 * producer and their uses, and constants that reference checkpoint tensors without
 * copying them. Layout is NCHW throughout (the emitters translate).
 */

/**
 * A dimension: a static size, or a symbol. Network graphs use 'N' (the batch); the
 * keypoint graphs add 'H', 'W' (the image) and derived labels such as '2*N' (a batch
 * concatenated with its mirror): see ./dim.ts.
 */
export type Dim = number | string;
export type Shape = readonly Dim[];

/** Where a constant's data comes from. */
export type ConstSource =
  /** a checkpoint tensor, read lazily (never copied until an emitter asks) */
  | { readonly kind: 'checkpoint'; readonly entry: TensorEntry }
  /** data computed by a pass or a test, held in memory, with the keys it came from */
  | { readonly kind: 'computed'; readonly data: Float32Array; readonly from: readonly string[] }
  /**
   * data a pass derives from other constants (e.g. folded batch norm), computed only
   * when an emitter asks: a conversion then holds one derived tensor at a time
   * instead of a second copy of the whole model
   */
  | {
      readonly kind: 'derived';
      readonly compute: () => Float32Array;
      /** optional: elements [start, start + out.length) of the same data written into a caller's array (its own memory) */
      readonly computeInto?: (out: Float32Array, start: number) => void;
      readonly from: readonly string[];
    };

/**
 * Element types. Networks are float32 throughout; the keypoint graphs also carry the
 * uint8 image, integer indices and comparison results. Integers: 'int64' is ONNX's
 * shape and index type (Shape's output); 'int32' is for index arithmetic, which
 * onnxruntime-web's WebGPU EP computes only in 32 bits (no int64 Add, Mul, Reshape).
 * TF.js holds both as int32.
 */
export type DType = 'float32' | 'uint8' | 'int32' | 'int64' | 'bool';

export interface Value {
  readonly id: number;
  /** unique within the graph; becomes the tensor name in the artifacts */
  name: string;
  readonly dtype: DType;
  shape: Shape;
  /** the node computing it; null for graph inputs and constants */
  producer: Node | null;
  /** nodes reading it (a node appears once per operand position) */
  readonly uses: Node[];
  /** set for constants (weights) */
  constant?: ConstSource;
}

/** [top, left, bottom, right] */
export type Pads = readonly [number, number, number, number];
export type Pair = readonly [number, number];

export interface ConvAttrs {
  /** weight: [outC, inC/group, kH, kW]; bias: [outC] */
  readonly strides: Pair;
  readonly pads: Pads;
  readonly dilations: Pair;
  readonly group: number;
}
export interface ConvTransposeAttrs {
  /** weight: [inC, outC/group, kH, kW]; bias: [outC] */
  readonly strides: Pair;
  readonly pads: Pads;
  readonly outputPadding: Pair;
  readonly group: number;
}
export interface BatchNormAttrs {
  readonly epsilon: number;
}
export interface MaxPoolAttrs {
  readonly kernel: Pair;
  readonly strides: Pair;
  readonly pads: Pads;
}
export type ResizeAttrs =
  /** nearest-neighbour upsampling by an integer factor (HRNet fuse layers) */
  | { readonly mode: 'nearest'; readonly scale: Pair }
  /** bilinear, align_corners=True, to a fixed [H, W] (RSN/MSPN) */
  | { readonly mode: 'bilinear_align_corners'; readonly size: Pair };
export interface ConcatAttrs {
  readonly axis: number;
}
export interface SliceAttrs {
  /** [start, end) along `axis`; `end` Infinity: to the end (the only slice of a symbolic axis) */
  readonly axis: number;
  readonly start: number;
  readonly end: number;
}
export interface ReshapeAttrs {
  /**
   * the target shape (same element count), row-major order kept; at most one -1 (the
   * size that makes the count match, for a symbolic input dimension). Used for
   * constants (a Linear weight viewed as a 1x1 conv) and in the keypoint graphs.
   */
  readonly shape: readonly number[];
}
export interface BinaryAttrs {
  /** elementwise with numpy broadcasting; 'and' on bool, the others on float32, int32 or int64 */
  readonly fn: 'add' | 'sub' | 'mul' | 'div' | 'max' | 'min' | 'and';
}
export interface CompareAttrs {
  readonly fn: 'greater' | 'less' | 'equal';
}
export interface UnaryAttrs {
  /** 'round' is half to even (cvRound, numpy); 'not' on bool; 'sign' of 0 is 0 */
  readonly fn: 'floor' | 'round' | 'sign' | 'log' | 'exp' | 'neg' | 'not';
}
export interface CastAttrs {
  readonly to: DType;
}
export interface AxisAttrs {
  readonly axis: number;
}
export interface ReduceAttrs {
  readonly fn: 'max' | 'sum';
  readonly axes: readonly number[];
  readonly keepdims: boolean;
}
export interface PadAttrs {
  /** ONNX order: the begin pads of every axis, then the end pads (non-negative) */
  readonly pads: readonly number[];
  /** the constant filling the border */
  readonly value: number;
}
export interface TransposeAttrs {
  readonly perm: readonly number[];
}
export type NoAttrs = Readonly<Record<string, never>>;

interface NodeBase<Op extends string, A> {
  readonly id: number;
  readonly op: Op;
  /** unique, readable node name */
  name: string;
  /** operands; constants are values too */
  inputs: Value[];
  outputs: Value[];
  readonly attrs: A;
  /** checkpoint key prefix this node was built from, for error messages */
  readonly origin?: string;
}

/** inputs: [x, weight, bias?] */
export type ConvNode = NodeBase<'conv', ConvAttrs>;
/** inputs: [x, weight, bias?] */
export type ConvTransposeNode = NodeBase<'conv_transpose', ConvTransposeAttrs>;
/** inputs: [x, scale(gamma), bias(beta), mean, var] */
export type BatchNormNode = NodeBase<'batch_norm', BatchNormAttrs>;
export type ReluNode = NodeBase<'relu', NoAttrs>;
/** inputs: [a, b], equal shapes */
export type AddNode = NodeBase<'add', NoAttrs>;
export type MaxPoolNode = NodeBase<'max_pool', MaxPoolAttrs>;
export type ResizeNode = NodeBase<'resize', ResizeAttrs>;
export type ConcatNode = NodeBase<'concat', ConcatAttrs>;
export type SliceNode = NodeBase<'slice', SliceAttrs>;
/** [N, C, H, W] -> [N, C, 1, 1], the mean over H and W (RSN's pose refine machine) */
export type GlobalAvgPoolNode = NodeBase<'global_avg_pool', NoAttrs>;
/** elementwise 1 / (1 + exp(-x)) */
export type SigmoidNode = NodeBase<'sigmoid', NoAttrs>;
/** inputs: [a, b] of equal rank; elementwise product with broadcasting of size-1 dims (numpy rules) */
export type MulNode = NodeBase<'mul', NoAttrs>;
/** a reshape (row-major order kept) */
export type ReshapeNode = NodeBase<'reshape', ReshapeAttrs>;

// Tensor ops of the keypoint graphs (src/pipeline/keypoint-graph): any rank, any dtype
// the attrs allow; shapes broadcast as numpy does.

/** inputs: [a, b] */
export type BinaryNode = NodeBase<'binary', BinaryAttrs>;
/** inputs: [a, b] of one dtype; output bool */
export type CompareNode = NodeBase<'compare', CompareAttrs>;
export type UnaryNode = NodeBase<'unary', UnaryAttrs>;
/** inputs: [cond (bool), a, b]: a where cond, else b */
export type WhereNode = NodeBase<'where', NoAttrs>;
export type CastNode = NodeBase<'cast', CastAttrs>;
/** inputs: [data, indices (int32 or int64)]: data.shape[:axis] + indices.shape + data.shape[axis+1:] */
export type GatherNode = NodeBase<'gather', AxisAttrs>;
/** the shape of the input as an int64 vector */
export type ShapeNode = NodeBase<'shape', NoAttrs>;
/** index of the first maximum along `axis` (removed), int64 */
export type ArgMaxNode = NodeBase<'argmax', AxisAttrs>;
export type ReduceNode = NodeBase<'reduce', ReduceAttrs>;
/** constant padding */
export type PadNode = NodeBase<'pad', PadAttrs>;
export type TransposeNode = NodeBase<'transpose', TransposeAttrs>;

export type Node =
  | ConvNode
  | ConvTransposeNode
  | BatchNormNode
  | ReluNode
  | AddNode
  | MaxPoolNode
  | ResizeNode
  | ConcatNode
  | SliceNode
  | GlobalAvgPoolNode
  | SigmoidNode
  | MulNode
  | ReshapeNode
  | BinaryNode
  | CompareNode
  | UnaryNode
  | WhereNode
  | CastNode
  | GatherNode
  | ShapeNode
  | ArgMaxNode
  | ReduceNode
  | PadNode
  | TransposeNode;

export type Op = Node['op'];
export type AttrsOf<O extends Op> = Extract<Node, { op: O }>['attrs'];
