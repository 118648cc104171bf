import t, { type Test } from 'tap';
import { parseArgs, parsePortList } from '../../../agent/client/args';
import type { Invocation } from '../../../agent/client/types';

const files: Record<string, string> = {
  '/fleet.txt': '# nodes being removed\nnode1 unix:///tmp/a.sock\n\nnode2 unix:///tmp/b.sock  # second\n',
  '/inv.ini': '[kube_node]\nnode1 ansible_host=10.0.0.1\nnode2 ansible_host=10.0.0.2 kubesweep_endpoint=10.0.0.2:9000\n',
};
const readFile = (p: string): string => {
  const f = files[p];
  if (f === undefined) throw new Error('ENOENT: no such file');
  return f;
};

function ok(t: Test, argv: string[], env: NodeJS.ProcessEnv = {}): Invocation {
  const r = parseArgs(argv, { env, readFile, version: '9.9.9' });
  if (r.kind !== 'run') {
    t.fail(`expected ${argv.join(' ')} to parse, got exit ${r.code}: ${r.stderr}`);
    throw new Error('parse failed');
  }
  return r.invocation;
}

function usage(t: Test, argv: string[], pattern: RegExp, env: NodeJS.ProcessEnv = {}): void {
  const r = parseArgs(argv, { env, readFile, version: '9.9.9' });
  t.equal(r.kind, 'exit', `${argv.join(' ')} is refused`);
  if (r.kind !== 'exit') return;
  t.equal(r.code, 2, 'usage errors exit 2');
  t.match(r.stderr, pattern);
  t.notMatch(r.stderr.trim(), /\n/, 'one-line reason');
  t.match(r.stderr, /^kubesweep: /);
}

t.test('reset with the guard, options after the command, default endpoint', async (t) => {
  const inv = ok(t, [
    'reset',
    '--confirm',
    'node1',
    '--dry-run',
    '--json',
    '--scope',
    'static,daemonset',
    '--scope',
    'static',
    '--grace',
    '3',
    '--expect-free',
    '6443, 10250',
  ]);
  t.equal(inv.command, 'reset');
  t.same(inv.targets, [{ endpoint: 'unix:///run/kubesweep/agent.sock' }]);
  t.equal(inv.fanOut, false);
  t.same(inv.confirm, { mode: 'node', node: 'node1' });
  t.equal(inv.dryRun, true);
  t.equal(inv.json, true);
  t.same(inv.scope, ['static', 'daemonset']);
  t.equal(inv.graceSeconds, 3);
  t.same(inv.expectFree, [6443, 10250]);
  t.equal(inv.color, 'auto');
});

t.test('KUBESWEEP_AGENT is the default endpoint; --agent wins', async (t) => {
  t.same(ok(t, ['info'], { KUBESWEEP_AGENT: 'unix:///x/agent.sock' }).targets, [{ endpoint: 'unix:///x/agent.sock' }]);
  t.same(ok(t, ['--agent', '/y/agent.sock', 'info'], { KUBESWEEP_AGENT: 'unix:///x/agent.sock' }).targets, [
    { endpoint: 'unix:///y/agent.sock' },
  ]);
  t.same(ok(t, ['--agent', 'node7=unix:///y/a.sock', 'info']).targets, [{ node: 'node7', endpoint: 'unix:///y/a.sock' }]);
});

t.test('guarded commands need the operator to name the node', async (t) => {
  for (const cmd of ['reset', 'stop-pods', 'wipe-manifests', 'remove-netns', 'restore-manifests']) usage(t, [cmd], /--confirm NODE/);
  usage(t, ['reset', '--dry-run'], /--confirm NODE/);
  usage(t, ['reset', '--confirm', ''], /needs the node name/);
  usage(t, ['reset', '--confirm', 'a', '--confirm-each', '--agent', 'a=/x.sock'], /either --confirm NODE or --confirm-each/);
  usage(t, ['--agent', 'node7=/x.sock', 'reset', '--confirm', 'node8'], /contradicts/);
  for (const cmd of ['ports', 'check-ports', 'inspect', 'info']) t.equal(ok(t, [cmd]).confirm, undefined, `${cmd} needs no guard`);
});

t.test('fan-out: --confirm with several agents is refused; --confirm-each pairs names from the file', async (t) => {
  usage(t, ['--agent', '/a.sock', '--agent', '/b.sock', 'reset', '--confirm', 'node1'], /use --confirm-each/);
  usage(t, ['--agents-file', '/fleet.txt', 'reset', '--confirm', 'node1'], /use --confirm-each/);
  usage(t, ['--agents-file', '/fleet.txt', 'reset'], /--confirm-each/);
  usage(t, ['--agent', '/a.sock', '--agent', '/b.sock', 'reset', '--confirm-each'], /needs a node name for every agent/);
  const inv = ok(t, ['--agents-file', '/fleet.txt', '--parallel', '2', 'reset', '--confirm-each']);
  t.equal(inv.fanOut, true);
  t.equal(inv.parallel, 2);
  t.same(inv.confirm, { mode: 'each' });
  t.same(inv.targets, [
    { node: 'node1', endpoint: 'unix:///tmp/a.sock' },
    { node: 'node2', endpoint: 'unix:///tmp/b.sock' },
  ]);
  const named = ok(t, ['--agent', 'n1=/a.sock', '--agent', 'n2=/b.sock', 'stop-pods', '--confirm-each']);
  t.same(
    named.targets.map((x) => x.node),
    ['n1', 'n2'],
  );
  t.ok(ok(t, ['--agents-file', '/fleet.txt', 'check-ports', '6443']).fanOut, 'an agents file always fans out');
  usage(t, ['--agent', '/a.sock', '--agent', 'unix:///a.sock', 'info'], /listed twice/);
});

