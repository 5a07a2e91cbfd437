import test from 'ava';
import { referenceModels } from '../../helpers/compare.js';
import { parityTests } from './msmu-suite.js';

// every RSN row with a shared MMPose reference (../shared/zoo/reference), whichever are present
parityTests(test, 'rsn', referenceModels('rsn'));
