/** Graph passes and the pass manager. */
export type { Pass, PassResult } from './pass.js';
export { PASSES, DEFAULT_PASSES, runPasses, type AppliedPass, type RunPassesResult } from './manager.js';
export { foldBatchNorm } from './fold-batchnorm.js';
export { deadCode } from './dead-code.js';
export { toposort } from './toposort.js';
