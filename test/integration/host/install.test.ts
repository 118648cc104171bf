// scripts/install.sh into temp DESTDIRs: what it installs, that a second run changes nothing,
// that the installed client and agent run and the installed config validates, that the
// installed units pass systemd-analyze verify, and that --uninstall removes exactly what it
// installed (an edited config and everything else stay).
import { execFileSync, spawnSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { existsSync, lstatSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, readlinkSync, rmSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import t, { type Test } from 'tap';
import { packageRoot } from '../../../agent/shared/paths';

const ROOT = packageRoot();
const INSTALL = path.join(ROOT, 'scripts', 'install.sh');
const VERSION = JSON.parse(readFileSync(path.join(ROOT, 'package.json'), 'utf8')).version as string;

function install(destdir: string, ...args: string[]): { code: number | null; out: string } {
  const r = spawnSync('bash', [INSTALL, ...args], { env: { PATH: process.env.PATH, DESTDIR: destdir }, encoding: 'utf8' });
  return { code: r.status, out: `${r.stdout}${r.stderr}` };
}

function tempRoot(t: Test): string {
  const d = mkdtempSync('/tmp/ksi-');
  t.teardown(() => rmSync(d, { recursive: true, force: true }));
  return d;
}

/** path → "file <sha256> <mode>" | "link <target>" | "dir <mode>" for a whole tree. */
function tree(root: string): Map<string, string> {
  const out = new Map<string, string>();
  const walk = (rel: string): void => {
    for (const name of readdirSync(path.join(root, rel)).sort()) {
      const r = path.join(rel, name);
      const st = lstatSync(path.join(root, r));
      const mode = (st.mode & 0o7777).toString(8);
      if (st.isSymbolicLink()) out.set(r, `link ${readlinkSync(path.join(root, r))}`);
      else if (st.isDirectory()) {
        out.set(r, `dir ${mode}`);
        walk(r);
      } else
        out.set(
          r,
          `file ${createHash('sha256')
            .update(readFileSync(path.join(root, r)))
            .digest('hex')} ${mode}`,
        );
    }
  };
  walk('');
  return out;
}

function diffTrees(a: Map<string, string>, b: Map<string, string>): string[] {
  const out: string[] = [];
  for (const [k, v] of a) if (b.get(k) !== v) out.push(`${k}: ${v} → ${b.get(k) ?? '(gone)'}`);
  for (const k of b.keys()) if (!a.has(k)) out.push(`${k}: (new)`);
  return out;
}

/** The units systemd/ ships; throws when there is none, so that no loop over them checks nothing. */
function shippedUnits(): string[] {
  const units = readdirSync(path.join(ROOT, 'systemd')).filter((f) => /\.(service|socket|timer|path)$/.test(f));
  if (units.length === 0) throw new Error('systemd/ ships no unit');
  return units;
}

t.test('install into a DESTDIR: files, links, units, config; a second run changes nothing', async (t) => {
  const d = tempRoot(t);
  const first = install(d);
  t.equal(first.code, 0, `install exits 0\n${first.out}`);
  t.match(first.out, /wrote \/etc\/kubesweep\/config\.yaml/);
  const prefix = path.join(d, 'opt', 'kubesweep');
  for (const f of [
    'README.md',
    'docs/configuration.md',
    'dist/agent/client/cli.js',
    'dist/agent/daemon/main.js',
    'dist/scripts/demo.js',
    'proto/kubesweep/v1/agent.proto',
    'proto/cri/runtime/v1/runtime.proto',
    'package.json',
    'scripts/ansible/kubesweep-reset.yml',
  ])
    t.ok(existsSync(path.join(prefix, f)), `${f} installed`);
  t.notOk(existsSync(path.join(prefix, 'dist', 'test')), 'no compiled tests');
  for (const dep of ['@grpc/grpc-js', '@grpc/proto-loader', 'commander', 'cli-table3', 'picocolors', 'pino', 'yaml'])
    t.ok(existsSync(path.join(prefix, 'node_modules', dep, 'package.json')), `dependency ${dep}`);
  for (const dev of ['tap', 'typescript', 'c8']) t.notOk(existsSync(path.join(prefix, 'node_modules', dev)), `no dev dependency ${dev}`);
  t.equal(readlinkSync(path.join(d, 'usr/local/bin/kubesweep')), '/opt/kubesweep/dist/agent/client/cli.js');
  t.equal(readlinkSync(path.join(d, 'usr/local/bin/kubesweep-agent')), '/opt/kubesweep/dist/agent/daemon/main.js');
  t.equal(lstatSync(path.join(prefix, 'dist/agent/client/cli.js')).mode & 0o111, 0o111, 'the client is executable');

  // The installed programs run from the prefix (they find their protos and deps there).
  const version = execFileSync(process.execPath, [path.join(prefix, 'dist/agent/client/cli.js'), '--version'], { encoding: 'utf8' }).trim();
  t.equal(version, VERSION, 'installed kubesweep --version');
  const conf = path.join(d, 'etc/kubesweep/config.yaml');
  const checked = spawnSync(
    process.execPath,
    [path.join(prefix, 'dist/agent/daemon/main.js'), '--config', conf, '--node-name', 'node1', '--check-config'],
    { encoding: 'utf8' },
  );
  t.equal(checked.status, 0, `the installed agent accepts the installed config\n${checked.stderr}`);
  t.equal(JSON.parse(checked.stdout).manifestsDir, '/etc/kubernetes/manifests', 'the commented config changes no default');
  t.equal(
    readFileSync(conf, 'utf8'),
    readFileSync(path.join(ROOT, 'scripts', 'config.example.yaml'), 'utf8'),
    'the config written is the example rendered from the option table (every option, commented)',
  );
  const printed = spawnSync(process.execPath, [path.join(prefix, 'dist/agent/daemon/main.js'), '--print-config'], { encoding: 'utf8' });
  t.equal(printed.stdout, readFileSync(conf, 'utf8'), 'and what the installed agent prints with --print-config');

  // Units: installed with paths pointing at the prefix, and valid for systemd.
  const units = shippedUnits();
  t.ok(units.length >= 1, `systemd/ ships units (${units.join(', ') || 'none'})`);
  for (const u of units) {
    const installed = path.join(d, 'etc/systemd/system', u);
    t.ok(existsSync(installed), `${u} installed`);
    const text = readFileSync(installed, 'utf8');
    const execs = text.split('\n').filter((l) => /^Exec\w*=/.test(l));
    t.ok(execs.length >= 1, `${u} has an Exec line`);
    for (const exec of execs) {
      t.notOk(exec.includes(d) || exec.includes(ROOT), `${u}: ${exec} names neither the staging dir nor the checkout`);
      t.match(exec, /^Exec\w*=\S*\/node\b.* \/opt\/kubesweep\/dist\/agent\/\w+\/\w+\.js /, `${u}: node runs the installed program`);
    }
    // systemd-analyze checks the executables too: point a copy at where DESTDIR put them.
    const probe = path.join(d, 'verify', u);
    mkdirSync(path.dirname(probe), { recursive: true });
    writeFileSync(probe, text.replaceAll('/opt/kubesweep', prefix).replaceAll('/usr/local/bin/', `${d}/usr/local/bin/`));
    const v = spawnSync('systemd-analyze', ['verify', probe], { encoding: 'utf8' });
    t.equal(v.status, 0, `systemd-analyze verify ${u}\n${v.stderr}`);
  }
  rmSync(path.join(d, 'verify'), { recursive: true, force: true });

  const before = tree(d);
  const second = install(d);
  t.equal(second.code, 0, `second install exits 0\n${second.out}`);
  t.match(second.out, /kept \/etc\/kubesweep\/config\.yaml/);
  t.same(diffTrees(before, tree(d)), [], 'a second run leaves the same files');

  // The config is the operator's once written.
  writeFileSync(conf, 'nodeName: node7\n');
  t.equal(install(d).code, 0);
  t.equal(readFileSync(conf, 'utf8'), 'nodeName: node7\n', 'an edited config survives a reinstall');
});

t.test('--prefix, --bindir and --node are honoured in links and units', async (t) => {
  const d = tempRoot(t);
  const r = install(d, '--prefix', '/srv/kubesweep', '--bindir', '/usr/bin', '--node', '/opt/node20/bin/node');
  t.equal(r.code, 0, r.out);
  t.ok(existsSync(path.join(d, 'srv/kubesweep/dist/agent/daemon/main.js')));
  t.equal(readlinkSync(path.join(d, 'usr/bin/kubesweep')), '/srv/kubesweep/dist/agent/client/cli.js');
  for (const u of shippedUnits()) {
    const text = readFileSync(path.join(d, 'etc/systemd/system', u), 'utf8');
    t.notMatch(text, /\/opt\/kubesweep/, `${u} rewritten to the prefix`);
    t.match(
      text,
      /^ExecStart=\/opt\/node20\/bin\/node .*\/srv\/kubesweep\/dist\/agent\//m,
      `${u} runs the given node on the prefix's files`,
    );
  }
  t.notOk(existsSync(path.join(d, 'opt')), 'nothing under the default prefix');
});

t.test('--uninstall removes what it installed and nothing else', async (t) => {
  const d = tempRoot(t);
  const sentinels = [
    'etc/kubesweep/tls/ca.crt',
    'usr/local/bin/other-tool',
    'etc/systemd/system/other.service',
    'var/lib/kubesweep/backups/b-1/kube-apiserver.yaml',
    'opt/other/keep',
  ];
  for (const s of sentinels) {
    mkdirSync(path.dirname(path.join(d, s)), { recursive: true });
    writeFileSync(path.join(d, s), `${s}\n`);
  }
  t.equal(install(d).code, 0);
  const r = install(d, '--uninstall');
  t.equal(r.code, 0, r.out);
  for (const s of sentinels) t.equal(readFileSync(path.join(d, s), 'utf8'), `${s}\n`, `${s} untouched`);
  t.notOk(existsSync(path.join(d, 'opt/kubesweep')), 'prefix removed');
  t.notOk(existsSync(path.join(d, 'usr/local/bin/kubesweep')), 'links removed');
  t.notOk(existsSync(path.join(d, 'usr/local/bin/kubesweep-agent')));
  for (const u of shippedUnits()) t.notOk(existsSync(path.join(d, 'etc/systemd/system', u)), `${u} removed`);
  t.notOk(existsSync(path.join(d, 'etc/kubesweep/config.yaml')), 'the untouched config removed');
  t.ok(existsSync(path.join(d, 'etc/kubesweep/tls')), "but not the operator's files beside it");
  t.match(r.out, /not touched: \/var\/lib\/kubesweep/);

  // An edited config is kept; with nothing else left, /etc/kubesweep goes only if empty.
  const e = tempRoot(t);
  t.equal(install(e).code, 0);
  writeFileSync(path.join(e, 'etc/kubesweep/config.yaml'), 'nodeName: node7\n');
  const u = install(e, '--uninstall');
  t.equal(u.code, 0);
  t.match(u.out, /kept \/etc\/kubesweep\/config\.yaml: you edited it/);
  t.equal(readFileSync(path.join(e, 'etc/kubesweep/config.yaml'), 'utf8'), 'nodeName: node7\n');
  const after = [...tree(e).keys()].sort();
  t.same(
    after,
    ['etc', 'etc/kubesweep', 'etc/kubesweep/config.yaml', 'etc/systemd', 'etc/systemd/system', 'opt', 'usr', 'usr/local', 'usr/local/bin'],
    'only the edited config (and empty parents) left',
  );
});

t.test('refusals: a foreign prefix, nothing to uninstall, bad arguments', async (t) => {
  const d = tempRoot(t);
  mkdirSync(path.join(d, 'opt/kubesweep'), { recursive: true });
  writeFileSync(path.join(d, 'opt/kubesweep/precious'), 'x');
  const foreign = install(d);
  t.equal(foreign.code, 2);
  t.match(foreign.out, /exists and is not a kubesweep installation; refusing/);
  t.equal(readFileSync(path.join(d, 'opt/kubesweep/precious'), 'utf8'), 'x');
  const none = install(tempRoot(t), '--uninstall');
  t.equal(none.code, 2);
  t.match(none.out, /holds no kubesweep installation/);
  t.equal(install(d, '--prefix', 'relative/dir').code, 2);
  t.equal(install(d, '--prefix', '/usr').code, 2, 'refuses a shared prefix');
  t.equal(install(d, '--bogus').code, 2);
  const help = install(d, '--help');
  t.equal(help.code, 0);
  t.match(help.out, /Install kubesweep/);
});

t.test('--single installs the one file: links, units that run it without node, uninstall', async (t) => {
  const d = tempRoot(t);
  // install.sh checks the SEA fuse, not the rest: a small stand-in keeps this test fast (the
  // real file is installed and run in sea.test.ts and deb.test.ts).
  const fake = path.join(d, 'kubesweep-linux-x64');
  writeFileSync(fake, '#!/bin/sh\necho stand-in\n# NODE_SEA_FUSE_fce680ab2cc467b6e072b8b5df1996b2:1\n', { mode: 0o755 });
  const stage = path.join(d, 'stage');
  const r = install(stage, '--single', fake, '--unitdir', '/lib/systemd/system');
  t.equal(r.code, 0, r.out);
  t.equal(readFileSync(path.join(stage, 'opt/kubesweep/kubesweep'), 'utf8'), readFileSync(fake, 'utf8'), 'the file is PREFIX/kubesweep');
  t.equal(lstatSync(path.join(stage, 'opt/kubesweep/kubesweep')).mode & 0o777, 0o755);
  for (const name of ['kubesweep', 'kubesweep-agent'])
    t.equal(readlinkSync(path.join(stage, 'usr/local/bin', name)), '/opt/kubesweep/kubesweep', `${name} links to it`);
  t.notOk(
    existsSync(path.join(stage, 'opt/kubesweep/dist')) || existsSync(path.join(stage, 'opt/kubesweep/node_modules')),
    'no npm layout',
  );
  const agentUnit = readFileSync(path.join(stage, 'lib/systemd/system/kubesweep-agent.service'), 'utf8');
  const resetUnit = readFileSync(path.join(stage, 'lib/systemd/system/kubesweep-reset.service'), 'utf8');
  t.match(
    agentUnit,
    /^ExecStart=\/usr\/local\/bin\/kubesweep-agent --config \/etc\/kubesweep\/config\.yaml$/m,
    'the agent unit runs kubesweep-agent',
  );
  t.match(
    resetUnit,
    /^ExecStart=\/usr\/local\/bin\/kubesweep --agent unix:\/\/\/run\/kubesweep\/agent\.sock reset --confirm \$\{KUBESWEEP_NODE\}/m,
    'the reset unit runs kubesweep',
  );
  t.notMatch(agentUnit + resetUnit, /^Exec.*node/m, 'no unit runs node');
  t.ok(existsSync(path.join(stage, 'etc/kubesweep/config.yaml')), 'the commented config');
  t.equal(
    readFileSync(path.join(stage, 'etc/kubesweep/config.yaml'), 'utf8'),
    spawnSync('bash', [INSTALL, '--print-config'], { encoding: 'utf8' }).stdout,
    '--print-config prints the config it writes',
  );

  // Switching layouts: the npm layout over the single file replaces it, and back.
  t.equal(install(stage, '--unitdir', '/lib/systemd/system').code, 0);
  t.notOk(existsSync(path.join(stage, 'opt/kubesweep/kubesweep')), 'the npm layout replaces the single file');
  t.equal(readlinkSync(path.join(stage, 'usr/local/bin/kubesweep')), '/opt/kubesweep/dist/agent/client/cli.js');
  t.equal(install(stage, '--single', fake, '--unitdir', '/lib/systemd/system').code, 0);
  t.notOk(existsSync(path.join(stage, 'opt/kubesweep/dist')), 'and the single file replaces the npm layout');

  const un = install(stage, '--uninstall');
  t.equal(un.code, 0, un.out);
  t.notOk(
    existsSync(path.join(stage, 'opt/kubesweep')) ||
      existsSync(path.join(stage, 'usr/local/bin/kubesweep-agent')) ||
      existsSync(path.join(stage, 'lib/systemd/system/kubesweep-agent.service')),
    'uninstall removes file, links and units',
  );

  const notSea = path.join(d, 'not-sea');
  writeFileSync(notSea, '#!/bin/sh\n');
  const refused = install(path.join(d, 'stage2'), '--single', notSea);
  t.equal(refused.code, 2);
  t.match(refused.out, /is not a kubesweep single executable/);
});
