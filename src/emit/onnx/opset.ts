import { PosePortError } from '../../core/errors.js';

/**
 * The default opset is 11.
 *
 * Why 11: it is the lowest opset in which every op the IR lowers to is expressible
 * (Resize gained `coordinate_transformation_mode = align_corners` and
 * `nearest_mode = floor` in opset 11; opset 10's Resize cannot state either), and
 * the lowest opset is the one the most runtimes accept: onnxruntime (node, web,
 * mobile) back to 1.0, TensorRT 7+, OpenCV DNN 4.x, onnx2tf/onnx-tf, ncnn and
 * MMDeploy's own default (opset 11). Nothing in our op set gets better in a later
 * opset; later opsets only relax type constraints or add attributes we leave at
 * their defaults. See docs/onnx.md.
 */
export const DEFAULT_OPSET = 11;

/**
 * The opsets the emitter can write. Every op we emit has the same semantics for
 * our attribute values across 11..17 (Resize 11/13, Slice 11/13, BatchNormalization
 * 9/14/15, Relu/Add/Concat 13/14); 18 changes Resize's inputs (axes) and is left out
 * until tested.
 */
export const SUPPORTED_OPSETS: readonly number[] = [11, 12, 13, 14, 15, 16, 17];

/** The ModelProto.ir_version paired with an opset by the ONNX release that introduced it. */
export function irVersionFor(opset: number): number {
  if (opset <= 11) return 6; // ONNX 1.6
  if (opset <= 14) return 7; // ONNX 1.7 .. 1.9
  return 8; // ONNX 1.10 .. 1.12
}

/** Checks an opset request; throws EMIT_UNSUPPORTED listing the supported values. */
export function checkOpset(opset: number): number {
  if (!Number.isInteger(opset) || !SUPPORTED_OPSETS.includes(opset))
    throw new PosePortError(
      'EMIT_UNSUPPORTED',
      `ONNX opset ${opset} is not supported; supported: ${SUPPORTED_OPSETS.join(', ')} (default ${DEFAULT_OPSET})`,
      { details: { opset, supported: [...SUPPORTED_OPSETS] } },
    );
  return opset;
}
