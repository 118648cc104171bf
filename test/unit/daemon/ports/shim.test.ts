import { readFileSync } from 'node:fs';
import path from 'node:path';
import t from 'tap';
import { isShimOf, parseShimCmdline } from '../../../../agent/daemon/host/shim';
import { normalizeUnixAddress } from '../../../../agent/shared/endpoint';
import { parseCmdline } from '../../../../agent/daemon/host/proc';

const FIX = path.join(__dirname, '../../../fixtures/ports');

t.test('a testbed shim, from its real /proc/PID/cmdline bytes', async (t) => {
  const argv = parseCmdline(readFileSync(path.join(FIX, 'cmdline-shim-runc-v2-testbed.bin')));
  const shim = parseShimCmdline(argv);
  t.same(shim, {
    kind: 'runc-v2',
    binary: '/usr/bin/containerd-shim-runc-v2',
    namespace: 'k8s.io',
    id: '046746af362f18f1e41b800dfccda0184de149552e8b5d33eb0b09566bae9f84',
    address: '/tmp/ks-U9GIJP/c.sock',
  });
  t.ok(isShimOf(shim!, 'unix:///tmp/ks-U9GIJP/c.sock', 'k8s.io'), 'unix:// endpoint form matches');
  t.notOk(isShimOf(shim!, '/run/containerd/containerd.sock', 'k8s.io'), 'another containerd: not ours');
  t.notOk(isShimOf(shim!, '/tmp/ks-U9GIJP/c.sock', 'moby'), 'another namespace: not ours');
  t.equal(
    parseShimCmdline(parseCmdline(readFileSync(path.join(FIX, 'cmdline-busybox-httpd.bin')))),
    undefined,
    'a container process is not a shim',
  );
});

t.test('shim command lines captured on other machines', async (t) => {
  const lines = readFileSync(path.join(FIX, 'shim-cmdlines.txt'), 'utf8')
    .split('\n')
    .filter((l) => l && !l.startsWith('#'));
  t.equal(lines.length % 2, 0, 'expectation/line pairs');
  for (let i = 0; i < lines.length; i += 2) {
    const expect = lines[i];
    const argv = lines[i + 1].split(' ');
    const got = parseShimCmdline(argv);
    if (expect === '-') {
      t.equal(got, undefined, `not a shim: ${argv.slice(0, 2).join(' ')}`);
      continue;
    }
    const [kind, namespace, id, address] = expect.split('|');
    t.same(
      got && { kind: got.kind, namespace: got.namespace, id: got.id, address: got.address },
      { kind, namespace, id, address },
      argv[0],
    );
  }
});

t.test('flag forms and malformed argv', async (t) => {
  const id = 'f'.repeat(64);
  t.same(
    parseShimCmdline(['containerd-shim-runc-v2', '--namespace=k8s.io', '-id=' + id, '-address', 'unix:///run/containerd//containerd.sock'])
      ?.address,
    '/run/containerd/containerd.sock',
    '--flag=value and a unix:// address with a double slash',
  );
  t.equal(parseShimCmdline([]), undefined, 'empty argv (kernel thread, zombie)');
  t.equal(
    parseShimCmdline(['/usr/bin/containerd-shim-runc-v2', '-namespace', 'k8s.io', '-id', id]),
    undefined,
    'no -address: cannot be tied to a containerd',
  );
  t.equal(
    parseShimCmdline(['/usr/bin/containerd-shim-runc-v2', '-namespace', 'k8s.io', '-address']),
    undefined,
    'a flag without its value',
  );
  t.equal(
    parseShimCmdline(['/usr/bin/containerd-shim-runc-v2-wrapper', '-namespace', 'k8s.io', '-id', id, '-address', '/x']),
    undefined,
    'only exact binary names',
  );
  t.equal(normalizeUnixAddress('unix:/run/x.sock'), '/run/x.sock');
});
