// The systemd cgroup layout, for real: systemd boots as PID 1 of a systemd-nspawn container with
// SYSTEMD_NSPAWN_UNIFIED_HIERARCHY=1 (cgroup v2 inside, `0::/…` lines, as on modern nodes), and a
// node's pod cgroups are built there with systemd itself — `kubepods-<qos>-pod<uid>.slice`
// slices and `cri-containerd-<id>.scope` scopes around real processes (systemd-run --scope), with
// the task bundles containerd would have. runc cannot start containers with SystemdCgroup on
// these machines (issue 18), so no containerd runs: its CRI endpoint answers nobody, the shim-gone
// case. The engine, driven directly inside (test/fixtures/nspawn/sweep-inside.ts, the agent's
// default pod cgroup parents), must find, attribute and end the shim-gone container processes,
// then stop the removed pods' slices through systemd — while another containerd's pod (no
// bundle: not ours, so it keeps its process, and its slice stays) and a decoy slice and scope of
// other software survive with their processes.
import { randomBytes } from 'node:crypto';
import t from 'tap';
import { packageRoot } from '../../../agent/shared/paths';
import { NspawnMachine } from '../../../scripts/testbed/nspawn';

const hex = (n: number) => randomBytes(n).toString('hex');
const uuid = () => {
  const h = hex(16);
  return `${h.slice(0, 8)}-${h.slice(8, 12)}-4${h.slice(13, 16)}-8${h.slice(17, 20)}-${h.slice(20, 32)}`;
};
const sliceOf = (qos: string, uid: string) => `kubepods-${qos}-pod${uid.replace(/-/g, '_')}.slice`;
const scopeOf = (id: string) => `cri-containerd-${id}.scope`;

interface Item {
  action: string;
  target: string;
  outcome: string;
  message?: string;
}
interface Report {
  steps: { name: string; items: Item[]; actions?: { action: string; target: string }[] }[];
  verification?: { residue: { kind: string; target: string; why: string }[] };
}

