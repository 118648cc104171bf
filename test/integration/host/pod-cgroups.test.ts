// pod-cgroups against real cgroups on this machine (cgroup v1 controllers and the v2 unified
// hierarchy of its hybrid layout), all under a private parent this test makes in every hierarchy
// (`/kubesweep-test-<rand>`) and removes in teardown, even on failure. A removed pod's cgroupfs
// dirs and a bare container cgroup (a pod config's cgroup_parent layout) go, children first, in
// every hierarchy; a pod cgroup holding a process of this test's, a pod the CRI still lists, a
// QoS-level dir that is no pod's, a pod dir outside the pod hierarchy and a systemd-driver slice
// (no systemd here: reported, never removed by hand) all stay. The decoy process is untouched.
import { spawn } from 'node:child_process';
import { existsSync, mkdirSync, readdirSync, readFileSync, rmdirSync, writeFileSync } from 'node:fs';
import { randomBytes } from 'node:crypto';
import path from 'node:path';
import t from 'tap';
import { hostNodeConfig, hostSweeper } from '../../helpers/host-node';
import type { CriClient } from '../../../agent/daemon/cri/client';
import { cgroupHierarchies } from '../../../agent/daemon/host/pod-cgroups';
import { mkdtempSync, rmSync } from 'node:fs';
import { resetWithPlanCheck } from '../../helpers/plan-check';

const hex = (n: number) => randomBytes(n).toString('hex');
const uuid = () => {
  const h = hex(16);
  return `${h.slice(0, 8)}-${h.slice(8, 12)}-4${h.slice(13, 16)}-8${h.slice(17, 20)}-${h.slice(20, 32)}`;
};

/** Every dir at or below `dir`, deepest first. */
function treeDirs(dir: string): string[] {
  if (!existsSync(dir)) return [];
  const out: string[] = [];
  for (const e of readdirSync(dir, { withFileTypes: true })) if (e.isDirectory()) out.push(...treeDirs(path.join(dir, e.name)));
  out.push(dir);
  return out;
}

