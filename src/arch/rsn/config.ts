import type { MsmuConfig } from '../common/msmu-config.js';

/**
 * RSN (MMPose `backbones/rsn.py`): MsmuConfig plus the Residual Steps Block's
 * step count and its branch-width factor (block width w = inC * expandTimes / stem).
 */
export interface RsnConfig extends MsmuConfig {
  /** steps per RSB (`num_steps`, 4 in every zoo row) */
  numSteps: number;
  /** `expand_times` (26): w = floor(block input width * expandTimes / stemChannels) */
  expandTimes: number;
}

const base = { numUnits: 4, numSteps: 4, unitChannels: 256, stemChannels: 64, expandTimes: 26 } as const;
const rsn50Blocks = [3, 4, 6, 3];

/** The zoo presets: facts the keys must agree with (the keypoint count is free). */
export const RSN_PRESETS: Readonly<Record<string, Partial<RsnConfig>>> = {
  rsn18: { ...base, numStages: 1, numBlocks: [2, 2, 2, 2] },
  rsn50: { ...base, numStages: 1, numBlocks: rsn50Blocks },
  '2xrsn50': { ...base, numStages: 2, numBlocks: rsn50Blocks },
  '3xrsn50': { ...base, numStages: 3, numBlocks: rsn50Blocks },
};
