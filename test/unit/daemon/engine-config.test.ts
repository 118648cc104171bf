// The engine's config is a pick of the option values (engine-config.ts): every option is either
// the engine's or the agent's own, and each engine option reaches the engine unchanged.
import t from 'tap';
import { loadConfig } from '../../../agent/daemon/config';
import { AGENT_ONLY_OPTIONS, ENGINE_OPTIONS, toSweepConfig } from '../../../agent/daemon/engine-config';
import { OPTIONS } from '../../../agent/daemon/options';

t.test('every option is decided: read by the engine or only by the agent, never both', async (t) => {
  const engine: readonly string[] = ENGINE_OPTIONS;
  const agentOnly: readonly string[] = AGENT_ONLY_OPTIONS;
  t.same([...engine, ...agentOnly].sort(), Object.keys(OPTIONS).sort());
  t.same(
    engine.filter((n) => agentOnly.includes(n)),
    [],
  );
});

t.test('each engine option reaches the engine config under its own name, unchanged', async (t) => {
  const { config } = loadConfig([
    '--node-name',
    'n1',
    '--netns-dir',
    '/x/netns',
    '--cni-ipam-dir',
    '/x/ipam',
    '--cni-ipam-dir',
    '/y/ipam',
    '--kubelet-unit',
    '',
  ]);
  const sc = toSweepConfig(config);
  for (const name of ENGINE_OPTIONS) t.same(sc[name], config[name], name);
  t.equal(sc.cniIpamDir, '/x/ipam', 'derived: the first IPAM dir');
  t.equal(sc.containerdAddress, '/run/containerd/containerd.sock', "derived: the CRI socket's path");
});
