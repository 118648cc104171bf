// The learner with containerd's real verbose Status answer (the testbed capture) standing in for
// the CRI: what it learns, that it keeps it durably in the state dir, that a later agent with
// the CRI down uses it, that one which never saw the CRI reads containerd's config file, that a
// configured dir is kept with a warning when it contradicts containerd, and that a learned dir
// failing the sanity rules is refused and reported.
import { existsSync, mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import t from 'tap';
import type { Test } from 'tap';
import { loadConfig } from '../../../../agent/daemon/config';
import { LEARNED_FILE } from '../../../../agent/daemon/runtime/learned-store';
import { RuntimeLearner, type StatusSource } from '../../../../agent/daemon/runtime/learn';
import { packageRoot } from '../../../../agent/shared/paths';
import { captureLogger } from '../../../helpers/log-capture';

const fixture = JSON.parse(readFileSync(path.join(packageRoot(), 'test', 'fixtures', 'cri', 'status-verbose-testbed.json'), 'utf8')) as {
  info: Record<string, string>;
};
const T = '/tmp/ks-bajvPO';

const up = (info = fixture.info): StatusSource => ({
  status: async () => ({ info }),
  version: async () => ({ version: '0.1.0', runtimeName: 'containerd', runtimeVersion: '1.6.20~ds1', runtimeApiVersion: 'v1' }),
});
const down: StatusSource = {
  status: async () => {
    throw new Error('CRI Status failed: UNAVAILABLE: connect ENOENT');
  },
  version: async () => {
    throw new Error('CRI Version failed: UNAVAILABLE: connect ENOENT');
  },
};

function setup(t: Test, flags: string[] = []) {
  const dir = mkdtempSync('/tmp/ks-learn-');
  t.teardown(() => rmSync(dir, { recursive: true, force: true }));
  const { config, origins } = loadConfig([
    '--node-name',
    'n1',
    '--cri-endpoint',
    `unix://${T}/c.sock`,
    '--state-dir',
    `${dir}/state`,
    '--manifests-dir',
    `${dir}/manifests`,
    '--containerd-config',
    `${dir}/config.toml`,
    ...flags,
  ]);
  return { dir, config, origins };
}

function learner(t: Test, s: ReturnType<typeof setup>, cri: StatusSource, now = new Date('2026-12-06T21:00:00Z')) {
  const { log, lines } = captureLogger();
  const l = new RuntimeLearner({
    configured: s.config,
    origins: s.origins,
    cri: () => cri,
    log,
    containerdConfig: s.config.containerdConfig,
    now: () => now,
  });
  t.teardown(() => l.stop());
  return { l, lines };
}

const TESTBED_VALUES = {
  containerdDirs: [`${T}/root`, `${T}/state`],
  netnsDirs: [`${T}/state/io.containerd.grpc.v1.cri/netns`],
  cniConfDir: `${T}/cni/net.d`,
  cniIpamDirs: [`${T}/cni/ipam`],
  cniCacheDir: '/var/lib/cni/results',
};

t.test('learned while the CRI answers, kept durably, used by a later agent while the CRI is down', async (t) => {
  const s = setup(t);
  const a = learner(t, s, up());
  t.equal(a.l.knowledge, undefined, 'nothing known before asking (no learned state, no containerd config file)');
  await a.l.refresh();
  t.same(a.l.resolved.values, TESTBED_VALUES, "every unset dir option is containerd's");
  t.ok(a.l.resolved.entries.every((e) => e.source === 'runtime' && /containerd 1\.6\.20~ds1 \(CRI Status\)/.test(e.detail)));
  const saved = JSON.parse(readFileSync(path.join(s.config.stateDir, LEARNED_FILE), 'utf8'));
  t.match(saved, {
    format: 1,
    learnedAt: '2026-12-06T21:00:00.000Z',
    containerdVersion: 'containerd 1.6.20~ds1',
    criEndpoint: `unix://${T}/c.sock`,
  });

  // The same agent, containerd gone: it keeps what it learned, now as "learned".
  const b = learner(t, s, down);
  await b.l.refresh();
  t.equal(b.l.knowledge?.source, 'learned', 'a new agent with the CRI down uses the learned state');
  t.equal(b.l.knowledge?.at, '2026-12-06T21:00:00.000Z');
  t.same(b.l.resolved.values, TESTBED_VALUES);
  t.match(b.l.resolved.entries[0].detail, /learned from containerd 1\.6\.20~ds1 at 2026-12-06T21:00:00\.000Z/);
  t.match(b.l.lastAttempt?.error, /UNAVAILABLE/);
  // Asked again with the same answer: the file is not rewritten (a dry run changes no file).
  const before = statSync(path.join(s.config.stateDir, LEARNED_FILE)).mtimeMs;
  const c = learner(t, s, up(), new Date('2026-12-06T22:00:00Z'));
  await c.l.refresh();
  await a.l.refresh();
  t.equal(statSync(path.join(s.config.stateDir, LEARNED_FILE)).mtimeMs, before, 'an unchanged answer is not written again');
  const changed = { ...fixture.info, config: fixture.info.config.replace('/tmp/ks-bajvPO/root', '/tmp/ks-bajvPO/root2') };
  await learner(t, s, up(changed), new Date('2026-12-06T23:00:00Z')).l.refresh();
  t.match(
    JSON.parse(readFileSync(path.join(s.config.stateDir, LEARNED_FILE), 'utf8')),
    { learnedAt: '2026-12-06T23:00:00.000Z', dirs: { containerdRoot: '/tmp/ks-bajvPO/root2' } },
    'a changed answer is',
  );
});

t.test('the learned state of another CRI endpoint is not used; containerd config file instead', async (t) => {
  const s = setup(t);
  await learner(t, s, up()).l.refresh();
  const other = loadConfig([
    '--node-name',
    'n1',
    '--cri-endpoint',
    'unix:///run/other.sock',
    '--state-dir',
    s.config.stateDir,
    '--manifests-dir',
    s.config.manifestsDir,
    '--containerd-config',
    `${s.dir}/config.toml`,
  ]);
  writeFileSync(`${s.dir}/config.toml`, `version = 2\nroot = "${s.dir}/croot"\nstate = "${s.dir}/cstate"\n`);
  const { l } = learner(t, { dir: s.dir, ...other }, down);
  t.equal(l.knowledge?.source, 'containerd-config');
  t.same(l.resolved.values.containerdDirs, [`${s.dir}/croot`, `${s.dir}/cstate`]);
  t.match(l.fallbackProblems, [/learned state is of unix:\/\/\/tmp\/ks-bajvPO\/c\.sock, not unix:\/\/\/run\/other\.sock/]);
  t.match(l.resolved.entries[0], { source: 'containerd-config', detail: `containerd's config file ${s.dir}/config.toml` });
});

t.test('never saw the CRI, no learned state: containerd config file (v2 written by the testbed)', async (t) => {
  const s = setup(t);
  writeFileSync(
    `${s.dir}/config.toml`,
    `version = 2\nroot = "${T}/root"\nstate = "${T}/state"\n[plugins."io.containerd.grpc.v1.cri"]\n  netns_mounts_under_state_dir = true\n  [plugins."io.containerd.grpc.v1.cri".cni]\n    conf_dir = "${T}/cni/net.d"\n`,
  );
  const { l } = learner(t, s, down);
  await l.refresh();
  t.equal(l.knowledge?.source, 'containerd-config');
  t.same(l.resolved.values.containerdDirs, TESTBED_VALUES.containerdDirs);
  t.same(l.resolved.values.netnsDirs, TESTBED_VALUES.netnsDirs);
  t.equal(l.resolved.values.cniConfDir, TESTBED_VALUES.cniConfDir);
  t.notOk(existsSync(path.join(s.config.stateDir, LEARNED_FILE)), 'nothing saved: containerd never answered');
});

t.test('a configured dir that contradicts containerd: kept, with a warning (log, resolved mismatches)', async (t) => {
  const s = setup(t, ['--netns-dir', '/var/run/netns', '--containerd-dir', `${T}`]);
  const { l, lines } = learner(t, s, up());
  await l.refresh();
  t.same(l.resolved.values.netnsDirs, ['/var/run/netns'], 'the configured value wins');
  t.same(l.resolved.values.containerdDirs, [T], 'a configured dir that covers containerd dirs is no contradiction');
  t.same(
    l.resolved.mismatches.map((m) => m.option),
    ['netnsDirs'],
  );
  t.match(
    l.resolved.mismatches[0].warning,
    `netnsDirs is /var/run/netns (--netns-dir) but containerd's is ${T}/state/io.containerd.grpc.v1.cri/netns`,
  );
  const warned = lines.filter((x) => x.level === 40 && /netnsDirs is/.test(x.msg));
  t.equal(warned.length, 1, 'logged as a warning');
  await l.refresh();
  t.equal(lines.filter((x) => x.level === 40 && /netnsDirs is/.test(x.msg)).length, 1, 'once, not at every refresh');
});

t.test('a learned dir that fails the sanity rules: refused, reported, the default stands', async (t) => {
  const s = setup(t);
  const cfg = JSON.parse(fixture.info.config) as Record<string, unknown>;
  const info = {
    ...fixture.info,
    config: JSON.stringify({ ...cfg, containerdRootDir: '/usr', stateDir: '/etc/io.containerd.grpc.v1.cri' }),
  };
  const { l, lines } = learner(t, s, up(info));
  await l.refresh();
  t.same(l.resolved.values.containerdDirs, ['/run/containerd', '/var/lib/containerd'], 'the built-in default');
  t.same(
    l.resolved.refused.map((r) => r.option),
    ['containerdDirs'],
  );
  t.match(l.resolved.refused[0].warning, /\/usr \(is the system dir \/usr as a whole.*\/etc \(is the system dir \/etc/);
  t.match(
    l.resolved.entries.find((e) => e.option === 'containerdDirs'),
    { source: 'default', runtimePaths: ['/usr', '/etc'] },
  );
  t.same(l.resolved.values.netnsDirs, ['/etc/io.containerd.grpc.v1.cri/netns'], 'other options are judged on their own');
  t.ok(
    lines.some((x) => x.level === 40 && /containerdDirs: containerd's \/usr/.test(x.msg)),
    'logged',
  );
});
