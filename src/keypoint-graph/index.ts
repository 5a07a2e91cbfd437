export { buildKeypointGraph, KEYPOINT_GRAPH_IO } from './build.js';
export type { KeypointGraphKind, KeypointGraphSettings, KeypointDecodeMethod } from './settings.js';
