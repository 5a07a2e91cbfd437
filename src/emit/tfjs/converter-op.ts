/**
 * The shape of one entry of the converter's op table (converter-ops.generated.ts).
 * `inputs` are the operand slots as [start] or [start, end] (negative counts from the
 * end; end 0 = to the end), `attrs` the attributes the converter reads, `ignored` the
 * attributes it accepts but does not implement (e.g. data_format of MaxPool: NHWC only).
 */
export interface ConverterOp {
  readonly inputs: readonly (readonly number[])[];
  readonly attrs: readonly string[];
  readonly ignored?: readonly string[];
}
