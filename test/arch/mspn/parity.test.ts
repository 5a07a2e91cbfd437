import test from 'ava';
import { referenceParityTests } from '../../helpers/heatmap-parity.js';

// every mspn row with an MMPose reference (test/data/reference), whichever are present
referenceParityTests(test, 'mspn');
