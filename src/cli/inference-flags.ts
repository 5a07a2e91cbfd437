/** The flags of the commands that run a model (run, eval, verify), with the helpers that turn them into API options. */
import { DEFAULT_IMAGE_FORMATS, type DecodeImageOptions } from '../io/image.js';
import type { FlagSpec } from './args.js';

/** --no-flip and --batch of run and eval */
export const NO_FLIP_FLAG = { type: 'boolean', help: 'no flip test, whatever the model metadata says' } as const satisfies FlagSpec;
export const BATCH_FLAG = { type: 'number', int: true, min: 1, arg: 'N', help: 'crops per model call (default 8)' } as const satisfies FlagSpec;

/** --tfjs-backend of run and eval */
export const TFJS_BACKEND_FLAG = { type: 'string', choices: ['cpu', 'wasm'], arg: 'cpu|wasm', help: 'TF.js backend (default wasm)' } as const satisfies FlagSpec;

/** --execution-provider's names in order of preference, or undefined (the default) when none was given */
export function executionProviderFlag(v: readonly string[]): string[] | undefined {
  return v.length ? [...v] : undefined;
}

/** --execution-provider, given once or more, each a name or a comma-separated list, in order of preference */
export const EXECUTION_PROVIDER_FLAG = {
  type: 'string',
  arg: 'EP[,EP]',
  multiple: true,
  list: true,
  help: "ONNX: onnxruntime execution provider(s) in order of preference (cpu, cuda, tensorrt, webgpu: what this build has; default cpu)",
} as const satisfies FlagSpec;

/** The image limit flags of run and eval. */
export const MAX_PIXELS_FLAG = { type: 'number', int: true, min: 1, arg: 'N', help: 'refuse images above N pixels, width x height (default 100000000: 100 MP)' } as const satisfies FlagSpec;
export const ALLOW_SVG_FLAG = {
  type: 'boolean',
  help: 'also accept SVG images (refused by default: a vector image can declare any size and pull in other files)',
} as const satisfies FlagSpec;

/** The image decoding options of --max-pixels and --allow-svg. */
export function imageOptions(maxPixels: number | undefined, allowSvg: boolean): Omit<DecodeImageOptions, 'key'> {
  return { ...(maxPixels !== undefined ? { maxPixels } : {}), ...(allowSvg ? { formats: [...DEFAULT_IMAGE_FORMATS, 'svg'] } : {}) };
}
