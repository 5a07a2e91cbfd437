#!/usr/bin/env node
// The pose-port command: runs the compiled CLI (npm run build writes dist/).
import '../dist/src/cli/entry.js';
