// The testbed's runtime matrix (scripts/testbed/runtimes.ts, containerd-config.ts): which Debian
// package a runtime choice fetches, which config version a containerd wants, and a config in
// either form that pins every dir into the testbed's dir and reads back (through the agent's own
// reader) as the testbed's dirs.
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import t from 'tap';
import { readContainerdConfig } from '../../../agent/daemon/runtime/containerd-config';
import { containerdConfigToml, type ContainerdConfigParams } from '../../../scripts/testbed/containerd-config';
import { configVersionFor, pickVersion, runtimeChoice, RUNTIME_ENV } from '../../../scripts/testbed/runtimes';

// `apt-cache madison containerd` on the runtimes' own sources list, as captured here (2026-12).
const MADISON = `containerd | 2.1.9+ds1-5 | http://deb.debian.org/debian sid/main amd64 Packages
containerd | 1.7.24~ds1-6+deb13u1 | http://deb.debian.org/debian trixie/main amd64 Packages
`;

t.test('the package version of a choice, from its suite', async (t) => {
  t.equal(pickVersion(MADISON, 'trixie', '1.7'), '1.7.24~ds1-6+deb13u1');
  t.equal(pickVersion(MADISON, 'sid', '2.1'), '2.1.9+ds1-5');
  t.throws(
    () => pickVersion(MADISON, 'sid', '2.2'),
    /Debian sid carries 2\.1\.9\+ds1-5, not containerd 2\.2\.x/,
    'sid moved on: says what it carries',
  );
  t.throws(() => pickVersion(MADISON, 'trixie', '2.1'), /trixie carries 1\.7\.24/, 'never another suite');
});

t.test('the choice: option, then the env var, then 1.6; unknown ones refused', async (t) => {
  const saved = process.env[RUNTIME_ENV];
  t.teardown(() => (saved === undefined ? delete process.env[RUNTIME_ENV] : (process.env[RUNTIME_ENV] = saved)));
  delete process.env[RUNTIME_ENV];
  t.equal(runtimeChoice(), '1.6');
  process.env[RUNTIME_ENV] = '2.1';
  t.equal(runtimeChoice(), '2.1');
  t.equal(runtimeChoice('1.7'), '1.7', 'the option wins');
  for (const bad of ['1.5', '3.0', 'latest', '2'])
    t.throws(() => runtimeChoice(bad), new RegExp(`unknown containerd runtime "${bad}"`), `${bad} refused`);
});

t.test('the config version containerd wants: 2 for 1.x, 3 for 2.0-2.2, 4 from 2.3', async (t) => {
  const v = (major: number, minor: number) => configVersionFor({ major, minor });
  t.same([v(1, 6), v(1, 7), v(2, 0), v(2, 1), v(2, 2), v(2, 3), v(3, 0)], [2, 2, 3, 3, 3, 4, 4]);
  t.throws(() => containerdConfigToml(params('/x'), 4), /version 4, which the testbed does not write yet/);
});

function params(dir: string): ContainerdConfigParams {
  return {
    dir,
    root: path.join(dir, 'root'),
    state: path.join(dir, 'state'),
    socket: path.join(dir, 'c.sock'),
    sandboxImage: 'kubesweep.test/pause:1',
    cniBinDir: '/usr/lib/cni',
    cniConfDir: path.join(dir, 'cni', 'net.d'),
    cniMaxConfNum: 1,
  };
}

for (const version of [2, 3] as const) {
  t.test(`config version ${version}: every dir in the testbed's dir, read back as the testbed's dirs`, async (t) => {
    const dir = mkdtempSync('/tmp/ks-rt-');
    t.teardown(() => rmSync(dir, { recursive: true, force: true }));
    const p = params(dir);
    const toml = containerdConfigToml(p, version);
    const paths = [...toml.matchAll(/"(\/[^"]*)"/g)].map((m) => m[1]);
    t.same(
      paths.filter((x) => !x.startsWith(`${dir}/`)),
      ['/usr/lib/cni'],
      'no path outside the testbed dir but the CNI plugins (read only)',
    );
    t.match(toml, /imports = \[\]/, 'nothing imported');
    t.match(toml, /\[plugins\."io\.containerd\.nri\.v1\.nri"\]\n\s+disable = true/, 'NRI off');
    const file = path.join(dir, 'config.toml');
    writeFileSync(file, toml);
    const read = readContainerdConfig(file);
    t.match(read, {
      version,
      address: p.socket,
      dirs: {
        containerdRoot: p.root,
        containerdState: p.state,
        netnsDirs: [path.join(p.state, 'io.containerd.grpc.v1.cri', 'netns')],
        cniConfDir: p.cniConfDir,
        cniBinDirs: ['/usr/lib/cni'],
      },
    });
  });
}
