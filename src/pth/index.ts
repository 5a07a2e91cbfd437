/** The PyTorch checkpoint reader (zip and legacy containers). */
export { openCheckpoint, openCheckpointSync, openCheckpointBytes, openCheckpointSource } from './open.js';
export { FileSource, MemorySource, type ByteSource } from '../core/bytes.js';
export { DEFAULT_LIMITS, type PickleLimits } from './pickle/scan.js';
export type {
  Checkpoint,
  ContainerFormat,
  LegacyInfo,
  OpenOptions,
  PlainValue,
  PthTensorEntry,
  PthTensorSet,
  ZipInfo,
} from './types.js';
