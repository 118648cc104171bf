import { spawn } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import t from 'tap';
import type { Test } from 'tap';
import { OwnedProcess, proveOurs, terminateAll } from '../../../../agent/daemon/host/kill';
import { isAlive, readProcess } from '../../../../agent/daemon/host/proc';

const OURS = { address: '/run/containerd/containerd.sock', namespace: 'k8s.io' };

/** A fake /proc: pid -> [ppid, argv, startTime]. */
function fakeProc(t: Test, procs: Record<number, [number, string[], number?]>): string {
  const root = mkdtempSync(path.join(tmpdir(), 'ks-proc-'));
  t.teardown(() => rmSync(root, { recursive: true, force: true }));
  for (const [pid, [ppid, argv, start]] of Object.entries(procs)) {
    mkdirSync(path.join(root, pid));
    const comm = path.basename(argv[0] ?? 'x').slice(0, 15);
    const fields = ['S', String(ppid), ...Array.from({ length: 17 }, () => '0'), String(start ?? 1000 + Number(pid)), '0'];
    writeFileSync(path.join(root, pid, 'stat'), `${pid} (${comm}) ${fields.join(' ')}\n`);
    writeFileSync(path.join(root, pid, 'cmdline'), argv.join('\0') + '\0');
  }
  return root;
}

t.test('proveOurs: shims of this containerd and their descendants only', async (t) => {
  const shim = (addr: string, ns = 'k8s.io', bin = '/usr/bin/containerd-shim-runc-v2') => [
    bin,
    '-namespace',
    ns,
    '-id',
    'abc',
    '-address',
    addr,
  ];
  const procRoot = fakeProc(t, {
    1: [0, ['/sbin/init']],
    100: [1, shim('/run/containerd/containerd.sock')],
    101: [100, ['/pause']],
    102: [100, ['/bin/sh', '-c', 'x']],
    103: [102, ['sleep', '1000']],
    110: [1, shim('unix:///run/containerd/containerd.sock', 'k8s.io', 'containerd-shim-runc-v1')],
    200: [1, shim('/run/k3s/containerd/containerd.sock')],
    201: [200, ['/pause']],
    300: [1, shim('/run/containerd/containerd.sock', 'moby')],
    301: [300, ['nginx']],
    400: [1, ['containerd-shim-runc-v2', '-namespace', 'k8s.io']],
    401: [400, ['bash']],
    500: [1, ['/usr/bin/containerd']],
    600: [1, ['bash', '-c', 'containerd-shim-runc-v2 -namespace k8s.io -id x -address /run/containerd/containerd.sock']],
  });
  const p = proveOurs(103, OURS, procRoot);
  t.same(
    { pid: p.pid, shimPid: p.shimPid, shimId: p.shimId, startTime: p.startTime },
    { pid: 103, shimPid: 100, shimId: 'abc', startTime: 1103 },
    'grandchild of our shim',
  );
  t.equal(proveOurs(100, OURS, procRoot).shimPid, 100, 'the shim itself');
  t.equal(proveOurs(110, OURS, procRoot).shimPid, 110, 'v1 shim with unix:// address');
  for (const [pid, why] of [
    [200, 'a shim of another containerd (k3s)'],
    [201, "a child of another containerd's shim"],
    [300, 'our address, another namespace'],
    [301, 'a child of that'],
    [400, 'a shim-named process without -address'],
    [401, 'its child'],
    [500, 'containerd itself'],
    [600, 'a shell whose arguments mention a shim'],
    [1, 'init'],
    [999, 'a pid that does not exist'],
  ] as const) {
    t.throws(() => proveOurs(pid, OURS, procRoot), { code: 'KS_PROCESS_NOT_OURS' }, `refused: ${why}`);
  }
});

t.test('terminateAll: SIGTERM, shared grace, SIGKILL; never a reused pid', async (t) => {
  const polite = spawn('sleep', ['1000'], { stdio: 'ignore' });
  const stubborn = spawn('bash', ['-c', 'trap "" TERM; while :; do sleep 0.1; done'], { stdio: 'ignore' });
  const stubborn2 = spawn('bash', ['-c', 'trap "" TERM; while :; do sleep 0.1; done'], { stdio: 'ignore' });
  const bystander = spawn('sleep', ['1000'], { stdio: 'ignore' });
  t.teardown(() => {
    for (const c of [polite, stubborn, stubborn2, bystander]) if (c.exitCode === null && c.signalCode === null) c.kill('SIGKILL');
  });
  await new Promise((r) => setTimeout(r, 200));
  const owned = (pid: number, startDelta = 0): OwnedProcess => {
    const p = readProcess(pid)!;
    return { pid, startTime: p.startTime + startDelta, command: p.argv.join(' '), shimPid: pid, shimId: 'test' };
  };
  const signals: string[] = [];
  const t0 = Date.now();
  const res = await terminateAll([owned(polite.pid!), owned(stubborn.pid!), owned(stubborn2.pid!), owned(bystander.pid!, 1)], {
    graceMs: 800,
    onSignal: (p, s) => signals.push(`${p.pid} ${s}`),
  });
  const dt = Date.now() - t0;
  t.same(res.terminated, [polite.pid], 'the polite one ended on SIGTERM');
  t.same(res.killed.sort(), [stubborn.pid, stubborn2.pid].sort(), 'the stubborn ones needed SIGKILL');
  t.same(res.gone, [bystander.pid], 'a pid whose start time does not match is treated as gone');
  t.same(res.survivors, []);
  t.ok(dt < 2 * 800 + 1500, `grace periods overlap (${dt} ms for two stubborn processes)`);
  t.notOk(
    signals.some((s) => s.startsWith(`${bystander.pid} `)),
    'the mismatched pid was never signalled',
  );
  t.ok(isAlive(bystander.pid!), 'and is still alive');
});
