import test from 'ava';
import { parityTests } from '../rsn/msmu-suite.js';

// every MSPN row with a shared MMPose reference (../shared/zoo/reference)
parityTests(test, 'mspn', ['mspn50_coco_256x192', '2xmspn50_coco_256x192']);
