/**
 * Keypoint dataset definitions as MMPose v0.12 uses them (spec topdown-eval.md §7.7, §9):
 * names in channel order, flip pairs, a skeleton for drawing, OKS sigmas and, for
 * COCO-WholeBody, the part ranges. The converters read names/flip pairs/skeleton from
 * here for model metadata; the evaluators read sigmas and parts.
 */

export type DatasetName = 'coco' | 'coco_wholebody' | 'mpii';

/** A contiguous range of keypoint indices, `start` inclusive, `end` exclusive. */
export interface KeypointRange {
  readonly start: number;
  readonly end: number;
}

export type WholeBodyPart = 'body' | 'foot' | 'face' | 'lefthand' | 'righthand';

export interface DatasetInfo {
  readonly name: DatasetName;
  readonly numKeypoints: number;
  /** keypoint names in channel order */
  readonly keypoints: readonly string[];
  /** left/right pairs swapped by the flip test */
  readonly flipPairs: readonly (readonly [number, number])[];
  /** links between keypoints, for drawing only */
  readonly skeleton: readonly (readonly [number, number])[];
  /** OKS sigma per keypoint (float64, as MMPose passes them to COCOeval); null where the dataset is scored otherwise (MPII: PCKh) */
  readonly sigmas: readonly number[] | null;
  /** COCO-WholeBody only: index ranges of the parts, in results-file order */
  readonly parts?: Readonly<Record<WholeBodyPart, KeypointRange>>;
}

const COCO_NAMES = [
  'nose', 'left_eye', 'right_eye', 'left_ear', 'right_ear',
  'left_shoulder', 'right_shoulder', 'left_elbow', 'right_elbow',
  'left_wrist', 'right_wrist', 'left_hip', 'right_hip',
  'left_knee', 'right_knee', 'left_ankle', 'right_ankle',
] as const;

const COCO_FLIP: [number, number][] = [[1, 2], [3, 4], [5, 6], [7, 8], [9, 10], [11, 12], [13, 14], [15, 16]];

const COCO_SKELETON: [number, number][] = [
  [15, 13], [13, 11], [16, 14], [14, 12], [11, 12], [5, 11], [6, 12], [5, 6], [5, 7], [6, 8],
  [7, 9], [8, 10], [1, 2], [0, 1], [0, 2], [1, 3], [2, 4], [3, 5], [4, 6],
];

/** COCO sigmas exactly as TopDownCocoDataset builds them: `np.array([.26, ...]) / 10.0`. */
export const COCO_SIGMAS: readonly number[] = [
  0.26, 0.25, 0.25, 0.35, 0.35, 0.79, 0.79, 0.72, 0.72, 0.62, 0.62, 1.07, 1.07, 0.87, 0.87, 0.89, 0.89,
].map((s) => s / 10.0);

/** TopDownCocoWholeBodyDataset's literal per-part sigma lists. */
export const WHOLEBODY_SIGMAS: Readonly<Record<WholeBodyPart, readonly number[]>> = {
  body: [0.026, 0.025, 0.025, 0.035, 0.035, 0.079, 0.079, 0.072, 0.072, 0.062, 0.062, 0.107, 0.107, 0.087, 0.087, 0.089, 0.089],
  foot: [0.068, 0.066, 0.066, 0.092, 0.094, 0.094],
  face: [
    0.042, 0.043, 0.044, 0.043, 0.040, 0.035, 0.031, 0.025, 0.020, 0.023, 0.029, 0.032, 0.037, 0.038, 0.043,
    0.041, 0.045, 0.013, 0.012, 0.011, 0.011, 0.012, 0.012, 0.011, 0.011, 0.013, 0.015, 0.009, 0.007, 0.007,
    0.007, 0.012, 0.009, 0.008, 0.016, 0.010, 0.017, 0.011, 0.009, 0.011, 0.009, 0.007, 0.013, 0.008, 0.011,
    0.012, 0.010, 0.034, 0.008, 0.008, 0.009, 0.008, 0.008, 0.007, 0.010, 0.008, 0.009, 0.009, 0.009, 0.007,
    0.007, 0.008, 0.011, 0.008, 0.008, 0.008, 0.01, 0.008,
  ],
  lefthand: [0.029, 0.022, 0.035, 0.037, 0.047, 0.026, 0.025, 0.024, 0.035, 0.018, 0.024, 0.022, 0.026, 0.017, 0.021, 0.021, 0.032, 0.02, 0.019, 0.022, 0.031],
  righthand: [0.029, 0.022, 0.035, 0.037, 0.047, 0.026, 0.025, 0.024, 0.035, 0.018, 0.024, 0.022, 0.026, 0.017, 0.021, 0.021, 0.032, 0.02, 0.019, 0.022, 0.031],
};

