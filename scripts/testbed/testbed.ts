// A private containerd for tests, the demo and benchmarks. Everything it creates lives under
// one short temp dir (socket, root, state, runc state, CNI config and IPAM data), in its own
// cgroup parent and on its own bridge; teardown kills only processes proven to be ours (the
// containerd we spawned, by PID, and shims whose -address is our socket), unmounts only
// mounts under our dir, and removes only the shim sockets whose names derive from our ids.
import { ChildProcess, execFileSync, spawn } from 'node:child_process';
import { createHash, randomBytes } from 'node:crypto';
import {
  closeSync,
  existsSync,
  lstatSync,
  mkdirSync,
  mkdtempSync,
  openSync,
  readdirSync,
  readFileSync,
  rmdirSync,
  rmSync,
  unlinkSync,
  writeFileSync,
} from 'node:fs';
import path from 'node:path';
import { CriClient } from '../../agent/daemon/cri/client';
import {
  CniFaultMode,
  CniFaultPaths,
  faultPluginConf,
  installFaultPlugin,
  isFaultPluginArgv,
  setCniFault,
  SYSTEM_CNI_BIN,
} from './cni-fault';
import { containerdConfigToml } from './containerd-config';
import { buildImages, BUSYBOX_IMAGE, PAUSE_IMAGE } from './images';
import { configVersionFor, containerdVersion, ensureRuntime, runtimeChoice, type ContainerdVersion, type Runtime } from './runtimes';

export const CRI_NAMESPACE = 'k8s.io';
const SHIM_SOCKET_DIR = '/run/containerd/s';
/**
 * libcni's cache of ADD results. containerd 1.6 gives its CNI library no other cache dir, so
 * every pod-netns sandbox writes `<network>-<sandbox id>-<ifname>` here on the machine, and
 * containerd removes it only when a DEL succeeds. Teardown removes the files of its own
 * sandboxes (those whose recorded netns lies in the testbed's dir), never anyone else's.
 */
export const CNI_CACHE_RESULTS_DIR = '/var/lib/cni/results';

export interface TestbedOptions {
  /** Parent for the testbed's temp dir; keep it short (unix socket paths max out at 108 bytes). */
  tmpRoot?: string;
  log?: (msg: string) => void;
  /**
   * Chain the fault plugin (cni-fault.ts) after bridge, with a private CNI bin dir. It is
   * transparent until `setCniFault('fail' | 'hang')`.
   */
  cniFault?: boolean;
  /**
   * A network namespace file (/run/netns/NAME) to run containerd in, and so its shims, host-network
   * pods and the CNI bridge. Entered with `nsenter --net` only: containerd must share the
   * machine's mount namespace, or its netns and rootfs mounts would be invisible to the agent.
   */
  netns?: string;
  /** The pod network (default: a bridge of its own, a free /24, no gateway). */
  cni?: CniNetwork;
  /** containerd's CNI `max_conf_num` (default 1, containerd's own default: only the first file). */
  cniMaxConfNum?: number;
  /**
   * Which containerd: "1.6" (Debian 12's, the default), "1.7" (Debian 13's) or "2.1" (Debian
   * unstable's), as runtimes.ts fetches them; default $KUBESWEEP_TESTBED_RUNTIME, else 1.6.
   */
  runtime?: string;
}

export interface CniNetwork {
  /** The network's name: host-local keeps its reservations in <ipamDir>/<name>/. */
  name?: string;
  bridge?: string;
  subnet?: string;
  /** host-local's range within the subnet (a small one makes exhaustion easy to show). */
  rangeStart?: string;
  rangeEnd?: string;
  /** The bridge gets the subnet's gateway address (only inside a private netns). */
  isGateway?: boolean;
}

export interface TeardownReport {
  killedPids: number[];
  unmounted: string[];
  removedShimSockets: string[];
  /** libcni cache files of this testbed's sandboxes (see CNI_CACHE_RESULTS_DIR). */
  removedCniCacheFiles: string[];
  problems: string[];
}

const live = new Set<Testbed>();
let exitHookInstalled = false;

