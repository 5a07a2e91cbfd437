/** A model's outputs by name, each NCHW float32 with its shape (what the runners return and the comparisons read). */
export type Outputs = Map<string, { data: Float32Array; shape: number[] }>;

/**
 * A model's inputs by name, as its graph declares them (a keypoint graph's uint8 image and
 * float32 boxes; TF.js takes the uint8 image as int32, the runner converts).
 */
export type Inputs = Map<string, { data: Float32Array | Uint8Array; shape: number[] }>;
