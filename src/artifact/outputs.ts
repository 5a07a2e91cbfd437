/** A model's outputs by name, each NCHW float32 with its shape (what the runners return and the comparisons read). */
export type Outputs = Map<string, { data: Float32Array; shape: number[] }>;