export class Testbed {
  readonly dir: string;
  readonly socket: string;
  readonly endpoint: string;
  readonly root: string;
  readonly state: string;
  readonly netnsDir: string;
  readonly cgroupParent: string;
  readonly bridge: string;
  readonly subnet: string;
  /** containerd's CNI conf_dir (one conflist) and host-local's dataDir. */
  readonly cniConfDir: string;
  readonly ipamDir: string;
  /** Set when started with `cniFault`. */
  readonly cniFault: CniFaultPaths | undefined;
  readonly namespace = CRI_NAMESPACE;
  readonly pauseImage = PAUSE_IMAGE;
  readonly busyboxImage = BUSYBOX_IMAGE;
  /** A scratch dir for tests: fake /etc/kubernetes/manifests, kubesweep state, … */
  readonly scratch: string;
  private proc: ChildProcess | undefined;
  private client: CriClient | undefined;
  private readonly log: (msg: string) => void;
  readonly netnsFile: string | undefined;
  private network: Required<Omit<CniNetwork, 'rangeStart' | 'rangeEnd'>> & Pick<CniNetwork, 'rangeStart' | 'rangeEnd'>;
  private readonly seenShimIds = new Set<string>();
  private readonly cniMaxConfNum: number;
  private tornDown = false;
  /** The containerd this testbed runs (its binaries' dir and Debian version). */
  readonly runtime: Runtime;
  /** `containerd --version` of that binary, e.g. "containerd github.com/containerd/containerd/v2 2.1.9+unknown". */
  readonly containerdVersion: string;
  /** The config.toml version written for it (2 for 1.x, 3 for 2.0–2.2). */
  readonly configVersion: 2 | 3 | 4;

  private constructor(dir: string, log: (msg: string) => void, runtime: Runtime, v: ContainerdVersion, opts: TestbedOptions = {}) {
    this.dir = dir;
    this.runtime = runtime;
    this.containerdVersion = v.text;
    this.configVersion = configVersionFor(v);
    this.log = log;
    this.netnsFile = opts.netns;
    const tag = path
      .basename(dir)
      .replace(/[^a-zA-Z0-9]/g, '')
      .slice(-6)
      .toLowerCase();
    this.socket = path.join(dir, 'c.sock');
    this.endpoint = `unix://${this.socket}`;
    this.root = path.join(dir, 'root');
    this.state = path.join(dir, 'state');
    this.netnsDir = path.join(this.state, 'io.containerd.grpc.v1.cri', 'netns');
    this.scratch = path.join(dir, 'scratch');
    this.cgroupParent = `/kubesweep-testbed-${tag}`;
    this.bridge = opts.cni?.bridge ?? `ksb${tag}`.slice(0, 15);
    this.subnet = opts.cni?.subnet ?? pickSubnet();
    this.cniConfDir = path.join(dir, 'cni', 'net.d');
    this.ipamDir = path.join(dir, 'cni', 'ipam');
    this.cniFault = opts.cniFault ? { binDir: path.join(dir, 'cni', 'bin'), markerDir: path.join(dir, 'cni', 'fault') } : undefined;
    this.network = {
      name: `kubesweep-testbed-${path.basename(dir)}`,
      bridge: this.bridge,
      subnet: this.subnet,
      isGateway: false,
      ...opts.cni,
    };
    this.cniMaxConfNum = opts.cniMaxConfNum ?? 1;
  }

  /** The pod network now configured (containerd reads the conf dir again on change). */
  get cniNetwork(): CniNetwork {
    return { ...this.network };
  }

  static async start(opts: TestbedOptions = {}): Promise<Testbed> {
    if (process.getuid?.() !== 0) throw new Error('testbed: containerd needs root');
    ensurePackages();
    const runtime = ensureRuntime(runtimeChoice(opts.runtime), opts.log);
    const version = containerdVersion(runtime.binDir);
    const images = buildImages();
    const dir = mkdtempSync(path.join(opts.tmpRoot ?? '/tmp', 'ks-'));
    const tb = new Testbed(dir, opts.log ?? (() => {}), runtime, version, opts);
    live.add(tb);
    installExitHook();
    try {
      tb.writeConfig();
      await tb.startContainerd();
      for (const tar of [images.pause, images.busybox]) {
        execFileSync(path.join(runtime.binDir, 'ctr'), ['--address', tb.socket, '-n', CRI_NAMESPACE, 'images', 'import', tar], {
          stdio: 'pipe',
        });
      }
      return tb;
    } catch (err) {
      await tb.teardown().catch(() => {});
      throw err;
    }
  }

