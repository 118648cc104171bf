// kubelet-mounts.ts against real mounts: a kubelet dir under a temp dir with tmpfs volumes, a
// local-volume bind mount and a subPath bind mount of a source dir outside it (the user's data),
// a stacked mount, and one mount kept busy by a process. Everything is unmounted deepest first;
// a pod dir is removed only when nothing is mounted under it; the busy mount's pod keeps every
// file; the bind-mount source keeps its file.
import { spawn } from 'node:child_process';
import { execFileSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import t from 'tap';
import { hostNodeConfig, hostSweeper } from '../../helpers/host-node';
import { kubeletMounts, listPodDirs, removePodDir, resolveKubeletDir, unmountKubelet } from '../../../agent/daemon/host/kubelet-mounts';
import { readMountinfo } from '../../../agent/daemon/host/mountinfo';
import { resetWithPlanCheck } from '../../helpers/plan-check';

function mountsUnder(dir: string): string[] {
  return readMountinfo()
    .filter((m) => m.mountPoint === dir || m.mountPoint.startsWith(dir + '/'))
    .map((m) => m.mountPoint);
}

t.test('kubelet mounts: unmounted deepest first, pod dirs removed only when nothing is mounted, sources intact', async (t) => {
  const root = mkdtempSync('/tmp/ks-klt-');
  const procs: number[] = [];
  t.teardown(() => {
    for (const pid of procs) {
      try {
        process.kill(pid, 'SIGKILL');
      } catch {
        /* gone */
      }
    }
    for (let i = 0; i < 3; i++)
      for (const m of mountsUnder(root).sort((a, b) => b.length - a.length)) execFileSync('umount', ['-l', m], { stdio: 'pipe' });
    // Never rm -rf across a mount: only when nothing is mounted under root any more.
    if (mountsUnder(root).length === 0) rmSync(root, { recursive: true, force: true });
  });
  const real = path.join(root, 'real-kubelet');
  const K = path.join(root, 'kubelet'); // a symlink, as on nodes that moved /var/lib/kubelet
  mkdirSync(real);
  symlinkSync(real, K);
  const disk = path.join(root, 'disk');
  mkdirSync(disk);
  writeFileSync(path.join(disk, 'data.txt'), 'the user data\n');
  const A = path.join(real, 'pods', 'aaaaaaaa-1111-4222-8333-944455556666');
  const B = path.join(real, 'pods', 'bbbbbbbb-1111-4222-8333-944455556666');
  const C = path.join(real, 'pods', 'cccccccc-1111-4222-8333-944455556666');
  const mk = (p: string) => mkdirSync(p, { recursive: true });
  const mount = (...args: string[]) => execFileSync('mount', args, { stdio: 'pipe' });
  // Pod A: emptyDir tmpfs, a secret tmpfs with a space in its name, a local PV bind mount and a
  // subPath bind mount of the same source, with a tmpfs stacked on the subPath.
  mk(`${A}/volumes/kubernetes.io~empty-dir/cache`);
  mk(`${A}/volumes/kubernetes.io~secret/a token`);
  mk(`${A}/volumes/kubernetes.io~local-volume/pv-data`);
  mk(`${A}/volume-subpaths/pv-data/app/0`);
  mk(`${A}/containers/app`);
  writeFileSync(`${A}/etc-hosts`, '127.0.0.1 localhost\n');
  mount('-t', 'tmpfs', 'tmpfs', `${A}/volumes/kubernetes.io~empty-dir/cache`);
  writeFileSync(`${A}/volumes/kubernetes.io~empty-dir/cache/scratch`, 'x');
  mount('-t', 'tmpfs', 'tmpfs', `${A}/volumes/kubernetes.io~secret/a token`);
  mount('--bind', disk, `${A}/volumes/kubernetes.io~local-volume/pv-data`);
  mount('--bind', disk, `${A}/volume-subpaths/pv-data/app/0`);
  mount('-t', 'tmpfs', 'tmpfs', `${A}/volume-subpaths/pv-data/app/0`);
  // Pod B: a local PV bind mount (same filesystem as the pod dir: only mountinfo tells it is a
  // mount) that a process still works in, so its umount fails "target is busy". Deleting pod B
  // anyway would walk through the mount into disk2 and delete the user's data (k3s#3264).
  const disk2 = path.join(root, 'disk2');
  mkdirSync(disk2);
  writeFileSync(path.join(disk2, 'in-use'), 'busy\n');
  mk(`${B}/volumes/kubernetes.io~local-volume/work`);
  writeFileSync(`${B}/etc-hosts`, 'b\n');
  mount('--bind', disk2, `${B}/volumes/kubernetes.io~local-volume/work`);
  const busy = spawn('sleep', ['600'], { cwd: `${B}/volumes/kubernetes.io~local-volume/work`, stdio: 'ignore' });
  procs.push(busy.pid!);
  // Pod C: nothing mounted (the kubelet had already unmounted it).
  mk(`${C}/volumes`);
  // A CSI global mount, not in any pod dir.
  mk(`${real}/plugins/kubernetes.io/csi/pv/pvc-1/globalmount`);
  mount('-t', 'tmpfs', 'tmpfs', `${real}/plugins/kubernetes.io/csi/pv/pvc-1/globalmount`);
  // Kubelet's own state outside pods/ stays.
  writeFileSync(`${real}/cpu_manager_state`, '{}');

  const dir = resolveKubeletDir(K);
  t.equal(dir, real, 'the kubelet dir is matched as mountinfo names it (symlink resolved)');
  const planned = kubeletMounts(readMountinfo(), dir);
  t.equal(planned.length, 6, 'six mount points');
  t.equal(
    planned.reduce((n, m) => n + m.count, 0),
    7,
    'seven mounts (one stacked)',
  );
  const failed = new Set<string>();
  const order: string[] = [];
  for (const m of planned) {
    try {
      await unmountKubelet(m.mountPoint, dir);
      order.push(m.mountPoint);
    } catch (err) {
      t.match((err as { code: string }).code, 'KS_UNMOUNT_FAILED');
      t.match((err as Error).message, /busy/);
      failed.add(m.mountPoint);
    }
  }
  t.same([...failed], [`${B}/volumes/kubernetes.io~local-volume/work`], 'only the busy mount failed');
  t.ok(order.indexOf(`${A}/volume-subpaths/pv-data/app/0`) >= 0, 'the stacked subPath mount is unmounted (both layers)');
  t.same(mountsUnder(A), [], 'nothing mounted under pod A');

  const removed: string[] = [];
  const refused: string[] = [];
  for (const p of listPodDirs(dir)) {
    try {
      removePodDir(p, dir);
      removed.push(p);
    } catch (err) {
      t.equal((err as { code: string }).code, 'KS_STILL_MOUNTED');
      refused.push(p);
    }
  }
  t.same(removed, [A, C], 'pods A and C removed');
  t.same(refused, [B], 'pod B refused: still mounted');
  t.ok(existsSync(`${B}/etc-hosts`), 'nothing under pod B was deleted');
  t.equal(readFileSync(path.join(disk2, 'in-use'), 'utf8'), 'busy\n', 'the busy bind-mount source still has its file');
  t.equal(readFileSync(path.join(disk, 'data.txt'), 'utf8'), 'the user data\n', 'the bind-mount source still has its file');
  t.ok(existsSync(`${real}/cpu_manager_state`), "kubelet's own state outside pods/ stays");
  t.ok(existsSync(`${real}/plugins/kubernetes.io/csi/pv/pvc-1/globalmount`), 'the CSI dir stays (unmounted)');
  t.same(mountsUnder(`${real}/plugins`), []);
  t.equal(
    await unmountKubelet(`${A}/volumes/kubernetes.io~empty-dir/cache`, dir).catch((e) => String(e)),
    'gone',
    'unmounting again: gone',
  );
  t.throws(() => removePodDir(path.join(root, 'disk'), dir), { code: 'KS_PATH_OUTSIDE_SCOPE' }, 'a dir outside the kubelet dir is refused');
  t.ok(existsSync(path.join(disk, 'data.txt')));

  // Once the process is gone the mount goes and so does the pod.
  busy.kill('SIGKILL');
  await new Promise((r) => busy.once('exit', r));
  t.equal(await unmountKubelet(`${B}/volumes/kubernetes.io~local-volume/work`, dir), 'done');
  removePodDir(B, dir);
  t.notOk(existsSync(B));
});

t.test('through the kubelet-mounts step: deepest first by order, a busy mount keeps its pod dir and every file', async (t) => {
  const root = mkdtempSync('/tmp/ks-kls-');
  const procs: number[] = [];
  t.teardown(() => {
    for (const pid of procs) {
      try {
        process.kill(pid, 'SIGKILL');
      } catch {
        /* gone */
      }
    }
    for (let i = 0; i < 3; i++)
      for (const m of mountsUnder(root).sort((a, b) => b.length - a.length)) execFileSync('umount', ['-l', m], { stdio: 'pipe' });
    if (mountsUnder(root).length === 0) rmSync(root, { recursive: true, force: true });
  });
  const K = path.join(root, 'kubelet');
  const A = path.join(K, 'pods', 'aaaaaaaa-2222-4222-8333-944455556666');
  const B = path.join(K, 'pods', 'bbbbbbbb-2222-4222-8333-944455556666');
  const mk = (p: string) => mkdirSync(p, { recursive: true });
  const mount = (...args: string[]) => execFileSync('mount', args, { stdio: 'pipe' });
  // Pod A: a tmpfs volume with a second tmpfs mounted inside it (it must go first), and a sibling.
  const outer = `${A}/volumes/kubernetes.io~empty-dir/cache`;
  const inner = `${outer}/nested/deeper`;
  const sibling = `${A}/volumes/kubernetes.io~secret/tok`;
  mk(outer);
  mk(sibling);
  mount('-t', 'tmpfs', 'tmpfs', outer);
  mk(inner);
  mount('-t', 'tmpfs', 'tmpfs', inner);
  mount('-t', 'tmpfs', 'tmpfs', sibling);
  // Pod B: a bind mount of the user's data, kept busy by a process working in it.
  const disk = path.join(root, 'disk');
  mk(disk);
  writeFileSync(path.join(disk, 'in-use'), 'busy\n');
  const work = `${B}/volumes/kubernetes.io~local-volume/work`;
  mk(work);
  writeFileSync(`${B}/etc-hosts`, 'b\n');
  mount('--bind', disk, work);
  const busy = spawn('sleep', ['600'], { cwd: work, stdio: 'ignore' });
  procs.push(busy.pid!);
  await new Promise((r) => setTimeout(r, 200));
  for (const d of ['manifests', 'netns', 'state', 'containerd']) mk(path.join(root, d));
  const config = hostNodeConfig(root, {
    kubeletDir: K,
    cniIpamDirs: [path.join(root, 'ipam')],
  });
  // No pod is alive (an empty CRI): the step alone is under test, against the real mountinfo.
  const sweeper = hostSweeper(config);
  const report = await resetWithPlanCheck(t, sweeper, { scope: 'all', requestedBy: 't', steps: ['kubelet-mounts'] });
  const step = report.steps.find((s) => s.name === 'kubelet-mounts')!;
  const items = step.items.map((i) => ({ ...i, at: path.relative(K, i.target) }));
  t.comment(JSON.stringify(items.map((i) => [i.action, i.at, i.outcome, i.message])));
  const unmounts = items.filter((i) => i.action === 'unmount-volume').map((i) => i.target);
  const at = (action: string, target: string) => items.find((i) => i.action === action && i.target === target);
  t.same([...unmounts].sort(), [inner, outer, sibling, work].sort(), 'every mount under the kubelet dir is planned');
  t.ok(
    unmounts.indexOf(inner) < unmounts.indexOf(outer),
    `deepest first: ${path.relative(K, inner)} before ${path.relative(K, outer)} (${unmounts.map((m) => path.relative(K, m)).join(', ')})`,
  );
  t.equal(at('unmount-volume', inner)?.outcome, 'done', 'the nested mount unmounted');
  t.equal(at('unmount-volume', outer)?.outcome, 'done', 'then the one it sat in');
  t.equal(at('unmount-volume', work)?.outcome, 'failed', 'the busy mount could not be unmounted');
  t.match(at('unmount-volume', work)?.message, /busy/);
  t.equal(at('remove-dir', B)?.outcome, 'skipped', 'so its pod dir is not removed');
  t.match(at('remove-dir', B)?.message, `not removed: the unmount of ${work} failed`);
  t.equal(at('remove-dir', A)?.outcome, 'done', 'pod A (all unmounted) is removed');
  t.notOk(existsSync(A), 'pod A is gone');
  t.equal(readFileSync(`${B}/etc-hosts`, 'utf8'), 'b\n', 'nothing under pod B was deleted');
  t.equal(readFileSync(path.join(disk, 'in-use'), 'utf8'), 'busy\n', "the user's data behind the busy mount is intact");
  t.same(mountsUnder(K), [work], 'only the busy mount is left');
});
