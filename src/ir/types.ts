import type { TensorEntry } from '../core/tensor.js';

/**
 * The graph IR: one small node type with a typed op union, values that know their
 * producer and their uses, and constants that reference checkpoint tensors without
 * copying them. Layout is NCHW throughout (the emitters translate).
 */

/** A dimension: a static size, or the symbolic batch dimension. */
export type Dim = number | 'N';
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
  | { readonly kind: 'derived'; readonly compute: () => Float32Array; readonly from: readonly string[] };

export interface Value {
  readonly id: number;
  /** unique within the graph; becomes the tensor name in the artifacts */
  name: string;
  readonly dtype: 'float32';
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
  /** [start, end) along `axis` */
  readonly axis: number;
  readonly start: number;
  readonly end: number;
}
export interface ReshapeAttrs {
  /** the static target shape (same element count); used for constants, e.g. a Linear weight viewed as a 1x1 conv */
  readonly shape: readonly number[];
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
/** a static-shape reshape (row-major order kept) */
export type ReshapeNode = NodeBase<'reshape', ReshapeAttrs>;

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
  | ReshapeNode;

export type Op = Node['op'];
export type AttrsOf<O extends Op> = Extract<Node, { op: O }>['attrs'];
