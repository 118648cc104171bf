// The shape of the cleanup kinds (agent/daemon/sweep/kinds/): one module per kind of
// agent/shared/kinds.ts, one list driving them, each kind's step where its phase says, and every
// inventory field filled by exactly one kind.
import { existsSync, readFileSync } from 'node:fs';
import path from 'node:path';
import t from 'tap';
import { CLEANUP_KINDS } from '../../../../agent/shared/kinds';
import { defaultSweepConfig } from '../../../../agent/daemon/engine-config';
import { KIND_MODULES, KINDS, kindsInventory } from '../../../../agent/daemon/sweep/kinds';
import { ALL_STEPS } from '../../../../agent/daemon/sweep/steps';

const KINDS_DIR = path.join(__dirname, '..', '..', '..', '..', 'agent', 'daemon', 'sweep', 'kinds');

t.test('every kind of agent/shared/kinds.ts has exactly one module in the list, and the list nothing else', async (t) => {
  const names = KINDS.map((k) => k.name);
  t.same([...names].sort(), [...CLEANUP_KINDS].sort(), 'the same kinds');
  t.equal(new Set(names).size, names.length, 'none listed twice');
  for (const k of KINDS) {
    const file = path.join(KINDS_DIR, `${k.name}.ts`);
    t.ok(existsSync(file), `${k.name}: its module is kinds/${k.name}.ts`);
    const mod = require(file) as Record<string, unknown>;
    t.ok(Object.values(mod).includes(k), `${k.name}: the listed module is the one that file exports`);
  }
});

t.test("each kind's step runs where its phase says: before the pods or after them", async (t) => {
  const at = (s: string) => ALL_STEPS.indexOf(s as (typeof ALL_STEPS)[number]);
  for (const k of KINDS) {
    t.equal(ALL_STEPS.filter((s) => s === k.name).length, 1, `${k.name}: one step`);
    if (k.phase === 'before-pods')
      t.ok(at('stop-kubelet') < at(k.name) && at(k.name) < at('remove-pods'), `${k.name}: after stop-kubelet, before remove-pods`);
    else t.ok(at('remove-netns') < at(k.name) && at(k.name) < at('verify'), `${k.name}: after remove-netns, before verify`);
  }
  const after = KINDS.filter((k) => k.phase === 'after-pods').map((k) => k.name);
  t.same(
    ALL_STEPS.filter((s) => (after as readonly string[]).includes(s)),
    after,
    'in list order',
  );
});

t.test('every inventory field of the kinds is filled by exactly one kind', async (t) => {
  const config = defaultSweepConfig({
    linkPatterns: [],
    cniConfDir: '',
    cniCacheDir: '',
    cniIpamDirs: [],
    kubeletUnit: '',
    kubeletDir: '/nonexistent-kubelet-dir',
  });
  const look = { config, deps: {}, liveness: async () => ({ alive: new Set<string>() }) };
  const owners = new Map<string, string[]>();
  for (const k of KIND_MODULES) {
    const inv = await k.inventory(undefined, look);
    for (const field of Object.keys(inv.rows)) owners.set(field, [...(owners.get(field) ?? []), k.name]);
  }
  // The API's inventory fields (the generated InspectResponse) minus the engine's own and the
  // agent's (dirWarnings: where the runtime's dirs and the configured ones disagree).
  const api = readFileSync(
    path.join(__dirname, '..', '..', '..', '..', 'agent', 'shared', 'api', 'kubesweep', 'v1', 'InspectResponse.ts'),
    'utf8',
  );
  const output = api.slice(api.indexOf('export interface InspectResponse__Output'));
  const engine = ['sandboxes', 'containers', 'shims', 'netns', 'manifests', 'backups', 'criError', 'residueErrors', 'dirWarnings'];
  const fields = [...output.matchAll(/^\s*'(\w+)'\??:/gm)].map((m) => m[1]).filter((f) => !engine.includes(f) && !f.startsWith('_'));
  t.same([...owners.keys()].sort(), [...new Set(fields)].sort(), "the kinds fill exactly the API's residue fields");
  const all = await kindsInventory(config, {}, look.liveness);
  t.same(Object.keys(all).sort(), [...new Set([...fields, 'residueErrors'])].sort(), 'and the inventory has each of them');
  t.same(
    [...owners].filter(([, ks]) => ks.length !== 1),
    [],
    'no field filled by two kinds',
  );
});
