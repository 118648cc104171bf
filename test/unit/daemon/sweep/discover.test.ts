// Discovery from a fake /proc: our shims and their trees, host-network from netns links, and
// who lives in each CNI netns file (ours or not).
import { mkdirSync, mkdtempSync, rmSync, statSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import t from 'tap';
import { listProcesses } from '../../../../agent/daemon/host/proc';
import { findNetns, findShims, hostNetworkFromShims, ownershipIndex } from '../../../../agent/daemon/sweep/discover';

t.test('shims, host-network and netns holders from a fake /proc', async (t) => {
  const root = mkdtempSync(path.join(tmpdir(), 'ks-disc-'));
  t.teardown(() => rmSync(root, { recursive: true, force: true }));
  const procRoot = path.join(root, 'proc');
  const netnsDir = path.join(root, 'netns');
  mkdirSync(netnsDir);
  writeFileSync(path.join(netnsDir, 'cni-pod'), '');
  writeFileSync(path.join(netnsDir, 'cni-foreign'), '');
  writeFileSync(path.join(netnsDir, 'other'), '');
  const podIno = statSync(path.join(netnsDir, 'cni-pod')).ino;
  const foreignIno = statSync(path.join(netnsDir, 'cni-foreign')).ino;
  const HOST = 4026531833;
  const add = (pid: number, ppid: number, argv: string[], netns: number | undefined, state = 'S') => {
    const d = path.join(procRoot, String(pid));
    mkdirSync(path.join(d, 'ns'), { recursive: true });
    const fields = [state, String(ppid), ...Array.from({ length: 17 }, () => '0'), String(500 + pid), '0'];
    writeFileSync(path.join(d, 'stat'), `${pid} (${path.basename(argv[0]).slice(0, 15)}) ${fields.join(' ')}\n`);
    writeFileSync(path.join(d, 'cmdline'), argv.join('\0') + '\0');
    if (netns !== undefined) symlinkSync(`net:[${netns}]`, path.join(d, 'ns', 'net'));
  };
  const shim = (id: string, addr = '/run/c.sock') => [
    '/usr/bin/containerd-shim-runc-v2',
    '-namespace',
    'k8s.io',
    '-id',
    id,
    '-address',
    addr,
  ];
  add(1, 0, ['/sbin/init'], HOST);
  add(10, 1, shim('hostpod'), HOST);
  add(11, 10, ['/pause'], HOST);
  add(12, 10, ['httpd', '-f'], HOST);
  add(20, 1, shim('netnspod'), HOST);
  add(21, 20, ['/pause'], podIno);
  add(22, 20, ['sleep', '1000'], podIno);
  add(23, 20, ['defunct'], podIno, 'Z');
  add(30, 1, shim('empty'), HOST);
  add(40, 1, shim('x', '/run/other.sock'), HOST);
  add(41, 40, ['/pause'], foreignIno);
  add(50, 1, ['sleep', '1000'], foreignIno);
  const procs = listProcesses(procRoot);
  const shims = findShims(procs, { address: 'unix:///run/c.sock', namespace: 'k8s.io' });
  t.same(
    shims.map((s) => [s.pid, s.id, s.tree.map((p) => p.pid)]),
    [
      [10, 'hostpod', [11, 12]],
      [20, 'netnspod', [21, 22]],
      [30, 'empty', []],
    ],
    'our shims only, zombies left out',
  );
  t.same(
    [...hostNetworkFromShims(shims, procRoot)],
    [
      ['hostpod', true],
      ['netnspod', false],
    ],
    'no tree, no answer (the CRI is asked then)',
  );
  const netns = findNetns([netnsDir], procs, ownershipIndex(shims), procRoot);
  t.same(
    netns.map((n) => n.name),
    ['cni-foreign', 'cni-pod'],
    'only cni-* files',
  );
  t.same(
    netns[1].holders.map((h) => [h.pid, h.ours, h.shimId]),
    [
      [21, true, 'netnspod'],
      [22, true, 'netnspod'],
    ],
  );
  t.same(
    netns[0].holders.map((h) => [h.pid, h.ours, h.command]),
    [
      [41, false, '/pause'],
      [50, false, 'sleep 1000'],
    ],
    "another containerd's pause and a stray process are not ours",
  );
  // PID 1 unreadable: the agent's own netns stands in for the host's.
  rmSync(path.join(procRoot, '1', 'ns', 'net'));
  mkdirSync(path.join(procRoot, 'self', 'ns'), { recursive: true });
  symlinkSync(`net:[${HOST}]`, path.join(procRoot, 'self', 'ns', 'net'));
  t.same(
    [...hostNetworkFromShims(shims, procRoot)],
    [
      ['hostpod', true],
      ['netnspod', false],
    ],
    'fallback to /proc/self',
  );
});
