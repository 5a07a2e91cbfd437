/**
 * The ONNX protobuf bindings: onnx-proto's generated static code for ONNX 1.10's
 * onnx.proto (IR version 8). onnx-proto is CommonJS; this file is the one place
 * that adapts it to our ESM imports and names the message types we use.
 */
import onnxProto from 'onnx-proto';
import type { onnx as O } from 'onnx-proto';

export const onnx = onnxProto.onnx;

export type IModelProto = O.IModelProto;
export type IGraphProto = O.IGraphProto;
export type INodeProto = O.INodeProto;
export type ITensorProto = O.ITensorProto;
export type IAttributeProto = O.IAttributeProto;
export type IValueInfoProto = O.IValueInfoProto;
export type ModelProto = O.ModelProto;

/** TensorProto.DataType values used by the emitter. */
export const DATA_TYPE = { FLOAT: 1, UINT8: 2, INT32: 6, INT64: 7, BOOL: 9 } as const;

/** AttributeProto.AttributeType values used by the emitter. */
export const ATTR_TYPE = { FLOAT: 1, INT: 2, STRING: 3, INTS: 7 } as const;
export type GraphProto = O.GraphProto;
export type NodeProto = O.NodeProto;
export type TensorProto = O.TensorProto;
