import { endianness } from 'node:os';
import { PosePortError } from '../../core/errors.js';
import { onnx, type IGraphProto, type IModelProto } from './proto.js';

/**
 * Serialization of a ModelProto whose big tensors are written without building them
 * in memory first. The protobuf messages are encoded with onnx-proto, except each
 * initializer's raw_data field, whose length is known from its shape: we encode the
 * message heads, compute every length, then produce the bytes as a sequence of
 * chunks, reading one tensor at a time. The result is byte-for-byte a valid
 * ModelProto (protobuf fields may come in any order; repeated fields concatenate).
 */

/** An initializer whose bytes are produced on demand (little-endian raw_data). */
export interface LazyInitializer {
  readonly name: string;
  readonly dims: readonly number[];
  readonly dataType: number;
  /** raw_data length in bytes */
  readonly byteLength: number;
  /** the little-endian bytes; called once, during chunk production */
  bytes(): Uint8Array;
  /**
   * Optional: bytes [byteOffset, byteOffset + target.length) of the same data written into
   * `target` (memory the caller owns; offset, length and target 4-byte aligned): a
   * streaming writer produces a weight straight into its output buffer, in pieces,
   * instead of allocating it.
   */
  fill?(target: Uint8Array, byteOffset: number): void;
}

/** One piece of a model body: bytes ready to write, or an initializer's raw data produced on demand. */
export type BodyPart = Uint8Array | LazyInitializer;

/** protobuf's largest message (2 GiB - 1); ONNX's external data is not supported. */
const MAX_MESSAGE = 2 ** 31 - 1;

const WIRE_LEN = 2;
const TAG_MODEL_GRAPH = (7 << 3) | WIRE_LEN;
const TAG_GRAPH_INITIALIZER = (5 << 3) | WIRE_LEN;
const TAG_TENSOR_RAW_DATA = (9 << 3) | WIRE_LEN;

function varintLength(n: number): number {
  let len = 1;
  while (n >= 128) {
    n = Math.floor(n / 128);
    len++;
  }
  return len;
}

function varint(n: number): Uint8Array {
  const out = new Uint8Array(varintLength(n));
  for (let i = 0; i < out.length; i++) {
    const low = n % 128;
    n = Math.floor(n / 128);
    out[i] = n > 0 ? low | 0x80 : low;
  }
  return out;
}

/** `field tag` + length prefix of a length-delimited field. */
function fieldHead(tag: number, length: number): Uint8Array {
  const len = varint(length);
  const out = new Uint8Array(1 + len.length);
  out[0] = tag;
  out.set(len, 1);
  return out;
}

export const LITTLE_ENDIAN_HOST = endianness() === 'LE';

/** The bytes of a typed array as little-endian, a view (no copy) on little-endian hosts. */
export function littleEndianBytes(a: Float32Array | Int32Array | BigInt64Array | Uint8Array): Uint8Array {
  const view = new Uint8Array(a.buffer, a.byteOffset, a.byteLength);
  if (LITTLE_ENDIAN_HOST) return view;
  const out = new Uint8Array(view.length);
  const w = a.BYTES_PER_ELEMENT;
  for (let i = 0; i < view.length; i += w) for (let j = 0; j < w; j++) out[i + j] = view[i + w - 1 - j];
  return out;
}

/** A serialized model of known size, produced on demand. */
export interface OnnxBytes {
  /** total size in bytes (with the planned metadata) */
  readonly byteLength: number;
  /** the bytes in order; initializer data is read lazily, one tensor at a time */
  chunks(): Iterable<Uint8Array>;
  /** size of the body: every chunk but the last */
  readonly bodyLength: number;
  /** every chunk but the last: the ModelProto fields before and including the graph */
  bodyChunks(): Iterable<Uint8Array>;
  /** the same body with each initializer's raw data left as the initializer (bodyChunks calls its bytes()) */
  bodyParts(): Iterable<BodyPart>;
  /**
   * The last chunk: the fields after the graph (opset_import, metadata_props), with
   * `metadata` in place of the planned metadata_props when given. These are top-level
   * fields after the graph, so their length is free: a metadata settled after the
   * weights were written (the source digest, the zoo row it names) changes only this.
   */
  tail(metadata?: Record<string, string>): Uint8Array;
}

