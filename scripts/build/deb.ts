// `npm run build:deb`: dist/kubesweep_<version>_<arch>.deb for each single executable in
// dist/sea/ (npm run build:sea first), with dpkg-deb. The tree is what scripts/install.sh
// --single stages (one source for paths and units): the file as /usr/lib/kubesweep/kubesweep,
// /usr/bin/kubesweep and /usr/bin/kubesweep-agent linking to it, the units in
// /lib/systemd/system running those, and the commented /etc/kubesweep/config.yaml as a conffile
// (dpkg keeps your edits on upgrade and removes it on purge).
//
// The maintainer scripts reload systemd and never start a reset. A fresh install starts
// nothing (the node name in the config comes first); an upgrade restarts an agent that was
// running, so it runs the new program; removal stops the agent; purge also drops the config and
// the enablement link, and keeps /var/lib/kubesweep (manifest backups, journal).
import { execFileSync } from 'node:child_process';
import { chmodSync, existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { packageRoot } from '../../agent/shared/paths';
import { ARCHES, debArch, type Arch } from './node-runtime';

export const DEB_PREFIX = '/usr/lib/kubesweep';
export const DEB_BINDIR = '/usr/bin';
export const DEB_UNITDIR = '/lib/systemd/system';

/** A semver as a Debian version: a pre-release sorts before its release (1.0.0~rc1 < 1.0.0). */
export function debVersion(semver: string): string {
  const m = /^(\d+\.\d+\.\d+)(?:-([0-9A-Za-z.-]+))?(?:\+([0-9A-Za-z.-]+))?$/.exec(semver);
  if (!m) throw new Error(`not a semver version: ${semver}`);
  return `${m[1]}${m[2] ? `~${m[2]}` : ''}${m[3] ? `+${m[3]}` : ''}`;
}

export const POSTINST = `#!/bin/sh
# kubesweep postinst: let systemd see the (new) units. Never starts a reset. A fresh install
# starts nothing: set nodeName in /etc/kubesweep/config.yaml first. An upgrade restarts an
# agent that was running, so that it runs the new program (a reset it was running stops at its
# next safe point, recorded in /var/lib/kubesweep/journal).
set -e
if [ "$1" = configure ]; then
  if [ -d /run/systemd/system ]; then
    systemctl daemon-reload || true
    if [ -n "$2" ]; then systemctl try-restart kubesweep-agent.service || true; fi
  fi
  if [ -z "$2" ]; then
    echo "kubesweep: set nodeName (and listen, tls) in /etc/kubesweep/config.yaml, then: systemctl enable --now kubesweep-agent.service"
  fi
fi
exit 0
`;

export const PRERM = `#!/bin/sh
# kubesweep prerm: stop the agent before its files go (not on upgrade: postinst restarts it).
set -e
case "$1" in
  remove|deconfigure)
    if [ -d /run/systemd/system ]; then systemctl stop kubesweep-agent.service || true; fi
    ;;
esac
exit 0
`;

export const POSTRM = `#!/bin/sh
# kubesweep postrm: systemd forgets the units; purge also removes the config (dpkg: conffiles),
# the reset trigger and the enablement link. /var/lib/kubesweep (manifest backups, journal) is
# never removed: it may be the only copy of a node's static pod manifests.
set -e
case "$1" in
  purge)
    rm -f /etc/kubesweep/reset.env /etc/systemd/system/multi-user.target.wants/kubesweep-agent.service
    rmdir /etc/kubesweep 2>/dev/null || true
    echo "kubesweep: kept /var/lib/kubesweep (manifest backups and journal); remove it yourself when you no longer need it"
    ;;
esac
case "$1" in
  remove|purge)
    if [ -d /run/systemd/system ]; then systemctl daemon-reload || true; fi
    ;;
esac
exit 0
`;

export function control(o: { version: string; arch: Arch; installedKiB: number }): string {
  return [
    'Package: kubesweep',
    `Version: ${o.version}`,
    `Architecture: ${debArch(o.arch)}`,
    'Maintainer: kubesweep maintainers <kubesweep@localhost>',
    `Installed-Size: ${o.installedKiB}`,
    // What Node's official Linux binaries link: glibc ≥ 2.28, libstdc++, libgcc_s.
    'Depends: libc6 (>= 2.28), libstdc++6, libgcc-s1',
    'Recommends: systemd',
    'Section: admin',
    'Priority: optional',
    'Homepage: https://github.com/kubesweep/kubesweep',
    'Description: clean Kubernetes node reset, proven',
    ' kubesweep-agent removes the static and DaemonSet pods, containerd shims and pod network',
    ' namespaces that kubeadm reset / Kubespray remove-node leave behind, through the CRI, and',
    ' then proves the node clean, naming the pod behind any port still held. kubesweep is its',
    ' client. One self-contained executable (Node.js inside): no Node.js needed on the node.',
    '',
  ].join('\n');
}

export interface DebResult {
  file: string;
  bytes: number;
  version: string;
  arch: Arch;
}

/** Build one .deb around a single executable. */
export function buildDeb(o: { sea: string; arch: Arch; outDir: string; version?: string; root?: string; fast?: boolean }): DebResult {
  const root = o.root ?? packageRoot();
  const semver = o.version ?? (JSON.parse(readFileSync(path.join(root, 'package.json'), 'utf8')) as { version: string }).version;
  const version = debVersion(semver);
  const work = mkdtempSync(path.join(os.tmpdir(), 'ksdeb-'));
  try {
    const tree = path.join(work, 'root');
    execFileSync(
      'bash',
      [
        path.join(root, 'scripts', 'install.sh'),
        '--single',
        o.sea,
        '--prefix',
        DEB_PREFIX,
        '--bindir',
        DEB_BINDIR,
        '--unitdir',
        DEB_UNITDIR,
      ],
      {
        env: { PATH: process.env.PATH ?? '/usr/bin:/bin', DESTDIR: tree },
        stdio: 'pipe',
      },
    );
    // install.sh's own bookkeeping (for --uninstall) is dpkg's business here.
    for (const f of ['.install-manifest', '.kubesweep-prefix']) rmSync(path.join(tree, DEB_PREFIX, f), { force: true });
    const doc = path.join(tree, 'usr', 'share', 'doc', 'kubesweep');
    mkdirSync(doc, { recursive: true });
    writeFileSync(
      path.join(doc, 'copyright'),
      'Format: https://www.debian.org/doc/packaging-manuals/copyright-format/1.0/\nUpstream-Name: kubesweep\n\nFiles: *\nLicense: Apache-2.0\n Node.js (inside the executable): MIT and the licenses of its bundled dependencies.\n',
    );
    const installedKiB = Number(execFileSync('du', ['-sk', '--apparent-size', tree], { encoding: 'utf8' }).split('\t')[0]);
    const debian = path.join(tree, 'DEBIAN');
    mkdirSync(debian);
    writeFileSync(path.join(debian, 'control'), control({ version, arch: o.arch, installedKiB }));
    writeFileSync(path.join(debian, 'conffiles'), '/etc/kubesweep/config.yaml\n');
    for (const [name, text] of [
      ['postinst', POSTINST],
      ['prerm', PRERM],
      ['postrm', POSTRM],
    ] as const) {
      writeFileSync(path.join(debian, name), text);
      chmodSync(path.join(debian, name), 0o755);
    }
    mkdirSync(o.outDir, { recursive: true });
    const file = path.join(o.outDir, `kubesweep_${version}_${debArch(o.arch)}.deb`);
    // xz at its fastest level: 31 MB for the 107 MB file, about a minute on a loaded 2-core
    // machine (higher levels cost minutes for little). Tests take gzip -1 (seconds, ~40 MB).
    const z = o.fast ? ['-Zgzip', '-z1'] : ['-Zxz', '-z1'];
    execFileSync('dpkg-deb', ['--root-owner-group', ...z, '--build', tree, file], { stdio: 'pipe' });
    return { file, bytes: statSync(file).size, version, arch: o.arch };
  } finally {
    rmSync(work, { recursive: true, force: true });
  }
}

if (require.main === module) {
  const root = packageRoot();
  const built: DebResult[] = [];
  for (const arch of ARCHES) {
    const sea = path.join(root, 'dist', 'sea', `kubesweep-linux-${arch}`);
    if (!existsSync(sea)) {
      process.stderr.write(`build:deb: ${path.relative(process.cwd(), sea)} is missing: run npm run build:sea first\n`);
      process.exit(1);
    }
    built.push(buildDeb({ sea, arch, outDir: path.join(root, 'dist') }));
  }
  for (const d of built)
    process.stdout.write(`build:deb: ${path.relative(process.cwd(), d.file)}  ${(d.bytes / 1048576).toFixed(1)} MiB\n`);
}