t.test('systemd slices and scopes under cgroup v2: shim-gone processes ended, removed pods’ slices stopped, decoys survive', async (t) => {
  const t0 = Date.now();
  const vm = await NspawnMachine.boot({
    env: { SYSTEMD_NSPAWN_UNIFIED_HIERARCHY: '1' },
    binds: [
      { host: packageRoot(), container: '/src', readOnly: true },
      { host: process.execPath, container: '/usr/bin/node', readOnly: true },
    ],
  });
  t.teardown(() => vm.shutdown());
  t.comment(`booted in ${Date.now() - t0} ms`);
  const sh = (cmd: string) => {
    const r = vm.exec(['bash', '-c', cmd]);
    if (r.code !== 0) throw new Error(`${cmd}: exit ${r.code}: ${r.stderr}`);
    return r.stdout;
  };
  // The kernel still lists the machine's v1 hierarchies in /proc/PID/cgroup (at their roots), but
  // the container's cgroup tree is the unified one, and systemd manages only that.
  t.match(sh('stat -f -c %T /sys/fs/cgroup'), /cgroup2fs/, 'cgroup v2 (unified) mounted inside');
  t.equal(
    sh("sed -n 's/.* - \\([^ ]*\\) .*/\\1/p' /proc/self/mountinfo | sort | uniq -c | grep -w cgroup || true").trim(),
    '',
    'no v1 hierarchy mounted inside',
  );

  const STATE = '/run/ks-ctr/state';
  const [uA, uB, uD] = [uuid(), uuid(), uuid()];
  const [sA, cA, sB, cB, cD] = [hex(32), hex(32), hex(32), hex(32), hex(32)];
  // Pod A (besteffort): its sandbox and one container. Pod B (burstable): one container, the pause
  // already gone. Pod D: another containerd's (no bundle here). All with processes in their scopes.
  const scopes: { id: string; slice: string; bundle?: { sandbox: string; uid: string; pod: string; type: string } }[] = [
    { id: sA, slice: sliceOf('besteffort', uA), bundle: { sandbox: sA, uid: uA, pod: 'web-a', type: 'sandbox' } },
    { id: cA, slice: sliceOf('besteffort', uA), bundle: { sandbox: sA, uid: uA, pod: 'web-a', type: 'container' } },
    { id: cB, slice: sliceOf('burstable', uB), bundle: { sandbox: sB, uid: uB, pod: 'db-b', type: 'container' } },
    { id: cD, slice: sliceOf('besteffort', uD) },
  ];
  for (const s of scopes) {
    if (s.bundle) {
      const config = {
        ociVersion: '1.0.2',
        process: { args: ['/bin/sleep', '600'] },
        annotations: {
          'io.kubernetes.cri.container-type': s.bundle.type,
          'io.kubernetes.cri.sandbox-id': s.bundle.sandbox,
          'io.kubernetes.cri.sandbox-name': s.bundle.pod,
          'io.kubernetes.cri.sandbox-namespace': 'default',
          'io.kubernetes.cri.sandbox-uid': s.bundle.uid,
          ...(s.bundle.type === 'container' ? { 'io.kubernetes.cri.container-name': 'app' } : {}),
        },
      };
      vm.writeFile(`${STATE}/io.containerd.runtime.v2.task/k8s.io/${s.id}/config.json`, JSON.stringify(config));
    }
    sh(`setsid -f systemd-run --quiet --scope --slice=${s.slice} --unit=${scopeOf(s.id)} -- /bin/sleep 600 </dev/null >/dev/null 2>&1`);
  }
  sh('setsid -f systemd-run --quiet --scope --slice=decoy.slice --unit=decoy-foo.scope -- /bin/sleep 600 </dev/null >/dev/null 2>&1');
  const units = [...scopes.map((s) => scopeOf(s.id)), 'decoy-foo.scope'];
  for (let i = 0; i < 100 && !units.every((u) => vm.exec(['systemctl', 'is-active', '--quiet', u]).code === 0); i++)
    await new Promise((r) => setTimeout(r, 50));
  const cgroupOf = (unit: string) => sh(`systemctl show -p ControlGroup --value ${unit}`).trim();
  const pidsOf = (unit: string) =>
    sh(`cat /sys/fs/cgroup${cgroupOf(unit)}/cgroup.procs`)
      .split('\n')
      .filter(Boolean)
      .map(Number);
  const pid = Object.fromEntries(units.map((u) => [u, pidsOf(u)[0]]));
  t.equal(
    cgroupOf(scopeOf(cA)),
    `/kubepods.slice/kubepods-besteffort.slice/${sliceOf('besteffort', uA)}/${scopeOf(cA)}`,
    "systemd's pod layout: the container's scope in its pod's slice under kubepods.slice",
  );
  t.match(sh(`cat /proc/${pid[scopeOf(cA)]}/cgroup`), new RegExp(`^0::/kubepods\\.slice/.*/${scopeOf(cA)}$`, 'm'), 'a cgroup v2 process');

  const config = JSON.stringify({
    nodeName: 'ks-systemd-node',
    criEndpoint: 'unix:///run/ks-ctr/containerd.sock',
    containerdAddress: '/run/ks-ctr/containerd.sock',
    containerdDirs: ['/var/lib/ks-ctr/root', STATE],
    netnsDirs: [`${STATE}/netns`],
    manifestsDir: '/var/lib/ks-node/manifests',
    stateDir: '/var/lib/ks-node/kubesweep',
    kubeletDir: '/var/lib/ks-node/kubelet',
    // The container shares the machine's network: no link, lease or CNI file is this test's.
    linkPatterns: [],
    cniIpamDirs: [],
    cniCacheDir: '',
    cniConfDir: '',
    kubeletUnit: '',
    expectFreePorts: [],
    graceSeconds: 1,
    criTimeoutMs: 2000,
    retries: 0,
  });
  sh('mkdir -p /var/lib/ks-node/manifests /var/lib/ks-node/kubelet /run/ks-ctr/state/netns');
  const engine = (mode: 'dry' | 'run'): Report =>
    JSON.parse(sh(`node /src/dist/test/fixtures/nspawn/sweep-inside.js '${config}' ${mode}`)) as Report;

  const plan = engine('dry');
  const planned = (step: string) => plan.steps.find((s) => s.name === step)?.actions?.map((a) => `${a.action} ${a.target}`) ?? [];
  t.same(
    planned('kill-shims')
      .filter((a) => a.startsWith('kill-container'))
      .sort(),
    [sA, cA, cB].map((id) => `kill-container ${id}`).sort(),
    'the dry run: our three shim-gone containers, attributed by their scope and bundle; not the other containerd’s',
  );
  t.same(
    planned('pod-cgroups').sort(),
    [sliceOf('besteffort', uA), sliceOf('burstable', uB), sliceOf('besteffort', uD)].map((u) => `stop-cgroup-unit ${u}`).sort(),
    'the dry run: every pod slice the CRI does not know (a held one is left at run time)',
  );
  for (const u of units) t.equal(vm.exec(['systemctl', 'is-active', u]).stdout.trim(), 'active', `dry run: ${u} still active`);

  const tRun = Date.now();
  const report = engine('run');
  t.comment(`reset inside: ${Date.now() - tRun} ms`);
  const items = (step: string) => report.steps.find((s) => s.name === step)?.items ?? [];
  t.comment(JSON.stringify(items('pod-cgroups').map((i) => [i.action, i.target, i.outcome, i.message])));
  for (const id of [sA, cA, cB])
    t.equal(items('kill-shims').find((i) => i.action === 'kill-container' && i.target === id)?.outcome, 'done', `${id.slice(0, 12)} ended`);
  const stop = (u: string) => items('pod-cgroups').find((i) => i.target === u);
  t.equal(stop(sliceOf('besteffort', uA))?.outcome, 'done', "pod A's slice stopped through systemd");
  t.equal(stop(sliceOf('burstable', uB))?.outcome, 'done', "pod B's slice stopped through systemd");
  t.equal(stop(sliceOf('besteffort', uD))?.outcome, 'skipped', "pod D's slice holds a process: left");

  const gone = (u: string) => vm.exec(['systemctl', 'is-active', u]).stdout.trim() !== 'active';
  for (const u of [sliceOf('besteffort', uA), sliceOf('burstable', uB), scopeOf(sA), scopeOf(cA), scopeOf(cB)])
    t.ok(gone(u), `${u} is gone`);
  t.equal(
    vm.exec(['test', '-e', `/sys/fs/cgroup/kubepods.slice/kubepods-besteffort.slice/${sliceOf('besteffort', uA)}`]).code,
    1,
    "pod A's cgroup dir is gone",
  );
  for (const u of [scopeOf(cD), sliceOf('besteffort', uD), 'decoy-foo.scope', 'decoy.slice', 'kubepods-besteffort.slice'])
    t.notOk(gone(u), `${u} survives`);
  for (const u of [scopeOf(cD), 'decoy-foo.scope']) t.same(pidsOf(u), [pid[u]], `${u}: its process still runs in it`);
  t.same(
    (report.verification?.residue ?? []).filter((r) => r.kind === 'pod-cgroup').map((r) => r.target),
    [sliceOf('besteffort', uD)],
    'verify: only the held slice of the other containerd’s pod is left',
  );
  t.comment(`whole test: ${Date.now() - t0} ms`);
});
