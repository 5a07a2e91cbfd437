import type { MsmuConfig } from '../common/msmu-config.js';

/** MSPN (MMPose `backbones/mspn.py`): the shared multi-stage config; its encoder blocks are ResNet bottlenecks. */
export type MspnConfig = MsmuConfig;

const base = { numUnits: 4, unitChannels: 256, stemChannels: 64, numBlocks: [3, 4, 6, 3] } as const;

/** The zoo presets: facts the keys must agree with (the keypoint count is free). */
export const MSPN_PRESETS: Readonly<Record<string, Partial<MspnConfig>>> = {
  mspn50: { ...base, numBlocks: [...base.numBlocks], numStages: 1 },
  '2xmspn50': { ...base, numBlocks: [...base.numBlocks], numStages: 2 },
  '3xmspn50': { ...base, numBlocks: [...base.numBlocks], numStages: 3 },
  '4xmspn50': { ...base, numBlocks: [...base.numBlocks], numStages: 4 },
};
