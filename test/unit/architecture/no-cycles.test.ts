// No import cycles in agent/. Type-only imports count: a cycle of types is still a knot in the
// layering (sweep/index.ts ↔ sweep/recorder.ts was one: the recorder needed SweepDeps from the
// engine that drives it). Read from the .ts sources with the project's tsconfig, so a cycle
// fails here before any build.
import { readdirSync } from 'node:fs';
import path from 'node:path';
import t from 'tap';
import madge from 'madge';

const root = path.resolve(__dirname, '../../..');

function tsFiles(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((e) => {
    const p = path.join(dir, e.name);
    if (e.isDirectory()) return tsFiles(p);
    return e.name.endsWith('.ts') && !e.name.endsWith('.d.ts') ? [path.relative(path.join(root, 'agent'), p)] : [];
  });
}

async function importCycles(dir: string, tsConfig: string): Promise<{ cycles: string[][]; files: string[] }> {
  const res = await madge(dir, {
    fileExtensions: ['ts'],
    tsConfig,
    detectiveOptions: { ts: { skipTypeImports: false } },
  });
  return { cycles: res.circular(), files: Object.keys(res.obj()) };
}

t.test('agent/ has no import cycle (type-only imports included)', async (t) => {
  const { cycles, files } = await importCycles(path.join(root, 'agent'), path.join(root, 'tsconfig.json'));
  // The graph must really be the sources: every .ts file of agent/ read, none missed.
  t.same(files.sort(), tsFiles(path.join(root, 'agent')).sort(), 'madge read every source file of agent/');
  t.same(cycles, [], cycles.map((c) => c.join(' → ')).join('\n') || 'no cycles');
});