  /** A CRI client on this testbed's socket (one per testbed, closed at teardown). */
  cri(): CriClient {
    this.client ??= new CriClient({ endpoint: this.endpoint, timeoutMs: 60_000 });
    return this.client;
  }

  get containerdPid(): number | undefined {
    const p = this.proc;
    return p && p.exitCode === null && p.signalCode === null ? p.pid : undefined;
  }

  /** Make the fault plugin's DEL fail (Calico's message), hang, or succeed again. */
  setCniFault(mode: CniFaultMode): void {
    if (!this.cniFault) throw new Error('testbed: started without cniFault');
    setCniFault(this.cniFault, mode);
  }

  /**
   * Write the CNI conflist: the bridge plugin with host-local IPAM. Called again with other
   * values, it is the "new cluster's" network of a rejoin (same bridge name, another subnet).
   */
  writeCniConfig(net: CniNetwork = {}): void {
    this.network = { ...this.network, ...net };
    const n = this.network;
    mkdirSync(this.cniConfDir, { recursive: true });
    const range: Record<string, string> = { subnet: n.subnet };
    if (n.rangeStart) range.rangeStart = n.rangeStart;
    if (n.rangeEnd) range.rangeEnd = n.rangeEnd;
    writeFileSync(
      path.join(this.cniConfDir, '10-kubesweep-testbed.conflist'),
      JSON.stringify(
        {
          cniVersion: '1.0.0',
          name: n.name,
          plugins: [
            {
              type: 'bridge',
              bridge: n.bridge,
              // By default no gateway and no masquerade: pods get an address, the host gets no
              // routes. A testbed in a private netns may give the bridge the gateway address.
              isGateway: n.isGateway,
              ipMasq: false,
              ipam: { type: 'host-local', ranges: [[range]], dataDir: this.ipamDir },
            },
            ...(this.cniFault ? [faultPluginConf(this.cniFault)] : []),
          ],
        },
        null,
        2,
      ),
    );
  }

  /**
   * This testbed's containerd config in the given form (config.toml holds the one its binary
   * wants): tests read the same dirs in the other form.
   */
  configToml(version: 2 | 3 | 4): string {
    return containerdConfigToml(
      {
        dir: this.dir,
        root: this.root,
        state: this.state,
        socket: this.socket,
        sandboxImage: PAUSE_IMAGE,
        cniBinDir: this.cniFault?.binDir ?? SYSTEM_CNI_BIN,
        cniConfDir: this.cniConfDir,
        cniMaxConfNum: this.cniMaxConfNum,
      },
      version,
    );
  }

  private writeConfig(): void {
    mkdirSync(this.scratch, { recursive: true });
    if (this.cniFault) installFaultPlugin(this.cniFault);
    this.writeCniConfig();
    writeFileSync(path.join(this.dir, 'config.toml'), this.configToml(this.configVersion));
  }

  /** Start (or restart) containerd with this testbed's config and wait until CRI answers. */
  async startContainerd(timeoutMs = 30_000): Promise<void> {
    if (this.containerdPid) throw new Error('testbed: containerd is already running');
    const logFd = openSync(path.join(this.dir, 'containerd.log'), 'a');
    try {
      const argv = [path.join(this.runtime.binDir, 'containerd'), '--config', path.join(this.dir, 'config.toml')];
      const [bin, ...args] = this.netnsFile ? ['nsenter', `--net=${this.netnsFile}`, '--', ...argv] : argv;
      this.proc = spawn(bin, args, {
        // containerd looks its shim up on PATH before its own dir: its own build's shim first.
        env: { ...process.env, PATH: `${this.runtime.binDir}:${process.env.PATH ?? '/usr/sbin:/usr/bin:/sbin:/bin'}` },
        stdio: ['ignore', logFd, logFd],
        detached: false,
      });
    } finally {
      closeSync(logFd);
    }
    this.proc.unref();
    const deadline = Date.now() + timeoutMs;
    const probe = new CriClient({ endpoint: this.endpoint, timeoutMs: 2000 });
    try {
      for (;;) {
        if (this.proc.exitCode !== null) throw new Error(`testbed: containerd exited (${this.proc.exitCode}):\n${this.logTail()}`);
        try {
          await probe.version();
          return;
        } catch (err) {
          if (Date.now() > deadline)
            throw new Error(`testbed: containerd did not answer within ${timeoutMs} ms: ${(err as Error).message}\n${this.logTail()}`);
          await sleep(100);
        }
      }
    } finally {
      probe.close();
    }
  }

