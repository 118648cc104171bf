// The testbed's pins (scripts/testbed/pins.ts): every path option of the option table is pinned or
// listed as safe with its reason, and the agent's flags and the engine's config both carry exactly
// the pinned values.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import t from 'tap';
import { loadConfig } from '../../../agent/daemon/config';
import { ENGINE_OPTIONS, type EngineOption } from '../../../agent/daemon/engine-config';
import { OPTIONS, type OptionDef, type OptionName } from '../../../agent/daemon/options';
import { testbedAgentArgs } from '../../../scripts/testbed/agent-args';
import { testbedPins, UNPINNED_PATH_OPTIONS, type TestbedDirs } from '../../../scripts/testbed/pins';
import { testbedSweepConfig } from '../../../scripts/testbed/sweep-config';
import type { Testbed } from '../../../scripts/testbed/testbed';

/** Whether an option names a place on the machine: by its documented type, or by a default that is a path. */
function isPathOption(def: OptionDef<unknown>): boolean {
  if (/absolute path|unix:\/\/\/|PEM file/.test(def.type)) return true;
  const values = [def.default, def.fileDefault].flat(2);
  return values.some((v) => {
    const s = typeof v === 'object' && v !== null && 'raw' in v ? v.raw : v;
    return typeof s === 'string' && (s.startsWith('/') || s.startsWith('unix://'));
  });
}

const dir = mkdtempSync(path.join(tmpdir(), 'ks-pins-'));
t.teardown(() => rmSync(dir, { recursive: true, force: true }));
const tb: TestbedDirs & { socket: string } = {
  dir,
  endpoint: `unix://${dir}/containerd.sock`,
  socket: `${dir}/containerd.sock`,
  namespace: 'k8s.io',
  root: `${dir}/root`,
  state: `${dir}/state`,
  netnsDir: `${dir}/state/netns`,
  scratch: `${dir}/scratch`,
  cniConfDir: `${dir}/net.d`,
  ipamDir: `${dir}/ipam`,
};
// The engine config puts manifests and state under the scratch dir; the agent target names the same.
const target = { manifestsDir: `${dir}/scratch/manifests`, stateDir: `${dir}/scratch/state` };

t.test('every path option is pinned by the testbed or listed as safe, with the reason', async (t) => {
  const pinned = Object.keys(testbedPins(tb, target));
  const paths = (Object.entries(OPTIONS) as [OptionName, OptionDef<unknown>][]).filter(([, d]) => isPathOption(d)).map(([n]) => n);
  for (const known of [
    'criEndpoint',
    'containerdDirs',
    'manifestsDir',
    'netnsDirs',
    'stateDir',
    'cniConfDir',
    'kubeletDir',
    'cniIpamDirs',
    'cniCacheDir',
    'procRoot',
    'listen',
    'tlsCert',
  ] as const) {
    t.ok(paths.includes(known), `${known} is recognised as a path option`);
  }
  for (const name of paths) {
    const reason = UNPINNED_PATH_OPTIONS[name];
    t.ok(
      pinned.includes(name) || (reason !== undefined && reason.length > 20),
      `${name}: pinned by the testbed, or listed in UNPINNED_PATH_OPTIONS with why it is safe`,
    );
    t.notOk(pinned.includes(name) && reason !== undefined, `${name}: not both pinned and listed as unpinned`);
  }
  for (const name of Object.keys(UNPINNED_PATH_OPTIONS))
    t.ok(paths.includes(name as OptionName), `${name}: listed as unpinned but not a path option`);
});

t.test('the agent flags and the engine config carry the same pinned values', async (t) => {
  const pins = testbedPins(tb, target);
  const { config: agent } = loadConfig(testbedAgentArgs(tb, { node: 'node1', expectFreePorts: [6443], ...target }));
  const engine = testbedSweepConfig(tb as unknown as Testbed, { nodeName: 'node1' });
  for (const [name, value] of Object.entries(pins) as [OptionName, unknown][]) {
    t.same(agent[name as keyof typeof agent], value, `agent flag gives the pinned ${name}`);
    if ((ENGINE_OPTIONS as readonly string[]).includes(name))
      t.same(engine[name as EngineOption], value, `engine config has the pinned ${name}`);
  }
  t.same(agent.linkPatterns, [], 'no link is a test’s to delete by default');
  const withLinks = loadConfig(testbedAgentArgs(tb, { node: 'node1', expectFreePorts: [6443], ...target, links: 'default' })).config;
  t.same(withLinks.linkPatterns, OPTIONS.linkPatterns.default, "links: 'default' leaves the agent's own patterns");
  t.equal(engine.containerdAddress, tb.socket);
});
