// Types of pose.js for the TypeScript tests that import it.
export declare const COCO_KEYPOINTS: string[];
export declare const COCO_SKELETON: [number, number][];
export declare const IMAGENET_MEAN: number[];
export declare const IMAGENET_STD: number[];
export declare function boxToCenterScale(box: readonly number[], aspect: number, padding?: number): { center: [number, number]; scale: [number, number] };
export declare function cropInput(
  rgba: ArrayLike<number>, imgW: number, imgH: number, center: readonly number[], scale: readonly number[], outW: number, outH: number,
  mean?: readonly number[], std?: readonly number[],
): { nhwc: Float32Array; nchw: Float32Array };
export declare function decodeHeatmaps(data: ArrayLike<number>, layout: 'NHWC' | 'NCHW', K: number, h: number, w: number): [number, number, number][];
export declare function heatmapToImage(points: readonly (readonly number[])[], center: readonly number[], scale: readonly number[], hmW: number, hmH: number): [number, number, number][];
