import { spawnSync } from 'node:child_process';
import t from 'tap';
import { control, debVersion, POSTINST, POSTRM, PRERM } from '../../../scripts/build/deb';

t.test('semver to Debian versions: a pre-release sorts before its release', async (t) => {
  t.equal(debVersion('0.1.0'), '0.1.0');
  t.equal(debVersion('1.2.3-rc.1'), '1.2.3~rc.1');
  t.equal(debVersion('1.2.3+build5'), '1.2.3+build5');
  t.throws(() => debVersion('v1'), /not a semver/);
  const cmp = spawnSync('dpkg', ['--compare-versions', debVersion('1.0.0-rc.1'), 'lt', debVersion('1.0.0')]);
  t.equal(cmp.status, 0, 'dpkg agrees: 1.0.0~rc.1 < 1.0.0');
});

/** The commands a script runs: no comments, no messages. */
const code = (text: string): string =>
  text
    .split('\n')
    .filter((l) => !/^\s*#/.test(l) && !/^\s*echo /.test(l))
    .join('\n');

t.test('maintainer scripts: valid sh, reload systemd, never start a reset', async (t) => {
  for (const [name, text] of Object.entries({ POSTINST, PRERM, POSTRM })) {
    t.equal(spawnSync('sh', ['-n'], { input: text }).status, 0, `${name} parses`);
    t.notMatch(code(text), /kubesweep-reset/, `${name} never touches kubesweep-reset`);
    t.notMatch(code(text), /(^|[\s;|&])(\/usr\/bin\/)?kubesweep(-agent)?(\s|$)/m, `${name} never runs the client or the agent itself`);
  }
  t.match(code(POSTINST), /systemctl daemon-reload/);
  t.match(code(POSTINST), /systemctl try-restart kubesweep-agent\.service/, 'an upgrade restarts only a running agent');
  t.notMatch(code(POSTINST), /systemctl (start|restart|enable)/, 'install starts and enables nothing');
  t.match(code(POSTRM), /daemon-reload/);
  t.notMatch(code(POSTRM), /rm [^\n]*\/var\/lib\/kubesweep/, 'purge keeps the backups');
});

t.test('control: the architecture in Debian terms and what the file links against', async (t) => {
  const c = control({ version: '0.1.0', arch: 'x64', installedKiB: 1000 });
  t.match(c, /^Architecture: amd64$/m);
  t.match(control({ version: '0.1.0', arch: 'arm64', installedKiB: 1 }), /^Architecture: arm64$/m);
  t.match(c, /^Depends: libc6 \(>= 2\.28\), libstdc\+\+6, libgcc-s1$/m);
  t.notMatch(c, /nodejs/, 'no Node.js dependency');
  t.ok(c.endsWith('\n'));
});
