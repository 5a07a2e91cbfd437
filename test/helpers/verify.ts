/** verifyGraph from src/ir/verify.ts once the IR helper has landed it; a logged note until then. */
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import type { ExecutionContext } from 'ava';
import type { Graph } from '../../src/ir/graph.js';
import { ROOT } from './ckpt.js';

const VERIFY = join(ROOT, 'src', 'ir', 'verify.ts');

export async function verifyIfAvailable(t: ExecutionContext, graph: Graph): Promise<void> {
  if (!existsSync(VERIFY)) {
    t.log('src/ir/verify.ts not present yet: graph not verified');
    return;
  }
  const { verifyGraph } = (await import(pathToFileURL(VERIFY).href)) as { verifyGraph: (g: Graph) => void };
  t.notThrows(() => verifyGraph(graph));
}
