// The two programs stay apart: nothing under agent/client imports agent/daemon and nothing
// under agent/daemon imports agent/client; agent/shared imports neither. Both may import
// agent/shared. Checked on the import specifiers of every source file (static imports,
// `import(…)` types and require()).
import { readdirSync, readFileSync, statSync } from 'node:fs';
import path from 'node:path';
import t from 'tap';
import { packageRoot } from '../../../agent/shared/paths';

const agentDir = path.join(packageRoot(), 'agent');
type Area = 'client' | 'daemon' | 'shared';

function sources(dir: string): string[] {
  return readdirSync(dir).flatMap((name) => {
    const p = path.join(dir, name);
    return statSync(p).isDirectory() ? sources(p) : p.endsWith('.ts') ? [p] : [];
  });
}

/** Relative module specifiers a file imports (import/export … from, import(), require()). */
export function specifiers(text: string): string[] {
  const out: string[] = [];
  const re = /(?:\bfrom\s*|\bimport\s*\(\s*|\brequire\s*\(\s*|^\s*import\s+)['"](\.[^'"]*)['"]/gm;
  for (let m = re.exec(text); m; m = re.exec(text)) out.push(m[1]);
  return out;
}

function areaOf(file: string): Area | undefined {
  const first = path.relative(agentDir, file).split(path.sep)[0];
  return first === 'client' || first === 'daemon' || first === 'shared' ? first : undefined;
}

const ALLOWED: Record<Area, readonly Area[]> = { client: ['client', 'shared'], daemon: ['daemon', 'shared'], shared: ['shared'] };

t.test('the import scanner sees every form of import', async (t) => {
  const text = [
    "import { a } from '../daemon/x';",
    'import type { B } from "../daemon/y";',
    "export { c } from './z';",
    "import './side-effect';",
    "const m = require('../daemon/r') as typeof import('../daemon/q');",
    "  return import('../daemon/lazy');",
  ].join('\n');
  t.same(
    specifiers(text).sort(),
    ['../daemon/lazy', '../daemon/q', '../daemon/r', '../daemon/x', '../daemon/y', './side-effect', './z'].sort(),
  );
});

t.test('agent/client and agent/daemon never import each other; shared imports neither', async (t) => {
  const files = sources(agentDir);
  t.ok(files.some((f) => areaOf(f) === 'client') && files.some((f) => areaOf(f) === 'daemon'), 'both programs found');
  const crossings: string[] = [];
  for (const file of files) {
    const from = areaOf(file);
    if (!from) continue;
    for (const spec of specifiers(readFileSync(file, 'utf8'))) {
      const to = areaOf(path.resolve(path.dirname(file), spec));
      if (to && !ALLOWED[from].includes(to)) crossings.push(`${path.relative(agentDir, file)} imports ${spec}`);
    }
  }
  t.same(crossings, [], 'no import crosses between the programs');
});

// A cleanup kind's host module (its side effects on the machine) is planned, run and verified by
// its kind module alone (agent/daemon/sweep/kinds/<kind>.ts). Besides it, only the option table
// (the defaults) and the named users below import it.
const KIND_HOST: Record<string, string> = {
  links: 'host/links',
  ipam: 'host/ipam',
  'cni-cache': 'host/cni-cache',
  'kubelet-mounts': 'host/kubelet-mounts',
  'cni-config': 'host/cni-config',
  firewall: 'host/firewall',
};
const ALSO_IMPORTED_BY: Record<string, readonly string[]> = {
  // The CNI teardown fallback releases the addresses of the sandboxes it tears down itself.
  'host/ipam': ['daemon/sweep/cni-fallback.ts'],
};

t.test("a kind's host module is used by its kind module alone (and the option table's defaults)", async (t) => {
  const daemonDir = path.join(agentDir, 'daemon');
  const users: string[] = [];
  for (const file of sources(agentDir)) {
    const rel = path.relative(agentDir, file);
    for (const spec of specifiers(readFileSync(file, 'utf8'))) {
      const target = path.relative(daemonDir, path.resolve(path.dirname(file), spec));
      const kind = Object.keys(KIND_HOST).find((k) => KIND_HOST[k] === target);
      if (!kind) continue;
      const ok =
        rel === `daemon/sweep/kinds/${kind}.ts` ||
        rel === 'daemon/options.ts' ||
        rel.startsWith('daemon/host/') ||
        (ALSO_IMPORTED_BY[target] ?? []).includes(rel);
      if (!ok) users.push(`${rel} imports ${target}`);
    }
  }
  t.same(users, [], 'no other importer');
});
