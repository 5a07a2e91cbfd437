import test from 'ava';
import { referenceParityTests } from '../../helpers/heatmap-parity.js';

// every mspn row with a shared MMPose reference (../shared/zoo/reference), whichever are present
referenceParityTests(test, 'mspn');