  /**
   * Kill only the containerd daemon (SIGKILL, by PID), leaving its shims, pause and container
   * processes running — the state the bug report describes.
   */
  async killContainerd(): Promise<void> {
    const proc = this.proc;
    if (!proc || proc.exitCode !== null || proc.signalCode !== null) return;
    this.rememberShims();
    // The child is unref'd so it never keeps a test alive; ref it while we wait for its exit,
    // or a test with nothing else pending would end here.
    proc.ref();
    const exited = new Promise<void>((resolve) => proc.once('exit', () => resolve()));
    proc.kill('SIGKILL');
    await exited;
    proc.unref();
    this.client?.close();
    this.client = undefined;
  }

  /**
   * "Shims killed by hand", as the bug report's manual fix does it (and as a shim crash
   * leaves things, containerd#10727): containerd, then every shim of this testbed, SIGKILLed by
   * PID. The container processes (pause, shells, servers) keep running in their cgroups,
   * reparented away from the dead shims. Returns the shims' pids.
   */
  async killShimsByHand(): Promise<number[]> {
    await this.killContainerd();
    const shims = this.shimPids().map((s) => s.pid);
    for (const pid of shims) {
      try {
        process.kill(pid, 'SIGKILL');
      } catch {
        /* gone */
      }
    }
    const deadline = Date.now() + 5000;
    while (shims.some((pid) => existsSync(`/proc/${pid}`) && !isZombie(pid)) && Date.now() < deadline) await sleep(20);
    return shims;
  }

  /** Live processes in this testbed's cgroup parent (any container of any pod), from cgroup.procs. */
  cgroupPids(): number[] {
    return [...new Set(cgroupProcsUnder(this.cgroupParent))]
      .filter((pid) => existsSync(`/proc/${pid}`) && !isZombie(pid))
      .sort((a, b) => a - b);
  }

  logTail(lines = 30): string {
    try {
      return readFileSync(path.join(this.dir, 'containerd.log'), 'utf8').split('\n').slice(-lines).join('\n');
    } catch {
      return '(no containerd log)';
    }
  }

  /** Shims started by this testbed's containerd: their -address is our socket. */
  shimPids(): { pid: number; id: string }[] {
    const out: { pid: number; id: string }[] = [];
    for (const { pid, argv } of listProcesses()) {
      if (!path.basename(argv[0] ?? '').startsWith('containerd-shim')) continue;
      const addr = argValue(argv, '-address');
      if (addr !== this.socket) continue;
      out.push({ pid, id: argValue(argv, '-id') ?? '' });
    }
    return out;
  }

  private rememberShims(): void {
    for (const s of this.shimPids()) if (s.id) this.seenShimIds.add(s.id);
  }

