import { readFileSync } from 'node:fs';

/** The package version, read once from package.json (works from src/ via tsx and from dist/src/). */
function readVersion(): string {
  for (const rel of ['../package.json', '../../package.json']) {
    try {
      const p = JSON.parse(readFileSync(new URL(rel, import.meta.url), 'utf8'));
      if (p.name === 'pose-port') return String(p.version);
    } catch {
      // try the next location
    }
  }
  return '0.0.0';
}

export const VERSION = readVersion();
