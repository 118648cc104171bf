import t from 'tap';
import { isKubesweepError } from '../../../agent/shared/errors';
import { DEFAULTS, loadConfig, parseFlags, parseListen, readConfigFile, resolveConfig } from '../../../agent/daemon/config';
import { toSweepConfig } from '../../../agent/daemon/engine-config';

const files: Record<string, string> = {};
const readFile = (p: string): string => {
  if (!(p in files)) throw Object.assign(new Error('nope'), { code: 'ENOENT' });
  return files[p];
};
const isFile = (p: string): boolean => p.startsWith('/pki/');

function problemsOf(argv: string[]): string[] {
  try {
    loadConfig(argv, { readFile, isFile });
  } catch (err) {
    if (isKubesweepError(err, 'KS_CONFIG_INVALID')) return err.details.problems as string[];
    throw err;
  }
  return [];
}

t.test('defaults: unix socket only, Kubespray ports, frozen deep', async (t) => {
  const { config } = loadConfig(['--node-name', 'node-1'], { readFile, isFile });
  t.equal(config.nodeName, 'node-1');
  t.same(config.listen, [{ kind: 'unix', path: '/run/kubesweep/agent.sock', raw: 'unix:///run/kubesweep/agent.sock' }]);
  t.equal(config.criEndpoint, DEFAULTS.criEndpoint);
  t.equal(config.httpListen, '127.0.0.1:9808');
  t.ok(config.expectFreePorts.includes(6443) && config.expectFreePorts.includes(10250));
  t.same(config.roles, { admin: ['CN=kubesweep-admin'], reader: ['CN=kubesweep-reader'] });
  t.ok(
    Object.isFrozen(config) && Object.isFrozen(config.listen) && Object.isFrozen(config.listen[0]) && Object.isFrozen(config.roles.admin),
  );
  t.throws(() => {
    (config as any).nodeName = 'x';
  });
  t.throws(() => {
    (config.netnsDirs as string[]).push('/x');
  });
});

t.test('flags override the file, which overrides defaults; repeatable flags replace lists', async (t) => {
  files['/etc/ks.yaml'] = [
    'nodeName: from-file',
    'stateDir: /var/lib/ks-file',
    'netnsDirs: [/a, /b]',
    'expectFreePorts: [6443]',
    'logLevel: debug',
    'roles:',
    '  admin: ["CN=ops-admin"]',
    '  reader: ["O=kubesweep-readers"]',
    'tls: { cert: /pki/s.crt, key: /pki/s.key, clientCa: /pki/ca.crt }',
    'graceSeconds: 5',
  ].join('\n');
  const { config } = loadConfig(
    [
      '--config',
      '/etc/ks.yaml',
      '--node-name',
      'node-2',
      '--netns-dir',
      '/c',
      '--expect-free-ports',
      '10250,10256',
      '--expect-free-ports',
      '179',
      '--listen',
      '127.0.0.1:9807',
      '--tls-key',
      '/pki/other.key',
    ],
    {
      readFile,
      isFile,
    },
  );
  t.equal(config.nodeName, 'node-2', 'flag wins');
  t.equal(config.stateDir, '/var/lib/ks-file', 'file wins over default');
  t.same(config.netnsDirs, ['/c'], 'repeatable flag replaces the file list');
  t.same(config.expectFreePorts, [10250, 10256, 179]);
  t.equal(config.logLevel, 'debug');
  t.same(config.roles, { admin: ['CN=ops-admin'], reader: ['O=kubesweep-readers'] });
  t.same(config.tls, { cert: '/pki/s.crt', key: '/pki/other.key', clientCa: '/pki/ca.crt' }, 'a TLS flag overrides only its own field');
  t.same(config.listen, [{ kind: 'tcp', host: '127.0.0.1', port: 9807, raw: '127.0.0.1:9807' }]);
  t.equal(config.graceSeconds, 5);
  t.equal(config.configFile, '/etc/ks.yaml');
});

