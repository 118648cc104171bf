// A real systemd, booted as PID 1 of a systemd-nspawn container, to run kubesweep's units for
// real (systemd is not PID 1 on the machines the tests run on). The root filesystem is a
// minimal Debian made once with debootstrap and cached; every boot runs it with
// --volatile=overlay, so whatever a test installs lands in a tmpfs and the cache stays pristine.
import { ChildProcess, execFileSync, spawn, spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, readFileSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { randomBytes } from 'node:crypto';

export const NSPAWN_ROOTFS = process.env.KUBESWEEP_NSPAWN_ROOTFS ?? '/var/tmp/kubesweep-nspawn-bookworm';
const READY_MARK = '.kubesweep-rootfs-ready';

export interface Bind {
  host: string;
  /** Path inside the container (default: the same as on the host). */
  container?: string;
  readOnly?: boolean;
}

export interface ExecResult {
  code: number;
  stdout: string;
  stderr: string;
}

/** Install systemd-container and debootstrap if missing, and build the cached rootfs once. */
export function ensureRootfs(rootfs = NSPAWN_ROOTFS): string {
  const missing = [
    ['systemd-container', '/usr/bin/systemd-nspawn'],
    ['debootstrap', '/usr/sbin/debootstrap'],
  ]
    .filter(([, f]) => !existsSync(f))
    .map(([p]) => p);
  if (missing.length) {
    const env = { ...process.env, DEBIAN_FRONTEND: 'noninteractive' };
    execFileSync('apt-get', ['update', '-qq'], { stdio: 'pipe', env });
    execFileSync('apt-get', ['install', '-y', '-qq', ...missing], { stdio: 'pipe', env });
  }
  if (existsSync(path.join(rootfs, READY_MARK))) return rootfs;
  const work = `${rootfs}.build-${process.pid}`;
  rmSync(work, { recursive: true, force: true });
  mkdirSync(path.dirname(rootfs), { recursive: true });
  const suite = readOsCodename() ?? 'bookworm';
  execFileSync('debootstrap', ['--variant=minbase', '--include=systemd,dbus', suite, work], { stdio: 'pipe', timeout: 15 * 60_000 });
  writeFileSync(path.join(work, READY_MARK), new Date().toISOString());
  rmSync(rootfs, { recursive: true, force: true });
  renameSync(work, rootfs);
  return rootfs;
}

function readOsCodename(): string | undefined {
  try {
    const m = /^VERSION_CODENAME=(\w+)$/m.exec(execFileSync('cat', ['/etc/os-release'], { encoding: 'utf8' }));
    return m?.[1];
  } catch {
    return undefined;
  }
}

const CONTAINER_ENV: readonly string[] = Object.freeze([
  'PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin',
  'HOME=/root',
  'LANG=C.UTF-8',
]);

export class NspawnMachine {
  readonly name: string;
  private readonly proc: ChildProcess;
  private systemdPid = 0;

  private constructor(name: string, proc: ChildProcess) {
    this.name = name;
    this.proc = proc;
  }

  /** Boot systemd in a container sharing the host's network (and nothing else we did not bind). */
  static async boot(
    opts: {
      rootfs?: string;
      binds?: Bind[];
      timeoutMs?: number;
      /** e.g. SYSTEMD_NSPAWN_UNIFIED_HIERARCHY=1: cgroup v2 inside */ env?: Record<string, string>;
    } = {},
  ): Promise<NspawnMachine> {
    const rootfs = ensureRootfs(opts.rootfs);
    const name = `ks-${randomBytes(4).toString('hex')}`;
    const args = ['-D', rootfs, '--volatile=overlay', '--boot', '--register=no', '--keep-unit', '--console=passive', '-M', name];
    for (const b of opts.binds ?? []) {
      args.push(`${b.readOnly ? '--bind-ro' : '--bind'}=${b.host}:${b.container ?? b.host}`);
    }
    const proc = spawn('systemd-nspawn', args, { stdio: ['ignore', 'pipe', 'pipe'], env: { ...process.env, ...opts.env } });
    let output = '';
    proc.stdout.on('data', (d) => (output += d));
    proc.stderr.on('data', (d) => (output += d));
    const m = new NspawnMachine(name, proc);
    const deadline = Date.now() + (opts.timeoutMs ?? 120_000);
    try {
      for (;;) {
        if (proc.exitCode !== null) throw new Error(`systemd-nspawn exited (${proc.exitCode}): ${output.slice(-2000)}`);
        // While it starts, nspawn's child is a helper of its own; only once that child has
        // become systemd (comm "systemd") is it the container's PID 1.
        m.systemdPid = findSystemdChild(proc.pid!) ?? 0;
        const r = m.systemdPid ? m.exec(['systemctl', 'is-system-running']) : undefined;
        const state = r?.stdout.trim() ?? '';
        if (state === 'running' || state === 'degraded') break;
        if (Date.now() > deadline) {
          throw new Error(
            `container systemd is not running (pid ${m.systemdPid || 'not found'}, state "${state}", ${r?.stderr.trim() ?? ''}): ${output.slice(-2000)}`,
          );
        }
        await sleep(200);
      }
    } catch (err) {
      await m.shutdown();
      throw err;
    }
    return m;
  }

  /** The container's PID 1 (systemd) as the host sees it: nsenter -t PID enters the container. */
  get pid(): number {
    return this.systemdPid;
  }

  /**
   * Run a command inside the container (all of its namespaces), synchronously, with the
   * environment of a root shell there — not this process's: the test runner's NODE_OPTIONS
   * (tap's --import of a host path) or NODE_EXTRA_CA_CERTS would make every node program inside
   * fail or warn, as no program on a real node would.
   */
  exec(argv: string[], input?: string): ExecResult {
    // env -i inside: a test runner may add its variables to every child it spawns whatever env
    // it is given (tap's processinfo does).
    const r = spawnSync('nsenter', ['-t', String(this.systemdPid), '-a', '--', 'env', '-i', ...CONTAINER_ENV, ...argv], {
      encoding: 'utf8',
      input,
      timeout: 5 * 60_000,
    });
    return { code: r.status ?? -1, stdout: r.stdout ?? '', stderr: r.stderr ?? '' };
  }

  writeFile(file: string, content: string): void {
    const r = this.exec(['sh', '-c', `mkdir -p "$(dirname "$1")" && cat > "$1"`, 'sh', file], content);
    if (r.code !== 0) throw new Error(`writing ${file} in the container failed: ${r.stderr}`);
  }

  /** Power the container off; SIGKILL the nspawn process (by PID) if it does not stop in time. */
  async shutdown(timeoutMs = 30_000): Promise<void> {
    const proc = this.proc;
    if (proc.exitCode !== null || proc.signalCode !== null) return this.cleanupHost();
    const exited = new Promise<void>((resolve) => proc.once('exit', () => resolve()));
    if (this.systemdPid) this.exec(['systemctl', 'poweroff', '--no-block']);
    else proc.kill('SIGTERM');
    const done = await Promise.race([exited.then(() => true), sleep(timeoutMs).then(() => false)]);
    if (!done) {
      proc.kill('SIGKILL');
      await exited;
    }
    this.cleanupHost();
  }

  /** nspawn leaves an empty propagation dir named after the machine in the host's /run. */
  private cleanupHost(): void {
    const dir = path.join('/run/systemd/nspawn/propagate', this.name);
    try {
      rmSync(dir, { recursive: true, force: true });
    } catch {
      /* not there */
    }
  }
}

function findSystemdChild(parent: number): number | undefined {
  const kids = spawnSync('pgrep', ['-P', String(parent)], { encoding: 'utf8' })
    .stdout.trim()
    .split('\n')
    .filter(Boolean);
  for (const k of kids) {
    try {
      if (readFileSync(`/proc/${k}/comm`, 'utf8').trim() === 'systemd') return Number(k);
    } catch {
      /* gone meanwhile */
    }
  }
  return undefined;
}

function sleep(ms: number): Promise<void> {
  return new Promise((r) => setTimeout(r, ms));
}