/** Part order in the 133-keypoint layout and in results files. */
export const WHOLEBODY_PARTS: readonly WholeBodyPart[] = ['body', 'foot', 'face', 'lefthand', 'righthand'];

/** Results-file key of each part (COCO-WholeBody convention). */
export const WHOLEBODY_PART_KEYS: Readonly<Record<WholeBodyPart, string>> = {
  body: 'keypoints',
  foot: 'foot_kpts',
  face: 'face_kpts',
  lefthand: 'lefthand_kpts',
  righthand: 'righthand_kpts',
};

const WHOLEBODY_RANGES: Record<WholeBodyPart, KeypointRange> = {
  body: { start: 0, end: 17 },
  foot: { start: 17, end: 23 },
  face: { start: 23, end: 91 },
  lefthand: { start: 91, end: 112 },
  righthand: { start: 112, end: 133 },
};

function handNames(side: 'left' | 'right'): string[] {
  const names = [`${side}_hand_root`];
  for (const finger of ['thumb', 'forefinger', 'middle_finger', 'ring_finger', 'pinky_finger']) {
    for (let i = 1; i <= 4; i++) names.push(`${side}_${finger}${i}`);
  }
  return names;
}

function wholebodyNames(): string[] {
  const names: string[] = [...COCO_NAMES];
  names.push('left_big_toe', 'left_small_toe', 'left_heel', 'right_big_toe', 'right_small_toe', 'right_heel');
  for (let i = 0; i < 68; i++) names.push(`face-${i}`);
  names.push(...handNames('left'), ...handNames('right'));
  return names;
}

function wholebodyFlipPairs(): [number, number][] {
  const pairs: [number, number][] = [...COCO_FLIP, [17, 20], [18, 21], [19, 22]];
  pairs.push(
    [23, 39], [24, 38], [25, 37], [26, 36], [27, 35], [28, 34], [29, 33], [30, 32],
    [40, 49], [41, 48], [42, 47], [43, 46], [44, 45],
    [54, 58], [55, 57],
    [59, 68], [60, 67], [61, 66], [62, 65], [63, 70], [64, 69],
    [71, 77], [72, 76], [73, 75],
    [78, 82], [79, 81], [83, 87], [84, 86], [88, 90],
  );
  for (let i = 0; i <= 20; i++) pairs.push([91 + i, 112 + i]);
  return pairs;
}

function handSkeleton(base: number): [number, number][] {
  const links: [number, number][] = [];
  for (let f = 0; f < 5; f++) {
    let prev = base;
    for (let j = 1; j <= 4; j++) {
      const cur = base + 4 * f + j;
      links.push([prev, cur]);
      prev = cur;
    }
  }
  return links;
}

function wholebodySkeleton(): [number, number][] {
  return [
    ...COCO_SKELETON,
    [15, 17], [15, 18], [15, 19], [16, 20], [16, 21], [16, 22],
    [9, 91], [10, 112],
    ...handSkeleton(91),
    ...handSkeleton(112),
  ];
}

export const DATASETS: Readonly<Record<DatasetName, DatasetInfo>> = {
  coco: {
    name: 'coco',
    numKeypoints: 17,
    keypoints: COCO_NAMES,
    flipPairs: COCO_FLIP,
    skeleton: COCO_SKELETON,
    sigmas: COCO_SIGMAS,
  },
  coco_wholebody: {
    name: 'coco_wholebody',
    numKeypoints: 133,
    keypoints: wholebodyNames(),
    flipPairs: wholebodyFlipPairs(),
    skeleton: wholebodySkeleton(),
    sigmas: WHOLEBODY_PARTS.flatMap((p) => WHOLEBODY_SIGMAS[p]),
    parts: WHOLEBODY_RANGES,
  },
  mpii: {
    name: 'mpii',
    numKeypoints: 16,
    keypoints: [
      'right_ankle', 'right_knee', 'right_hip', 'left_hip', 'left_knee', 'left_ankle',
      'pelvis', 'thorax', 'upper_neck', 'head_top',
      'right_wrist', 'right_elbow', 'right_shoulder', 'left_shoulder', 'left_elbow', 'left_wrist',
    ],
    flipPairs: [[0, 5], [1, 4], [2, 3], [10, 15], [11, 14], [12, 13]],
    skeleton: [
      [0, 1], [1, 2], [2, 6], [6, 3], [3, 4], [4, 5], [6, 7], [7, 8], [8, 9],
      [8, 12], [12, 11], [11, 10], [8, 13], [13, 14], [14, 15],
    ],
    sigmas: null,
  },
};

/** The dataset whose keypoint count is `k` (17 COCO, 133 COCO-WholeBody, 16 MPII), or undefined. */
export function datasetForKeypoints(k: number): DatasetInfo | undefined {
  for (const d of Object.values(DATASETS)) if (d.numKeypoints === k) return d;
  return undefined;
}
