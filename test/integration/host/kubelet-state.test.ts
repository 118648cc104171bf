// kubelet-state on real files under a temp dir: the kubelet's PKI (with its current-client
// symlink), its kubeconfigs and checkpoints are backed up (0600 in 0700) and removed, and the
// backup restores them byte-identical; the kubelet dir's other files and the Kubernetes dir's
// other kubeconfigs are decoys that stay; a symlink leading out of the PKI and a FIFO in it are
// never followed, left and reported. A running kubelet (a process listening on its port, or one
// holding its key open) keeps everything in place, named. No containerd is needed: the CRI is an
// empty one (no pod is alive).
import { execFileSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { lstatSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, readlinkSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import t, { type Test } from 'tap';
import { hostNodeConfig, hostSweeper } from '../../helpers/host-node';
import type { SweepConfig } from '../../../agent/daemon/sweep';
import type { KindBackupIndex } from '../../../agent/daemon/sweep/kind-backup';
import { kindsInventory } from '../../../agent/daemon/sweep/kinds';
import { resetWithPlanCheck } from '../../helpers/plan-check';
import { freePort, Procs } from '../../helpers/standin';

const STATE = [
  'kubelet/pki/kubelet.crt',
  'kubelet/pki/kubelet.key',
  'kubelet/pki/kubelet-client-2026-11-01-10-00-00.pem',
  'kubelet/pki/kubelet-client-current.pem',
  'kubelet/cpu_manager_state',
  'kubelet/memory_manager_state',
  'kubelet/dra_manager_state',
  'kubelet/device-plugins/kubelet_internal_checkpoint',
  'kubernetes/bootstrap-kubelet.conf',
  'kubernetes/kubelet.conf',
];
const DECOYS = [
  'kubelet/config.yaml',
  'kubelet/kubeadm-flags.env',
  'kubelet/pods/0f1e2d3c-1111-4222-8333-944455556666/etc-hosts',
  'kubelet/device-plugins/other-plugin.state',
  'kubernetes/admin.conf',
  'kubernetes/manifests/kube-apiserver.yaml',
  'kubernetes/pki/ca.crt',
];

/** path → sha256 of its bytes (a symlink: of its target text). */
function sums(root: string, rels: readonly string[]): Record<string, string> {
  const out: Record<string, string> = {};
  for (const r of rels) {
    const p = path.join(root, r);
    const data = lstatSync(p).isSymbolicLink() ? Buffer.from(readlinkSync(p)) : readFileSync(p);
    out[r] = createHash('sha256').update(data).digest('hex');
  }
  return out;
}

const exists = (p: string) => {
  try {
    lstatSync(p);
    return true;
  } catch {
    return false;
  }
};

async function node(t: Test) {
  const root = mkdtempSync('/tmp/ks-kst-');
  const procs = new Procs();
  t.teardown(() => {
    procs.killAll();
    rmSync(root, { recursive: true, force: true });
  });
  for (const d of ['manifests', 'netns', 'state', 'containerd']) mkdirSync(path.join(root, d));
  for (const r of [...STATE, ...DECOYS]) {
    mkdirSync(path.dirname(path.join(root, r)), { recursive: true });
    if (r.endsWith('current.pem')) symlinkSync(path.join(root, 'kubelet/pki/kubelet-client-2026-11-01-10-00-00.pem'), path.join(root, r));
    else writeFileSync(path.join(root, r), `${r}: ${Math.random()}\n`, { mode: 0o600 });
  }
  // Odd entries in the PKI dir: a symlink leading out (to a file that must survive) and a FIFO.
  writeFileSync(path.join(root, 'outside.pem'), 'not the kubelet’s\n');
  symlinkSync(path.join(root, 'outside.pem'), path.join(root, 'kubelet/pki/elsewhere.pem'));
  execFileSync('mkfifo', [path.join(root, 'kubelet/pki/fifo')]);
  const port = await freePort();
  const config = hostNodeConfig(root, {
    kubeletPorts: [port],
  });
  const sweeper = (c: SweepConfig) => hostSweeper(c);
  const reset = (tt: Test) =>
    resetWithPlanCheck(tt, sweeper(config), {
      scope: 'all',
      requestedBy: 't',
      steps: ['kubelet-state', 'verify'],
      withKinds: ['kubelet-state'],
    });
  return { root, config, procs, reset, port };
}

t.test('backed up (0600 in 0700), removed, restorable byte-identical; decoys and odd entries stay', async (t) => {
  const n = await node(t);
  const state = sums(n.root, STATE);
  const decoys = sums(n.root, DECOYS);
  const inv = await kindsInventory(n.config, {}, async () => ({ alive: new Set<string>() }));
  t.same(
    inv.kubeletStateFiles.map((f) => [path.relative(n.root, f.path), f.symlink, f.odd.replace(/:.*/, '')]).sort(),
    [
      ...STATE.map((r) => [r, r.endsWith('current.pem'), '']),
      ['kubelet/pki/elsewhere.pem', false, 'a symlink to ' + path.join(n.root, 'outside.pem') + ', outside ' + n.config.kubeletDir],
      ['kubelet/pki/fifo', false, 'a FIFO, not a kubelet file'],
    ].sort(),
    'inspect: every state file, and the odd entries with why',
  );
  const report = await n.reset(t);
  const step = report.steps.find((s) => s.name === 'kubelet-state')!;
  t.same(
    step.items
      .filter((i) => i.action === 'remove-file')
      .map((i) => [path.relative(n.root, i.target), i.outcome])
      .sort(),
    STATE.map((r) => [r, 'done']).sort(),
    'every state file removed',
  );
  for (const r of STATE) t.notOk(exists(path.join(n.root, r)), `${r} is gone`);
  t.same(sums(n.root, DECOYS), decoys, 'the decoys are untouched');
  t.ok(exists(path.join(n.root, 'kubelet/pki/fifo')) && exists(path.join(n.root, 'kubelet/pki/elsewhere.pem')), 'the odd entries stay');
  t.equal(readFileSync(path.join(n.root, 'outside.pem'), 'utf8'), 'not the kubelet’s\n', 'the link target outside is untouched');
  t.match(report.plan.steps.find((s) => s.name === 'kubelet-state')!.note, /elsewhere\.pem \(a symlink to .*outside.*fifo \(a FIFO/);
  t.same(
    report
      .verification!.residue.filter((r) => r.kind === 'kubelet-state')
      .map((r) => path.relative(n.root, r.target))
      .sort(),
    ['kubelet/pki/elsewhere.pem', 'kubelet/pki/fifo'],
    'verify reports only the odd entries',
  );

  const dir = path.join(n.config.stateDir, 'backups', 'kubelet-state');
  const [id] = readdirSync(dir);
  const B = path.join(dir, id);
  t.equal(lstatSync(B).mode & 0o777, 0o700, 'the backup dir is 0700');
  for (const f of readdirSync(B)) t.equal(lstatSync(path.join(B, f)).mode & 0o777, 0o600, `${f} is 0600`);
  const index = JSON.parse(readFileSync(path.join(B, 'index.json'), 'utf8')) as KindBackupIndex;
  t.equal(index.files.length, STATE.length, 'one backup file per state file');
  // Restore from the index: each file back to where it came from, a symlink as a link.
  for (const f of index.files) {
    const data = readFileSync(path.join(B, f.name));
    if (f.symlink) symlinkSync(data.toString(), f.source);
    else writeFileSync(f.source, data, { mode: 0o600 });
  }
  t.same(sums(n.root, STATE), state, 'restored byte-identical, the symlink as the same link');
});

t.test('a kubelet listening on its port keeps its state, named', async (t) => {
  const n = await node(t);
  const before = sums(n.root, STATE);
  const kubelet = await n.procs.listen(n.port);
  const report = await n.reset(t);
  const planned = report.plan.steps.find((s) => s.name === 'kubelet-state')!;
  t.same(planned.actions, [], 'nothing planned');
  t.match(planned.note, new RegExp(`a kubelet runs: port ${n.port} held by pid ${kubelet.pid} `));
  t.same(sums(n.root, STATE), before, 'every file in place');
  const left = report.verification!.residue.filter((r) => r.kind === 'kubelet-state');
  t.equal(left.filter((r) => /a kubelet runs/.test(r.why)).length, STATE.length, 'verify reports each file, and why it stayed');
});

t.test('a process holding the kubelet key open keeps the state, named', async (t) => {
  const n = await node(t);
  const before = sums(n.root, STATE);
  const holder = await n.procs.holdOpen(path.join(n.root, 'kubelet/pki/kubelet.key'));
  const report = await n.reset(t);
  const planned = report.plan.steps.find((s) => s.name === 'kubelet-state')!;
  t.same(planned.actions, [], 'nothing planned');
  t.match(planned.note, new RegExp(`pid ${holder.pid} \\(python3\\) holds .*/pki/kubelet\\.key \\(fd \\d+\\)`));
  t.same(sums(n.root, STATE), before, 'every file in place');
});
