import test from 'ava';
import { referenceModels } from '../../helpers/compare.js';
import { parityTests } from '../rsn/msmu-suite.js';

// every MSPN row with a shared MMPose reference (../shared/zoo/reference), whichever are present
parityTests(test, 'mspn', referenceModels('mspn'));