t.test('JSON config files parse too; empty strings switch kubelet and HTTP off', async (t) => {
  files['/etc/ks.json'] = JSON.stringify({ nodeName: 'n-json', kubeletUnit: '', httpListen: '' });
  const { config } = loadConfig(['--config', '/etc/ks.json'], { readFile, isFile });
  t.equal(config.nodeName, 'n-json');
  t.equal(config.kubeletUnit, '');
  t.equal(config.httpListen, '');
  const viaFlags = loadConfig(['--node-name', 'n', '--kubelet-unit', '', '--http-listen', ''], { readFile, isFile }).config;
  t.equal(viaFlags.kubeletUnit, '');
  t.equal(viaFlags.httpListen, '');
});

t.test('every problem is reported together in one KS_CONFIG_INVALID', async (t) => {
  files['/etc/bad.yaml'] = [
    'nodeName: Not_A_Node',
    'manifestsDir: relative/dir',
    'expectFreePorts: [0, 70000, "x"]',
    'logLevel: loud',
    'roles: { admin: ["admin"], owner: ["CN=x"] }',
    'bogusKey: 1',
    'listen: ["tcp://0.0.0.0:1"]',
  ].join('\n');
  const problems = problemsOf([
    '--config',
    '/etc/bad.yaml',
    '--state-dir',
    '/etc/kubernetes/manifests/backups',
    '--cri-endpoint',
    'localhost:1',
  ]);
  const want = [
    /unknown option "bogusKey"/,
    /nodeName/,
    /criEndpoint/,
    /manifestsDir/,
    /expectFreePorts/,
    /logLevel/,
    /roles\.admin\[0\]/,
    /unknown role "owner"/,
    /listen\[0\]/,
  ];
  for (const re of want)
    t.ok(
      problems.some((p) => re.test(p)),
      `reports ${re}`,
    );
  t.ok(problems.length >= want.length, `${problems.length} problems`);
  try {
    loadConfig(['--config', '/etc/bad.yaml'], { readFile, isFile });
    t.fail('should throw');
  } catch (err) {
    t.ok(isKubesweepError(err, 'KS_CONFIG_INVALID'));
    t.match((err as Error).message, /problems/);
  }
});

t.test('a TCP listener is refused without the server cert, key and client CA', async (t) => {
  t.match(problemsOf(['--node-name', 'n', '--listen', '0.0.0.0:9807']).join('\n'), /TCP is mutual TLS only/);
  t.match(
    problemsOf(['--node-name', 'n', '--listen', '0.0.0.0:9807', '--tls-cert', '/pki/s.crt']).join('\n'),
    /--tls-key, --tls-client-ca missing/,
  );
  t.match(
    problemsOf([
      '--node-name',
      'n',
      '--listen',
      '0.0.0.0:9807',
      '--tls-cert',
      '/pki/s.crt',
      '--tls-key',
      '/pki/s.key',
      '--tls-client-ca',
      '/nope/ca.crt',
    ]).join('\n'),
    /tls\.clientCa: \/nope\/ca\.crt is not a readable file/,
  );
  t.same(
    problemsOf([
      '--node-name',
      'n',
      '--listen',
      '[::1]:9807',
      '--tls-cert',
      '/pki/s.crt',
      '--tls-key',
      '/pki/s.key',
      '--tls-client-ca',
      '/pki/ca.crt',
    ]),
    [],
  );
  t.same(problemsOf(['--node-name', 'n', '--listen', 'unix:///run/ks/a.sock']), [], 'unix alone needs no TLS');
});

t.test('the state dir must never sit in the manifests dir (the kubelet would run the backups)', async (t) => {
  t.match(
    problemsOf(['--node-name', 'n', '--manifests-dir', '/etc/kubernetes/manifests', '--state-dir', '/etc/kubernetes/manifests/ks']).join(),
    /must not contain one another/,
  );
  t.match(problemsOf(['--node-name', 'n', '--manifests-dir', '/srv/m', '--state-dir', '/srv']).join(), /must not contain one another/);
});

