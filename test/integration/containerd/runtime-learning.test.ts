// The agent learns the node from containerd (docs/runtime-learning.md), on the private testbed
// whose containerd keeps every dir off the defaults — on whichever containerd the testbed runs
// ($KUBESWEEP_TESTBED_RUNTIME: `npm run test:runtimes` runs this file on 1.7 and 2.1 too): an agent told only its node name, the CRI
// socket, the manifests dir and its own dirs (state, kubelet dir: the machine's is never a
// test's; no link patterns: the testbed shares the machine's netns) must still clean
// (a) the dead-shim residue and (b) the failing-CNI residue (leases and libcni's cache too);
// (c) an agent started only after containerd died, with nothing learned, reads containerd's
// config file (the testbed's own: v2 for 1.x, v3 for 2.x; and the same dirs in the other
// form) and does the same. A configured dir contradicting
// containerd is a warning (log, Info, Inspect, metric); a learned dir failing the sanity rules
// is refused and reported.
import { mkdirSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import t from 'tap';
import type { Test } from 'tap';
import { LEARNED_FILE, saveLearned } from '../../../agent/daemon/runtime/learned-store';
import { faultCalls } from '../../../scripts/testbed/cni-fault';
import { runtimeChoice } from '../../../scripts/testbed/runtimes';
import { seedResidue } from '../../../scripts/testbed/seed';
import type { Testbed } from '../../../scripts/testbed/testbed';
import { startAgent, type RunningAgent } from '../../helpers/agent';
import { parsePromText } from '../../helpers/prom-text';
import { treeState } from '../../helpers/sweep';
import { canBind, cniCacheFilesOf, freePort, waitFor, withTestbed } from '../../helpers/testbed';
import { clientResetWithPlanCheck } from '../../helpers/plan-check';

interface Seeded {
  tb: Testbed;
  ports: { api: number; proxyMetrics: number };
  manifestsDir: string;
}

async function seeded(t: Test, cniFault = false): Promise<Seeded> {
  const tb = await withTestbed(t, { cniFault });
  const ports = { api: await freePort(), proxyMetrics: await freePort() };
  const manifestsDir = path.join(tb.scratch, 'manifests');
  await seedResidue(tb.cri(), tb, manifestsDir, ports);
  await waitFor('seed ports held', async () => !(await canBind(ports.api)) && !(await canBind(ports.proxyMetrics)));
  return { tb, ports, manifestsDir };
}

/** Node name, CRI socket, manifests dir and the agent's own dirs: nothing of containerd's. */
function zeroConfig(s: Seeded, stateDir: string, containerdConfig = path.join(s.tb.scratch, 'no-containerd-config.toml')): string[] {
  return [
    '--node-name',
    'node1',
    '--cri-endpoint',
    s.tb.endpoint,
    '--manifests-dir',
    s.manifestsDir,
    '--state-dir',
    stateDir,
    '--kubelet-dir',
    path.join(s.tb.scratch, 'kubelet'),
    '--kubelet-unit',
    '',
    '--link-pattern',
    '',
    '--expect-free-ports',
    `${s.ports.api},${s.ports.proxyMetrics}`,
    // Never the machine's /etc/containerd/config.toml.
    '--containerd-config',
    containerdConfig,
  ];
}

const dirOf = (info: any, option: string) => info.dirs.find((d: any) => d.option === option);

function checkTestbedDirs(t: Test, info: any, tb: Testbed, source: string) {
  t.match(dirOf(info, 'containerdDirs'), { paths: [tb.root, tb.state], source }, `containerd's root and state (${source})`);
  t.match(dirOf(info, 'netnsDirs'), { paths: [tb.netnsDir], source }, 'the netns dir under the state dir');
  t.match(dirOf(info, 'cniConfDir'), { paths: [tb.cniConfDir], source }, 'the CNI conf dir');
  t.match(dirOf(info, 'cniIpamDirs'), { paths: [tb.ipamDir], source }, "the loaded network's host-local data dir");
  t.match(dirOf(info, 'cniCacheDir'), { paths: ['/var/lib/cni/results'], source }, "libcni's cache");
  t.match(dirOf(info, 'stateDir'), { source: 'flag' });
}

async function stop(agent: RunningAgent): Promise<void> {
  process.kill(agent.pid, 'SIGTERM');
  await agent.exited;
}

async function expectDeadShimResidueGone(t: Test, s: Seeded, report: any) {
  t.ok((await canBind(s.ports.api)) && (await canBind(s.ports.proxyMetrics)), 'the seed ports are free');
  t.same(s.tb.cgroupPids(), [], 'no container process is left');
  t.same(
    readdirSync(s.tb.netnsDir).filter((n) => n.startsWith('cni-')),
    [],
    'the pod netns are removed',
  );
  t.same(
    report.verification.residue.map((x: any) => x.kind),
    ['sandbox'],
    `only the CRI's own records are left (containerd is down): ${JSON.stringify(report.verification.residue)}`,
  );
}

t.test('(a) zero-config agent started while containerd runs; shims killed by hand with containerd: one reset cleans', async (t) => {
  const s = await seeded(t);
  const stateDir = path.join(s.tb.scratch, 'state');
  const agent = await startAgent(t, { dir: s.tb.scratch, args: zeroConfig(s, stateDir) });
  const c = agent.client();
  const info = await c.call('Info');
  checkTestbedDirs(t, info, s.tb, 'runtime');
  t.comment(`containerd ${s.tb.runtime.packageVersion} (config version ${s.tb.configVersion})`);
  t.match(info, {
    runtimeSource: 'runtime',
    // The containerd asked is the one chosen ($KUBESWEEP_TESTBED_RUNTIME, default 1.6).
    runtimeVersion: new RegExp(`^containerd v?${runtimeChoice().replace('.', '\\.')}\\.`),
    criEndpoint: s.tb.endpoint,
    criEndpointSource: 'flag',
    dirWarnings: [],
  });
  const learned = JSON.parse(readFileSync(path.join(stateDir, LEARNED_FILE), 'utf8'));
  t.match(
    learned,
    {
      containerdVersion: info.runtimeVersion,
      criEndpoint: s.tb.endpoint,
      dirs: { containerdRoot: s.tb.root, containerdState: s.tb.state },
    },
    'kept in the state dir',
  );

  const before = s.tb.cgroupPids().length;
  await s.tb.killShimsByHand();
  t.ok(before > 0 && s.tb.cgroupPids().length > 0, 'the container processes keep running without shims');
  const out = await clientResetWithPlanCheck(t, c, { confirmNode: 'node1', graceSeconds: 2 }, { stateDir });
  t.notOk(out.error, `reset ran (${JSON.stringify(out.error)})`);
  const ks = out.report.steps.find((x: any) => x.name === 'kill-shims');
  t.ok(
    ks.items.filter((i: any) => i.action === 'kill-container').length >= 12,
    'every shim-gone container proven ours from its task bundle under the learned state dir',
  );
  await expectDeadShimResidueGone(t, s, out.report);
  const after = await c.call('Info');
  t.match(
    after,
    { runtimeSource: 'learned', runtimeLearnedAt: learned.learnedAt },
    'containerd down: the learned dirs, with when they were learned',
  );
  checkTestbedDirs(t, after, s.tb, 'learned');

  // A new agent while containerd is still down (the seed's situation): the learned state.
  await stop(agent);
  const again = await startAgent(t, { dir: s.tb.scratch, args: zeroConfig(s, stateDir) });
  checkTestbedDirs(t, await again.client().call('Info'), s.tb, 'learned');
});

t.test('(b) zero-config agent, failing CNI DEL: one reset ends clean, conf dir restored, leases released', async (t) => {
  const s = await seeded(t, true);
  const network = readdirSync(s.tb.ipamDir)[0];
  const leases = () => readdirSync(path.join(s.tb.ipamDir, network)).filter((n) => /^\d/.test(n));
  t.ok(leases().length > 0, 'leases held');
  t.ok(cniCacheFilesOf(s.tb.dir).length > 0, "libcni's cache holds the pods' ADD results");
  const confBefore = treeState(s.tb.cniConfDir);
  s.tb.setCniFault('fail');
  const stateDir = path.join(s.tb.scratch, 'state');
  const agent = await startAgent(t, { dir: s.tb.scratch, args: zeroConfig(s, stateDir) });
  const out = await clientResetWithPlanCheck(t, agent.client(), { confirmNode: 'node1', graceSeconds: 2 }, { stateDir });
  t.notOk(out.error);
  t.equal(out.report.verification.verdict, 'clean', `clean: ${JSON.stringify(out.report.verification.residue)}`);
  t.ok(
    faultCalls(s.tb.cniFault!).some((c) => c.cmd === 'DEL'),
    'the failing plugin was asked to DEL',
  );
  t.same(treeState(s.tb.cniConfDir), confBefore, 'CNI conf dir byte-identical (the fallback used the learned conf dir)');
  t.same(leases(), [], 'the leases of the skipped DELs were released (the learned IPAM dir)');
  t.same(cniCacheFilesOf(s.tb.dir), [], "the skipped DELs' libcni cache files are removed (libcni's cache dir)");
  t.ok((await canBind(s.ports.api)) && (await canBind(s.ports.proxyMetrics)), 'ports free');
});

t.test('(c) agent started only after containerd died, nothing learned: containerd config file (v2 and v3 forms)', async (t) => {
  const s = await seeded(t);
  await s.tb.killShimsByHand();

  // A learned state that fails the sanity rules: refused and reported, never used.
  const badState = path.join(s.tb.scratch, 'bad-state');
  saveLearned(badState, {
    learnedAt: '2026-12-01T00:00:00.000Z',
    containerdVersion: 'containerd 1.6.20',
    criEndpoint: s.tb.endpoint,
    dirs: {
      containerdRoot: '/usr',
      containerdState: '/',
      netnsDirs: [s.tb.netnsDir],
      cniConfDir: s.tb.cniConfDir,
      cniBinDirs: [],
      cniIpamDirs: [s.tb.ipamDir],
      cniCacheDir: '/var/lib/cni/results',
    },
  });
  const bad = await startAgent(t, { dir: s.tb.scratch, args: zeroConfig(s, badState) });
  const badInfo = await bad.client().call('Info');
  t.match(
    dirOf(badInfo, 'containerdDirs'),
    {
      source: 'default',
      runtimePaths: ['/usr', '/'],
      warning: /\/usr \(is the system dir \/usr as a whole, not a dir of containerd's or CNI's\), \/ \(is \/\) refused/,
    },
    'refused, the default stands',
  );
  t.ok(
    badInfo.dirWarnings.some((w: string) => /containerdDirs: containerd's \/usr/.test(w)),
    'reported in Info',
  );
  t.ok(
    bad.logs.some((l) => l.level === 40 && /containerdDirs: containerd's \/usr/.test(l.msg)),
    'and in the log',
  );
  await stop(bad);

  // The same dirs in the other form (v3 for a 1.x testbed, v2 for a 2.x one): read the same.
  const otherVersion = s.tb.configVersion === 2 ? 3 : 2;
  const other = path.join(s.tb.scratch, `config-v${otherVersion}.toml`);
  writeFileSync(other, s.tb.configToml(otherVersion));
  const a3 = await startAgent(t, { dir: s.tb.scratch, args: zeroConfig(s, path.join(s.tb.scratch, 'state-other'), other) });
  const i3 = await a3.client().call('Info');
  t.match(i3, { runtimeSource: 'containerd-config', dirWarnings: [] });
  checkTestbedDirs(t, i3, s.tb, 'containerd-config');
  await stop(a3);

  // The testbed's own file (the form its containerd wants): the reset.
  const agent = await startAgent(t, {
    dir: s.tb.scratch,
    args: zeroConfig(s, path.join(s.tb.scratch, 'state'), path.join(s.tb.dir, 'config.toml')),
  });
  const c = agent.client();
  const info = await c.call('Info');
  checkTestbedDirs(t, info, s.tb, 'containerd-config');
  t.match(dirOf(info, 'containerdDirs').detail, `containerd's config file ${path.join(s.tb.dir, 'config.toml')}`);
  const out = await clientResetWithPlanCheck(
    t,
    c,
    { confirmNode: 'node1', graceSeconds: 2 },
    { stateDir: path.join(s.tb.scratch, 'state') },
  );
  t.notOk(out.error);
  await expectDeadShimResidueGone(t, s, out.report);
});

t.test('a configured dir contradicting containerd: a warning in the log, Info, Inspect and a metric', async (t) => {
  const tb = await withTestbed(t);
  const s: Seeded = {
    tb,
    ports: { api: await freePort(), proxyMetrics: await freePort() },
    manifestsDir: path.join(tb.scratch, 'manifests'),
  };
  mkdirSync(s.manifestsDir, { recursive: true });
  const wrong = path.join(tb.scratch, 'wrong-netns');
  const httpPort = await freePort();
  const agent = await startAgent(t, {
    dir: tb.scratch,
    args: [...zeroConfig(s, path.join(tb.scratch, 'state')), '--netns-dir', wrong, '--http-listen', `127.0.0.1:${httpPort}`],
  });
  const c = agent.client();
  const info = await c.call('Info');
  t.match(
    dirOf(info, 'netnsDirs'),
    { paths: [wrong], source: 'flag', detail: '--netns-dir', runtimePaths: [tb.netnsDir] },
    'the configured value is used',
  );
  const warning = `netnsDirs is ${wrong} (--netns-dir) but containerd's is ${tb.netnsDir}`;
  t.ok(
    info.dirWarnings.some((w: string) => w.startsWith(warning)),
    `Info: ${JSON.stringify(info.dirWarnings)}`,
  );
  t.ok(
    (await c.call('Inspect')).dirWarnings.some((w: string) => w.startsWith(warning)),
    'Inspect',
  );
  t.ok(
    agent.logs.some((l) => l.level === 40 && String(l.msg).startsWith(warning)),
    'the log',
  );
  const samples = parsePromText(await (await fetch(`http://127.0.0.1:${httpPort}/metrics`)).text()).samples;
  t.ok(
    samples.some((x: any) => x.name === 'kubesweep_dir_runtime_mismatch' && x.labels.option === 'netnsDirs' && x.value === 1),
    'the metric',
  );
  t.notOk(
    samples.some((x: any) => x.name === 'kubesweep_dir_runtime_mismatch' && x.labels.option !== 'netnsDirs'),
    'no other option flagged',
  );
});