  /**
   * Remove everything this testbed made. Safe to call twice and after a failed test: first asks
   * CRI to stop and remove pods (so CNI tears their networks down), then kills what is left.
   */
  async teardown(): Promise<TeardownReport> {
    if (this.tornDown) return { killedPids: [], unmounted: [], removedShimSockets: [], removedCniCacheFiles: [], problems: [] };
    this.tornDown = true;
    live.delete(this);
    // Let CNI DEL succeed again, so the graceful removal below can tear networks down.
    if (this.cniFault) setCniFault(this.cniFault, 'off');
    if (this.containerdPid) {
      try {
        const cri = this.cri();
        for (const s of await cri.listPodSandbox(undefined, { timeoutMs: 5000 })) {
          await cri.stopPodSandbox(s.id, { timeoutMs: 20_000 }).catch(() => {});
          await cri.removePodSandbox(s.id, { timeoutMs: 20_000 }).catch(() => {});
        }
      } catch (err) {
        this.log(`testbed: graceful pod removal failed: ${(err as Error).message}`);
      }
    }
    this.client?.close();
    this.client = undefined;
    const proc = this.proc;
    if (proc && proc.exitCode === null && proc.signalCode === null) {
      proc.ref();
      const exited = new Promise<void>((resolve) => proc.once('exit', () => resolve()));
      proc.kill('SIGTERM');
      await Promise.race([exited, sleep(5000)]);
      proc.unref();
    }
    return this.hardCleanup();
  }

  /** Synchronous last-resort cleanup (also runs from the process exit hook). */
  hardCleanup(): TeardownReport {
    this.tornDown = true;
    live.delete(this);
    const report: TeardownReport = { killedPids: [], unmounted: [], removedShimSockets: [], removedCniCacheFiles: [], problems: [] };
    const proc = this.proc;
    if (proc?.pid && proc.exitCode === null && proc.signalCode === null) {
      try {
        process.kill(proc.pid, 'SIGKILL');
        report.killedPids.push(proc.pid);
      } catch {
        /* already gone */
      }
    }
    this.rememberShims();
    // Kill each of our shims' process trees, deepest first, then the shims themselves.
    const procs = listProcesses();
    const children = new Map<number, number[]>();
    for (const p of procs) {
      const list = children.get(p.ppid) ?? [];
      list.push(p.pid);
      children.set(p.ppid, list);
    }
    const shims = this.shimPids().map((s) => s.pid);
    const order: number[] = [];
    const visit = (pid: number) => {
      for (const c of children.get(pid) ?? []) visit(c);
      order.push(pid);
    };
    for (const s of shims) visit(s);
    // Container processes whose shim was killed by hand are nobody's descendants any more, and
    // a hanging fault plugin outlives a killed containerd: both are found by what makes them
    // ours (our cgroup parent, our plugin's path), not by name.
    for (const pid of cgroupProcsUnder(this.cgroupParent)) if (!order.includes(pid)) order.push(pid);
    if (this.cniFault) for (const p of procs) if (isFaultPluginArgv(p.argv, this.cniFault) && !order.includes(p.pid)) order.push(p.pid);
    for (const pid of order) {
      try {
        process.kill(pid, 'SIGKILL');
        report.killedPids.push(pid);
      } catch {
        /* gone */
      }
    }
    waitGone(order, 5000);
    // Unmount everything under our dir, deepest first.
    for (let round = 0; round < 3; round++) {
      const mounts = mountsUnder(this.dir);
      if (mounts.length === 0) break;
      for (const m of mounts) {
        try {
          execFileSync('umount', ['-l', m], { stdio: 'pipe' });
          report.unmounted.push(m);
        } catch (err) {
          if (round === 2) report.problems.push(`umount ${m}: ${(err as Error).message}`);
        }
      }
    }
    for (const id of this.seenShimIds) {
      const sock = shimSocketPath(this.socket, CRI_NAMESPACE, id);
      try {
        if (lstatSync(sock).isSocket()) {
          unlinkSync(sock);
          report.removedShimSockets.push(sock);
        }
      } catch {
        /* not there */
      }
    }
    removeCgroupTrees(this.cgroupParent, report.problems);
    report.removedCniCacheFiles = removeCniCacheOf(this.dir, CNI_CACHE_RESULTS_DIR, report.problems);
    // In a private netns the bridge goes with the netns (the test's to delete).
    if (!this.netnsFile) {
      try {
        execFileSync('ip', ['link', 'show', this.bridge], { stdio: 'pipe' });
        execFileSync('ip', ['link', 'del', this.bridge], { stdio: 'pipe' });
      } catch {
        /* no bridge (no pod with its own netns ran) */
      }
    }
    const left = mountsUnder(this.dir);
    if (left.length > 0) {
      // Never rm -rf across a mount point: it would delete what the mount shows.
      report.problems.push(`mounts left under ${this.dir}, not removing it: ${left.join(', ')}`);
    } else {
      rmSync(this.dir, { recursive: true, force: true });
    }
    return report;
  }
}

