import test from 'ava';
import { referenceParityTests } from '../../helpers/heatmap-parity.js';

// every rsn row with an MMPose reference (test/data/reference), whichever are present
referenceParityTests(test, 'rsn');
