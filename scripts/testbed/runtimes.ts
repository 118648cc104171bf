// The containerd builds the testbed can run (docs/runtime-learning.md, "Supported containerd
// versions"): Debian 12's own 1.6 from the machine's packages, and Debian's builds of 1.7
// (Debian 13 "trixie") and 2.x (unstable "sid"), fetched by package name from Debian's archive
// into the project's cache dir. apt runs on a sources list, package lists and a package cache of
// our own (never the machine's apt sources or state), and the .deb is only unpacked (`dpkg -x`),
// never installed. runc stays Debian 12's 1.1 for every containerd (sid's needs glibc 2.38).
// Fetching is idempotent: an unpacked runtime is reused as it is, without asking apt.
import { execFileSync } from 'node:child_process';
import { existsSync, mkdirSync, readdirSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import path from 'node:path';

/** The runtime choices: containerd's major.minor. */
export const RUNTIME_CHOICES = ['1.6', '1.7', '2.1'] as const;
export type RuntimeChoice = string;

/** The env var that picks the testbed's runtime when no option does. */
export const RUNTIME_ENV = 'KUBESWEEP_TESTBED_RUNTIME';

/** Which Debian suite carries which containerd line (1.6 is the machine's own Debian 12 package). */
const SUITES: Record<string, string> = { '1.7': 'trixie', '2': 'sid' };

/** Cache dirs whose package lists this process has already updated. */
const updated = new Set<string>();

const ARCHIVE = 'http://deb.debian.org/debian';
const KEYRING = '/usr/share/keyrings/debian-archive-keyring.gpg';

export interface Runtime {
  choice: RuntimeChoice;
  /** The dir holding containerd, containerd-shim-runc-v2 and ctr. */
  binDir: string;
  /** The Debian package version (e.g. 2.1.9+ds1-5); the machine's for 1.6. */
  packageVersion: string;
}

/** The project's cache of unpacked runtimes: <project>/.cache/runtimes (git-ignored). */
export function runtimeCacheDir(): string {
  if (process.env.KUBESWEEP_RUNTIME_CACHE) return process.env.KUBESWEEP_RUNTIME_CACHE;
  // This file runs from scripts/testbed (tap) or dist/scripts/testbed (built).
  for (const up of ['../..', '../../..']) {
    const root = path.resolve(__dirname, up);
    if (existsSync(path.join(root, 'package.json'))) return path.join(root, '.cache', 'runtimes');
  }
  throw new Error(`testbed: cannot find the project root above ${__dirname}`);
}

/** The runtime a testbed runs: the option, else $KUBESWEEP_TESTBED_RUNTIME, else Debian 12's 1.6. */
export function runtimeChoice(option?: string): RuntimeChoice {
  const choice = option ?? process.env[RUNTIME_ENV] ?? '1.6';
  if (!/^\d+\.\d+$/.test(choice) || suiteOf(choice) === undefined)
    throw new Error(`testbed: unknown containerd runtime "${choice}" (${RUNTIME_ENV}): one of ${RUNTIME_CHOICES.join(', ')}`);
  return choice;
}

function suiteOf(choice: string): string | undefined {
  if (choice === '1.6') return 'bookworm';
  return SUITES[choice] ?? (choice.startsWith('2.') ? SUITES['2'] : undefined);
}

/**
 * The runtime's binaries, fetched and unpacked into the cache dir on first use. 1.6 is the
 * machine's own package (/usr/bin); ensurePackages() installs it.
 */
export function ensureRuntime(choice: RuntimeChoice, log: (msg: string) => void = () => {}): Runtime {
  if (choice === '1.6') return { choice, binDir: '/usr/bin', packageVersion: dpkgVersion('containerd') };
  const cache = runtimeCacheDir();
  const target = path.join(cache, choice);
  const binDir = path.join(target, 'usr', 'bin');
  const stamp = path.join(target, 'PACKAGE_VERSION');
  if (existsSync(path.join(binDir, 'containerd')) && existsSync(stamp))
    return { choice, binDir, packageVersion: execFileSync('cat', [stamp], { encoding: 'utf8' }).trim() };

  const suite = suiteOf(runtimeChoice(choice))!;
  const apt = aptOptions(cache);
  mkdirSync(path.join(cache, 'apt', 'lists', 'partial'), { recursive: true });
  mkdirSync(path.join(cache, 'apt', 'cache', 'archives', 'partial'), { recursive: true });
  writeFileSync(
    path.join(cache, 'apt', 'sources.list'),
    Object.values(SUITES)
      .map((s) => `deb [signed-by=${KEYRING}] ${ARCHIVE} ${s} main\n`)
      .join(''),
  );
  writeFileSync(path.join(cache, 'apt', 'status'), '');
  log(`testbed: fetching containerd ${choice} from Debian ${suite} into ${cache}`);
  if (!updated.has(cache)) execFileSync('apt-get', [...apt, 'update', '-qq'], { stdio: 'pipe' });
  updated.add(cache);
  const version = pickVersion(execFileSync('apt-cache', [...apt, 'madison', 'containerd'], { encoding: 'utf8' }), suite, choice);
  const debs = path.join(cache, 'debs');
  mkdirSync(debs, { recursive: true });
  execFileSync('apt-get', [...apt, 'download', '-qq', `containerd=${version}`], { cwd: debs, stdio: 'pipe' });
  const deb = readdirSync(debs).find((n) => n.startsWith(`containerd_${version.replace(/^\d+:/, '').replace(/:/g, '%3a')}_`));
  if (!deb) throw new Error(`testbed: apt-get download containerd=${version} left no .deb in ${debs}`);
  const tmp = `${target}.${process.pid}.tmp`;
  rmSync(tmp, { recursive: true, force: true });
  execFileSync('dpkg', ['-x', path.join(debs, deb), tmp], { stdio: 'pipe' });
  writeFileSync(path.join(tmp, 'PACKAGE_VERSION'), `${version}\n`);
  rmSync(path.join(debs, deb));
  // Another process may have unpacked it meanwhile: a runtime in use is never replaced.
  if (existsSync(stamp)) rmSync(tmp, { recursive: true, force: true });
  else {
    rmSync(target, { recursive: true, force: true });
    renameSync(tmp, target);
  }
  return { choice, binDir, packageVersion: version };
}

/** apt on files of our own: sources list, lists, package cache and an empty dpkg status. */
function aptOptions(cache: string): string[] {
  const a = path.join(cache, 'apt');
  return [
    `-o=Dir::Etc::sourcelist=${path.join(a, 'sources.list')}`,
    '-o=Dir::Etc::sourceparts=-',
    `-o=Dir::State::Lists=${path.join(a, 'lists')}`,
    `-o=Dir::Cache=${path.join(a, 'cache')}`,
    `-o=Dir::State::status=${path.join(a, 'status')}`,
    '-o=APT::Get::List-Cleanup=0',
    // The download lands in our cache dir, which apt's unprivileged _apt user cannot write.
    '-o=APT::Sandbox::User=root',
  ];
}

/** The version of `containerd` in the suite from `apt-cache madison` output, for the choice's major.minor. */
export function pickVersion(madison: string, suite: string, choice: string): string {
  const inSuite = madison
    .split('\n')
    .map((l) => l.split('|').map((f) => f.trim()))
    .filter((f) => f[0] === 'containerd' && new RegExp(`\\s${suite}/main\\s`).test(` ${f[2]} `));
  const match = inSuite.find((f) => f[1].replace(/^\d+:/, '').startsWith(`${choice}.`));
  if (match) return match[1];
  const carried = inSuite.map((f) => f[1]).join(', ') || 'no containerd';
  throw new Error(`testbed: Debian ${suite} carries ${carried}, not containerd ${choice}.x; pick the runtime it carries`);
}

function dpkgVersion(pkg: string): string {
  try {
    return execFileSync('dpkg-query', ['-W', '-f=${Version}', pkg], { encoding: 'utf8' }).trim();
  } catch {
    return 'unknown';
  }
}

/** containerd's own version, from `containerd --version` (e.g. "2.1.9+unknown" → [2, 1]). */
export interface ContainerdVersion {
  text: string;
  major: number;
  minor: number;
}

export function containerdVersion(binDir: string): ContainerdVersion {
  const text = execFileSync(path.join(binDir, 'containerd'), ['--version'], { encoding: 'utf8' }).trim();
  const m = /\sv?(\d+)\.(\d+)\.\S*/.exec(text);
  if (!m) throw new Error(`testbed: cannot read a version from "${text}"`);
  return { text, major: Number(m[1]), minor: Number(m[2]) };
}

/** The config version containerd wants: 2 for 1.x, 3 for 2.0–2.2, 4 from 2.3. */
export function configVersionFor(v: { major: number; minor: number }): 2 | 3 | 4 {
  if (v.major < 2) return 2;
  return v.major === 2 && v.minor <= 2 ? 3 : 4;
}

// `node dist/scripts/testbed/runtimes.js [CHOICE…]`: fetch the runtimes (CI's fetch step).
if (require.main === module) {
  const choices = process.argv.length > 2 ? process.argv.slice(2) : RUNTIME_CHOICES.filter((c) => c !== '1.6');
  for (const c of choices) {
    const started = Date.now();
    const rt = ensureRuntime(runtimeChoice(c), (m) => console.log(m));
    console.log(`containerd ${c}: ${rt.packageVersion} in ${rt.binDir} (${Date.now() - started} ms)`);
  }
}