function installExitHook(): void {
  if (exitHookInstalled) return;
  exitHookInstalled = true;
  process.on('exit', () => {
    for (const tb of [...live]) tb.hardCleanup();
  });
  for (const sig of ['SIGINT', 'SIGTERM'] as const) {
    process.once(sig, () => {
      for (const tb of [...live]) tb.hardCleanup();
      process.exit(128 + (sig === 'SIGINT' ? 2 : 15));
    });
  }
}

/**
 * Remove the libcni cache files in cacheDir whose result puts an interface in a netns under
 * dir (a testbed's own sandboxes); returns their paths. A file that cannot be read or parsed,
 * or that names no netns under dir, is left alone.
 */
export function removeCniCacheOf(dir: string, cacheDir: string, problems: string[] = []): string[] {
  const removed: string[] = [];
  let names: string[];
  try {
    names = readdirSync(cacheDir);
  } catch {
    return removed;
  }
  const inside = path.resolve(dir) + path.sep;
  for (const name of names) {
    const file = path.join(cacheDir, name);
    let doc: unknown;
    try {
      if (!lstatSync(file).isFile()) continue;
      doc = JSON.parse(readFileSync(file, 'utf8'));
    } catch {
      continue;
    }
    const interfaces = (doc as { result?: { interfaces?: { sandbox?: unknown }[] } } | null)?.result?.interfaces;
    if (!Array.isArray(interfaces)) continue;
    if (!interfaces.some((i) => typeof i?.sandbox === 'string' && path.resolve(i.sandbox).startsWith(inside))) continue;
    try {
      unlinkSync(file);
      removed.push(file);
    } catch (err) {
      problems.push(`remove ${file}: ${(err as Error).message}`);
    }
  }
  return removed;
}

/** containerd 1.6 names a shim's socket after sha256(<containerd address>/<namespace>/<id>). */
export function shimSocketPath(address: string, namespace: string, id: string): string {
  return path.join(
    SHIM_SOCKET_DIR,
    createHash('sha256')
      .update(path.join(address, namespace, id))
      .digest('hex'),
  );
}

export interface ProcEntry {
  pid: number;
  ppid: number;
  /** One-letter state from /proc/PID/stat: R, S, D, Z (zombie: exited, not yet reaped), … */
  state: string;
  argv: string[];
}

export function listProcesses(): ProcEntry[] {
  const out: ProcEntry[] = [];
  for (const name of readdirSync('/proc')) {
    if (!/^\d+$/.test(name)) continue;
    try {
      const argv = readFileSync(`/proc/${name}/cmdline`, 'utf8')
        .split('\0')
        .filter((a, i, all) => a !== '' || i < all.length - 1);
      const stat = readFileSync(`/proc/${name}/stat`, 'utf8');
      const [state, ppid] = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
      out.push({ pid: Number(name), ppid: Number(ppid), state: state ?? '?', argv });
    } catch {
      /* exited meanwhile */
    }
  }
  return out;
}

function argValue(argv: string[], flag: string): string | undefined {
  const i = argv.indexOf(flag);
  return i >= 0 ? argv[i + 1] : undefined;
}

/** Mount points at or below dir, deepest first (from /proc/self/mountinfo). */
export function mountsUnder(dir: string): string[] {
  const text = readFileSync('/proc/self/mountinfo', 'utf8');
  const points = new Set<string>();
  for (const line of text.split('\n')) {
    const f = line.split(' ');
    if (f.length < 5) continue;
    const mp = f[4].replace(/\\([0-7]{3})/g, (_, o: string) => String.fromCharCode(parseInt(o, 8)));
    if (mp === dir || mp.startsWith(dir + '/')) points.add(mp);
  }
  return [...points].sort((a, b) => b.length - a.length);
}

