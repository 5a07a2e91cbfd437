import test from 'ava';
import { parityTests } from './msmu-suite.js';

// every RSN row with a shared MMPose reference (../shared/zoo/reference)
parityTests(test, 'rsn', ['rsn18_coco_256x192', '2xrsn50_coco_256x192']);