t.test('unknown flags, bad files and unreadable files are problems, not crashes', async (t) => {
  t.match(problemsOf(['--nope']).join(), /flags: .*nope/);
  t.match(problemsOf(['--config', '/missing.yaml', '--node-name', 'n']).join(), /cannot read: ENOENT/);
  files['/etc/list.yaml'] = '- a\n- b\n';
  t.match(problemsOf(['--config', '/etc/list.yaml']).join(), /must be a mapping/);
  files['/etc/broken.yaml'] = 'a: [1, 2\n';
  t.match(problemsOf(['--config', '/etc/broken.yaml']).join(), /not valid YAML/);
  t.same(readConfigFile('/etc/empty', () => '').problems, [], 'an empty file is an empty config');
});

t.test('parseListen accepts unix paths and host:port only', async (t) => {
  t.same(parseListen('unix:///run/a.sock'), { kind: 'unix', path: '/run/a.sock', raw: 'unix:///run/a.sock' });
  t.same(parseListen('[::]:443'), { kind: 'tcp', host: '::', port: 443, raw: '[::]:443' });
  t.same(parseListen('node-1.example:9807'), { kind: 'tcp', host: 'node-1.example', port: 9807, raw: 'node-1.example:9807' });
  for (const bad of [
    '',
    'unix://',
    'unix://relative',
    'unix:///a/../b',
    `unix:///${'x'.repeat(120)}`,
    '0.0.0.0:0',
    '1.2.3.4:65536',
    'http://x:1',
    ':80',
    'a b:1',
  ]) {
    t.equal(parseListen(bad), undefined, `rejects ${JSON.stringify(bad.slice(0, 30))}`);
  }
});

t.test('flag parsing', async (t) => {
  const f = parseFlags(['--check-config', '--help', '--version', '--containerd-dir', '/r', '--containerd-dir', '/s']);
  t.ok(f.checkConfig && f.help && f.version);
  t.same(f.raw.containerdDirs, ['/r', '/s']);
  t.same(parseFlags(['--expect-free-ports', '1,x']).raw.expectFreePorts, [1, 'x'], 'non-numbers are kept for validation to report');
  t.match(resolveConfig({ nodeName: 'n', expectFreePorts: [1, 'x'] }).problems.join(), /"x" not a port/);
});

t.test('the engine config is derived from the agent config', async (t) => {
  const { config } = loadConfig(
    [
      '--node-name',
      'node-7',
      '--cri-endpoint',
      'unix:///tb/c.sock',
      '--containerd-dir',
      '/tb/root',
      '--containerd-dir',
      '/tb/state',
      '--netns-dir',
      '/tb/netns',
      '--state-dir',
      '/tb/ks',
      '--manifests-dir',
      '/tb/m',
      '--kubelet-unit',
      '',
      '--expect-free-ports',
      '6443',
    ],
    { readFile, isFile },
  );
  const sc = toSweepConfig(config);
  t.match(sc, {
    nodeName: 'node-7',
    criEndpoint: 'unix:///tb/c.sock',
    containerdAddress: '/tb/c.sock',
    containerdNamespace: 'k8s.io',
    containerdDirs: ['/tb/root', '/tb/state'],
    netnsDirs: ['/tb/netns'],
    stateDir: '/tb/ks',
    manifestsDir: '/tb/m',
    kubeletUnit: '',
    expectFreePorts: [6443],
  });
  t.equal(sc.graceSeconds, 10, 'engine default when the config leaves it out');
  files['/etc/tuned.yaml'] = 'graceSeconds: 3\nparallelism: 8\nretries: 1\ncriTimeoutMs: 5000\n';
  t.match(toSweepConfig(loadConfig(['--config', '/etc/tuned.yaml', '--node-name', 'n'], { readFile, isFile }).config), {
    graceSeconds: 3,
    parallelism: 8,
    retries: 1,
    criTimeoutMs: 5000,
  });
});