/** Every pid listed in a cgroup.procs at or below `parent`, in every hierarchy. */
function cgroupProcsUnder(parent: string): number[] {
  const base = '/sys/fs/cgroup';
  const out: number[] = [];
  let roots: string[];
  try {
    roots = [
      base,
      ...readdirSync(base, { withFileTypes: true })
        .filter((e) => e.isDirectory())
        .map((e) => path.join(base, e.name)),
    ];
  } catch {
    return out;
  }
  const walk = (dir: string) => {
    try {
      for (const l of readFileSync(path.join(dir, 'cgroup.procs'), 'utf8').split('\n')) if (/^\d+$/.test(l)) out.push(Number(l));
      for (const e of readdirSync(dir, { withFileTypes: true })) if (e.isDirectory()) walk(path.join(dir, e.name));
    } catch {
      /* not there, or gone meanwhile */
    }
  };
  for (const root of roots) walk(path.join(root, parent));
  return [...new Set(out)];
}

function removeCgroupTrees(parent: string, problems: string[]): void {
  const base = '/sys/fs/cgroup';
  const roots = [base];
  try {
    for (const e of readdirSync(base, { withFileTypes: true })) if (e.isDirectory()) roots.push(path.join(base, e.name));
  } catch {
    return;
  }
  const rmTree = (dir: string) => {
    for (const e of readdirSync(dir, { withFileTypes: true })) if (e.isDirectory()) rmTree(path.join(dir, e.name));
    try {
      rmdirSync(dir);
    } catch (err) {
      problems.push(`rmdir ${dir}: ${(err as Error).message}`);
    }
  };
  for (const root of roots) {
    const dir = path.join(root, parent);
    if (existsSync(dir)) {
      try {
        rmTree(dir);
      } catch (err) {
        problems.push(`cgroup ${dir}: ${(err as Error).message}`);
      }
    }
  }
}

function waitGone(pids: number[], timeoutMs: number): void {
  const deadline = Date.now() + timeoutMs;
  for (const pid of pids) {
    while (existsSync(`/proc/${pid}`) && !isZombie(pid) && Date.now() < deadline) sleepSync(20);
  }
}

function isZombie(pid: number): boolean {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    return stat.slice(stat.lastIndexOf(')') + 2).startsWith('Z');
  } catch {
    return true;
  }
}

function sleepSync(ms: number): void {
  Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, ms);
}

export function sleep(ms: number): Promise<void> {
  return new Promise((r) => setTimeout(r, ms));
}

/** A /24 in 10.200.0.0–10.250.255.0 that no route on this machine uses yet. */
function pickSubnet(): string {
  let routes = '';
  try {
    routes = execFileSync('ip', ['-4', 'route', 'show', 'table', 'all'], { encoding: 'utf8' });
  } catch {
    /* no iproute2: take our chances */
  }
  for (let i = 0; i < 50; i++) {
    const b = randomBytes(2);
    const net = `10.${200 + (b[0] % 50)}.${b[1]}.0`;
    if (!routes.includes(net)) return `${net}/24`;
  }
  throw new Error('testbed: no free /24 subnet found');
}

const REQUIRED_PACKAGES: Record<string, string> = {
  containerd: '/usr/bin/containerd',
  runc: '/usr/sbin/runc',
  'containernetworking-plugins': '/usr/lib/cni/bridge',
  'busybox-static': '/bin/busybox',
  iproute2: '/usr/bin/ip',
  gcc: '/usr/bin/gcc',
  'libc6-dev': '/usr/lib/x86_64-linux-gnu/libc.a',
};

/** Install what is missing with apt (as root), once. */
export function ensurePackages(): void {
  const missing = Object.entries(REQUIRED_PACKAGES)
    .filter(([, file]) => !existsSync(file))
    .map(([pkg]) => pkg)
    .filter((pkg) => !(pkg === 'libc6-dev' && process.arch !== 'x64'));
  if (missing.length === 0) return;
  const env = { ...process.env, DEBIAN_FRONTEND: 'noninteractive' };
  execFileSync('apt-get', ['update', '-qq'], { stdio: 'pipe', env });
  execFileSync('apt-get', ['install', '-y', '-qq', ...missing], { stdio: 'pipe', env });
}