t.test('pod-cgroups: empty cgroups of removed pods go in every hierarchy; held, live, foreign and systemd ones stay', async (t) => {
  const P = `/kubesweep-test-${hex(4)}`;
  const hierarchies = cgroupHierarchies();
  t.ok(hierarchies.length >= 2, `cgroup hierarchies: ${hierarchies.join(' ')}`);
  const pidsH = hierarchies.find((h) => h.endsWith('/pids'));
  t.ok(pidsH, 'a pids controller hierarchy (the decoy process is placed there)');
  const procs: number[] = [];
  const root = mkdtempSync('/tmp/ks-cg-');
  t.teardown(async () => {
    for (const pid of procs) {
      try {
        process.kill(pid, 'SIGKILL');
      } catch {
        /* gone */
      }
    }
    // A killed process leaves its cgroup when it is reaped: wait for that, then rmdir every dir.
    for (let i = 0; i < 100 && procs.some((p) => existsSync(`/proc/${p}`)); i++) await new Promise((r) => setTimeout(r, 20));
    for (const h of hierarchies)
      for (const d of treeDirs(path.join(h, P))) {
        try {
          rmdirSync(d);
        } catch {
          /* reported by the check below */
        }
      }
    rmSync(root, { recursive: true, force: true });
    const left = hierarchies.filter((h) => existsSync(path.join(h, P)));
    if (left.length) throw new Error(`test cgroups left in ${left.join(' ')}`);
  });

  const [uidA, uidB, uidC, uidE, uidF] = [uuid(), uuid(), uuid(), uuid(), uuid()];
  const [a1, a2, b1, sandboxC, e1, f1, g] = [hex(32), hex(32), hex(32), hex(32), hex(32), hex(32), hex(32)];
  const K = `${P}/kubepods`;
  const S = `${P}/kubepods.slice`;
  const removed = {
    A: `${K}/besteffort/pod${uidA}`, // a removed pod with two containers
    G: `${K}/${g}`, // a container directly under the parent (cgroup_parent layout)
  };
  const kept = {
    B: `${K}/burstable/pod${uidB}`, // holds the decoy process
    C: `${K}/pod${uidC}`, // the CRI still lists this pod
    qos: `${K}/besteffort/not-a-pod`,
    E: `${P}/other/pod${uidE}`, // outside the pod hierarchy
    F: `${S}/kubepods-besteffort.slice/kubepods-besteffort-pod${uidF.replace(/-/g, '_')}.slice`, // a systemd slice
  };
  const dirs = [
    `${removed.A}/${a1}`,
    `${removed.A}/${a2}`,
    removed.G,
    `${kept.B}/${b1}`,
    `${kept.C}/${sandboxC}`,
    kept.qos,
    `${kept.E}/${e1}`,
    `${kept.F}/cri-containerd-${f1}.scope`,
  ];
  for (const h of hierarchies) for (const d of dirs) mkdirSync(path.join(h, d), { recursive: true });

  // The decoy: a process of this test's in pod B's container cgroup (pids controller).
  const decoy = spawn('sleep', ['600'], { stdio: 'ignore' });
  procs.push(decoy.pid!);
  writeFileSync(path.join(pidsH!, kept.B, b1, 'cgroup.procs'), String(decoy.pid));
  const decoyCgroup = readFileSync(`/proc/${decoy.pid}/cgroup`, 'utf8');
  t.match(decoyCgroup, `pids:${kept.B}/${b1}`, 'the decoy runs in pod B');

  const config = hostNodeConfig(root, {
    podCgroupParents: [K, S],
  });
  // The CRI stands in (this test is about the cgroup tree): it still lists pod C's sandbox.
  const sandbox = {
    id: sandboxC,
    state: 'SANDBOX_NOTREADY',
    createdAt: '0',
    metadata: { name: 'c', namespace: 'default', uid: uidC, attempt: 0 },
    labels: {},
    annotations: {},
  };
  const cri = {
    listPodSandbox: async () => [sandbox],
    listContainers: async () => [],
    podSandboxStatus: async () => ({ status: { linux: { namespaces: { options: { network: 'POD' } } } } }),
  } as unknown as CriClient;
  // No systemd here; named anyway, so the test never depends on the machine's.
  const sweeper = hostSweeper(config, { cri, hostTools: { systemdRunDir: path.join(root, 'no-systemd') } });
  const opts = { scope: 'all' as const, requestedBy: 't', steps: ['pod-cgroups', 'verify'] };
  const exists = (d: string) => hierarchies.filter((h) => existsSync(path.join(h, d))).length;

  const dry = await sweeper.plan({ ...opts, dryRun: true });
  const step = dry.steps.find((s) => s.name === 'pod-cgroups')!;
  t.comment(step.note ?? '');
  t.same(
    step.actions.map((a) => `${a.action} ${a.target}`).sort(),
    [`remove-cgroup ${removed.A}`, `remove-cgroup ${kept.B}`, `remove-cgroup ${removed.G}`].sort(),
    'planned: the removed pod, the bare container and the held pod (left at run time if still held); never C, E, the QoS dir or the slice',
  );
  t.match(step.note ?? '', /1 cgroup\(s\) of pods the CRI still knows kept/);
  t.match(step.note ?? '', /systemd is not running: 1 slice/);
  const a = step.actions.find((x) => x.target === removed.A) as unknown as { detail: { dirs: string[] } };
  t.equal(a.detail.dirs.length, 3 * hierarchies.length, 'pod A: its dir and two container dirs in every hierarchy');
  for (const d of dirs) t.equal(exists(d), hierarchies.length, `dry run: ${d} still in every hierarchy`);

  // The held pod is planned (its process might be a shim-gone one kill-shims ends first) and left
  // at run time because the decoy still holds it: the run reports that skip, by this message.
  const report = await resetWithPlanCheck(t, sweeper, opts, { allowSkips: [/^holds 1 process\(es\) .*: left in place$/] });
  const run = report.steps.find((s) => s.name === 'pod-cgroups')!;
  t.comment(JSON.stringify(run.items.map((i) => [i.action, i.target, i.outcome, i.message])));
  const item = (target: string) => run.items.find((i) => i.target === target);
  t.equal(item(removed.A)?.outcome, 'done');
  t.match(item(removed.A)?.message ?? '', `${3 * hierarchies.length} cgroup dir(s) removed`);
  t.equal(item(removed.G)?.outcome, 'done');
  t.equal(item(kept.B)?.outcome, 'skipped', 'the held pod is left');
  t.match(item(kept.B)?.message ?? '', new RegExp(`holds 1 process\\(es\\) \\(${decoy.pid}\\)`));
  for (const d of [removed.A, `${removed.A}/${a1}`, removed.G]) t.equal(exists(d), 0, `${d}: gone from every hierarchy`);
  for (const d of [`${kept.B}/${b1}`, `${kept.C}/${sandboxC}`, kept.qos, `${kept.E}/${e1}`, `${kept.F}/cri-containerd-${f1}.scope`])
    t.equal(exists(d), hierarchies.length, `${d}: untouched in every hierarchy`);
  t.equal(exists(`${K}/besteffort`), hierarchies.length, 'the QoS level of the removed pod stays (the kubelet owns it)');
  t.ok(existsSync(`/proc/${decoy.pid}`), 'the decoy process still runs');
  t.equal(readFileSync(`/proc/${decoy.pid}/cgroup`, 'utf8'), decoyCgroup, 'in the cgroup it was in');

  const left = report.verification!.residue.filter((r) => r.kind === 'pod-cgroup');
  t.same(
    left.map((r) => r.target).sort(),
    [kept.B, path.basename(kept.F)].sort(),
    'verify: the held pod and the slice, not the live pod C',
  );
  t.match(left.find((r) => r.target === path.basename(kept.F))?.why ?? '', /systemd is not running: never removed by hand/);
});