t.test('TCP endpoints need all three TLS files', async (t) => {
  usage(t, ['--agent', '10.0.0.1:9443', 'info'], /TCP endpoint.*mutual TLS/);
  usage(t, ['--agents-file', '/inv.ini', 'info'], /TCP endpoint/);
  usage(t, ['--agent', '10.0.0.1:9443', '--tls-ca', 'ca.pem', 'info'], /go together/);
  const inv = ok(t, [
    '--agents-file',
    '/inv.ini',
    '--tls-ca',
    'ca.pem',
    '--tls-cert',
    'c.pem',
    '--tls-key',
    'k.pem',
    '--tls-server-name',
    'node1',
    'info',
  ]);
  t.same(inv.tls, { ca: 'ca.pem', cert: 'c.pem', key: 'k.pem', serverName: 'node1' });
  t.same(inv.targets, [
    { node: 'node1', endpoint: '10.0.0.1:9443' },
    { node: 'node2', endpoint: '10.0.0.2:9000' },
  ]);
});

t.test('check-ports lists, ports, other commands', async (t) => {
  t.same(ok(t, ['check-ports', '6443,10250', '179']).ports, [6443, 10250, 179]);
  t.same(ok(t, ['check-ports']).ports, []);
  usage(t, ['check-ports', '70000'], /port must be an integer from 1 to 65535/);
  usage(t, ['check-ports', 'http'], /port must be an integer/);
  t.equal(ok(t, ['ports', '--all-netns']).allNetns, true);
  t.equal(ok(t, ['restore-manifests', '--confirm', 'node1', '--backup', 'b-1']).backupId, 'b-1');
  t.equal(ok(t, ['--no-color', 'inspect']).color, false);
  t.equal(ok(t, ['--color', 'inspect']).color, true);
  t.same(parsePortList(['1 2,3', '2']), [1, 2, 3]);
});

t.test('bad input: unknown command/option, bad values, unreadable files; help and version exit 0', async (t) => {
  usage(t, ['frobnicate'], /unknown command 'frobnicate'/);
  usage(t, ['reset', '--confirm', 'n', '--bogus'], /unknown option '--bogus'/);
  usage(t, ['reset', '--confirm', 'n', '--scope', 'everything'], /unknown pod kind "everything"/);
  usage(t, ['reset', '--confirm', 'n', '--grace', '-1'], /--grace/);
  usage(t, ['--parallel', '0', 'info'], /--parallel/);
  usage(t, ['--agent', 'not an endpoint', 'info'], /expected unix:\/\/\/path or host:port/);
  usage(t, ['--agent', 'unix://relative.sock', 'info'], /must be absolute/);
  usage(t, ['--agents-file', '/missing', 'info'], /cannot read --agents-file \/missing/);
  usage(t, ['--group', 'x', 'info'], /--group needs --agents-file/);
  usage(t, [], /no command given/);
  const help = parseArgs(['--help'], { version: '9.9.9' });
  t.equal(help.kind, 'exit');
  if (help.kind === 'exit') {
    t.equal(help.code, 0);
    t.match(help.stdout, /reset \[options\]/);
    t.match(help.stdout, /Exit codes: 0/);
  }
  const v = parseArgs(['--version'], { version: '9.9.9' });
  t.same(v.kind === 'exit' && [v.code, v.stdout.trim()], [0, '9.9.9']);
});

t.test('reset --with / --without: cleanup kinds, commas or repeats; unknown and contradictory kinds refused', async (t) => {
  const inv = ok(t, ['reset', '--confirm', 'node1', '--with', 'firewall,cni-config', '--with', 'kubelet-unit', '--without', 'links']);
  t.same(inv.withKinds, ['firewall', 'cni-config', 'kubelet-unit']);
  t.same(inv.withoutKinds, ['links']);
  const plain = ok(t, ['reset', '--confirm', 'node1']);
  t.same([plain.withKinds, plain.withoutKinds], [[], []], 'none given: the agent uses its defaults');
  usage(t, ['reset', '--confirm', 'node1', '--with', 'iptables'], /--with: unknown kind "iptables"/);
  usage(t, ['reset', '--confirm', 'node1', '--with', 'links', '--without', 'links'], /--with and --without both name links/);
  usage(t, ['stop-pods', '--confirm', 'node1', '--with', 'firewall'], /unknown option '--with'/);
});
