/** The PyTorch checkpoint reader (zip and legacy containers). */
export { openCheckpoint, openCheckpointSync, openCheckpointBytes } from './open.js';
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
