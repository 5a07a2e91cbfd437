/**
 * A checkpoint as the pipeline reads it: opened by the architecture-free reader (src/pth),
 * then its keys read through their MMPose layout (src/arch/layout.ts), so that convert,
 * inspect and verify see the names the family builders consume whether the file was
 * written by MMPose 0.x or 1.x. The tensors are the reader's own entries, renamed: file
 * offsets and stored names stay theirs.
 */
import { applyKeyLayout, inStoredNames, type KeyLayout } from '../arch/layout.js';
import { PosePortError } from '../core/errors.js';
import { openCheckpoint, type Checkpoint, type OpenOptions, type PthTensorSet } from '../pth/index.js';

export interface ModelCheckpoint extends Checkpoint {
  /** which MMPose generation named the keys, and the mapping onto the builders' names */
  readonly layout: KeyLayout;
  /** the state_dict as stored (before the layout renamed it and set keys aside) */
  readonly storedTensors: PthTensorSet;
}

/** openCheckpoint, then the key layout; errors name the file. */
export async function openModelCheckpoint(path: string, options: OpenOptions = {}): Promise<ModelCheckpoint> {
  const ckpt = await openCheckpoint(path, options);
  try {
    const { layout, tensors } = applyKeyLayout(ckpt.tensors);
    const warnings = layout.setAside.length
      ? [...ckpt.warnings, `${layout.setAside.join(', ')} set aside: the data preprocessor's buffers are not network weights`]
      : ckpt.warnings;
    return Object.freeze({ ...ckpt, tensors, storedTensors: ckpt.tensors, layout, warnings: Object.freeze([...warnings]) });
  } catch (e) {
    ckpt.close();
    throw e instanceof PosePortError ? e.withFile(path) : e;
  }
}

/** Runs `fn` (detection, a build); an error about keys comes out naming them as `ckpt` stores them. */
export function inStoredKeys<T>(ckpt: ModelCheckpoint, fn: () => T): T {
  try {
    return fn();
  } catch (e) {
    throw inStoredNames(e, ckpt.layout);
  }
}

/** What report.json and inspect say about the layout. */
export function layoutReport(ckpt: ModelCheckpoint): { name: KeyLayout['name']; head: KeyLayout['head']; set_aside: string[] } {
  return { name: ckpt.layout.name, head: ckpt.layout.head, set_aside: [...ckpt.layout.setAside] };
}