/**
 * Lays out `model` + `graph` (without initializers) + the lazy `initializers` as one
 * ModelProto, in field-number order: the fields before the graph, the graph, then the
 * fields after it (opset_import, metadata_props), so the metadata can be settled last.
 */
export function layoutModel(model: IModelProto, graph: IGraphProto, initializers: readonly LazyInitializer[]): OnnxBytes {
  const { graph: _graph, opsetImport, metadataProps, ...before } = model;
  const modelHead = onnx.ModelProto.encode(before).finish();
  const encodeTail = (props: IModelProto['metadataProps']) => onnx.ModelProto.encode({ opsetImport, metadataProps: props }).finish();
  const plannedTail = encodeTail(metadataProps);
  const graphHead = onnx.GraphProto.encode({ ...graph, initializer: [] }).finish();
  const inits = initializers.map((t) => {
    const head = onnx.TensorProto.encode({ name: t.name, dims: [...t.dims], dataType: t.dataType }).finish();
    const rawHead = fieldHead(TAG_TENSOR_RAW_DATA, t.byteLength);
    const tensorLength = head.length + rawHead.length + t.byteLength;
    if (tensorLength > MAX_MESSAGE) throw new PosePortError('EMIT_UNSUPPORTED', `initializer '${t.name}' is over 2 GiB`);
    return { t, fieldHead: fieldHead(TAG_GRAPH_INITIALIZER, tensorLength), head, rawHead, tensorLength };
  });
  let graphLength = graphHead.length;
  for (const i of inits) graphLength += i.fieldHead.length + i.tensorLength;
  if (graphLength > MAX_MESSAGE)
    throw new PosePortError('EMIT_UNSUPPORTED', `the ONNX graph would be ${graphLength} bytes, over protobuf's 2 GiB limit`);
  const graphField = fieldHead(TAG_MODEL_GRAPH, graphLength);
  const byteLength = modelHead.length + graphField.length + graphLength + plannedTail.length;

  function* bodyParts(): Iterable<BodyPart> {
    yield modelHead;
    yield graphField;
    yield graphHead;
    for (const i of inits) {
      yield i.fieldHead;
      yield i.head;
      yield i.rawHead;
      yield i.t;
    }
  }
  function* bodyChunks(): Iterable<Uint8Array> {
    for (const p of bodyParts()) yield p instanceof Uint8Array ? p : initializerBytes(p);
  }
  const tail = (metadata?: Record<string, string>): Uint8Array =>
    metadata === undefined ? plannedTail : encodeTail(Object.entries(metadata).map(([key, value]) => ({ key, value })));
  return {
    byteLength,
    bodyLength: byteLength - plannedTail.length,
    bodyChunks,
    bodyParts,
    tail,
    *chunks() {
      yield* bodyChunks();
      yield plannedTail;
    },
  };
}

/** An initializer's bytes(), checked against its planned length. */
export function initializerBytes(t: LazyInitializer): Uint8Array {
  const data = t.bytes();
  if (data.length !== t.byteLength) throw new PosePortError('EMIT_FORMAT', `initializer '${t.name}' produced ${data.length} bytes, expected ${t.byteLength}`);
  return data;
}

/** Concatenates the chunks into one buffer allocated once. */
export function collect(bytes: OnnxBytes): Uint8Array {
  const out = new Uint8Array(bytes.byteLength);
  let at = 0;
  for (const c of bytes.chunks()) {
    out.set(c, at);
    at += c.length;
  }
  if (at !== out.length) throw new PosePortError('EMIT_FORMAT', `wrote ${at} bytes, planned ${out.length}`);
  return out;
}
