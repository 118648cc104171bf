// Rejoin, for real. A node is seeded with the residue of the bug report — containerd killed under
// running static and DaemonSet pods (ports held) — on a CNI network (bridge cni0 with the
// gateway address, host-local IPAM with a 3-address range that the seed's pods fill), plus links
// another plugin left (flannel.1, vxlan.calico, kube-ipvs0) and decoys that must survive (eth9,
// docker0). All of it runs in a private network namespace this test creates: containerd, its
// pods and the agent enter it with nsenter (never the machine's own namespace).
//
// With a reset (the defaults, run by the real client against the real agent) the same pods are
// created again, on the same ports, on a network with the same bridge name and a different
// subnet: every pod reaches RUNNING. Without the reset the same rejoin fails: the held ports, the
// stale bridge address. With a reset that leaves out the new kinds, a rejoin on the old subnet
// fails on the exhausted IPAM range.
import { existsSync, mkdirSync, readdirSync, readFileSync } from 'node:fs';
import { execFileSync } from 'node:child_process';
import path from 'node:path';
import t from 'tap';
import type { Test } from 'tap';
import { commands, PodSpec, runPod } from '../../../scripts/testbed/pods';
import { CniNetwork, Testbed } from '../../../scripts/testbed/testbed';
import { agentProgram, startAgent, testbedAgentArgs } from '../../helpers/agent';
import { cliResetWithPlanCheck } from '../../helpers/plan-check';
import { nsenterArgv, PrivateNetns, withNetns } from '../../helpers/netns';
import { waitFor } from '../../helpers/testbed';

// Kubespray's ports: nginx-proxy on the apiserver port, kube-proxy's health port. Free inside
// the private netns whatever the machine runs.
const API_PORT = 6443;
const PROXY_PORT = 10256;
const OLD: CniNetwork = {
  name: 'cbr0',
  bridge: 'cni0',
  subnet: '10.88.0.0/24',
  rangeStart: '10.88.0.10',
  rangeEnd: '10.88.0.12',
  isGateway: true,
};
const NEW: CniNetwork = { ...OLD, subnet: '10.99.0.0/24', rangeStart: '10.99.0.10', rangeEnd: '10.99.0.12' };

/** The node's pods, as the kubelet and the DaemonSet controller would create them again. */
const PODS: PodSpec[] = [
  {
    name: 'nginx-proxy-node1',
    kind: 'static',
    hostNetwork: true,
    containers: [{ name: 'nginx-proxy', command: commands.httpd(API_PORT) }],
  },
  {
    name: 'kube-proxy-x7k2p',
    kind: 'daemonset',
    hostNetwork: true,
    containers: [{ name: 'kube-proxy', command: commands.httpd(PROXY_PORT) }],
  },
  { name: 'calico-node-q9z4w', kind: 'daemonset', hostNetwork: false, containers: [{ name: 'calico-node', command: commands.sleep() }] },
  { name: 'coredns-5d78c9869d-abcde', kind: 'pod', hostNetwork: false, containers: [{ name: 'coredns', command: commands.sleep() }] },
  { name: 'web-6b7f-xyz12', kind: 'pod', hostNetwork: false, containers: [{ name: 'web', command: commands.sleep() }] },
];

function listening(ns: PrivateNetns, port: number): boolean {
  return ns.sh(`ss -Hltn 'sport = :${port}'`).trim() !== '';
}

function linkAddrs(ns: PrivateNetns): Map<string, string[]> {
  const links = JSON.parse(ns.sh('ip -json addr show')) as {
    ifname: string;
    addr_info: { family: string; local: string; prefixlen: number }[];
  }[];
  return new Map(links.map((l) => [l.ifname, l.addr_info.filter((a) => a.family === 'inet').map((a) => `${a.local}/${a.prefixlen}`)]));
}

interface Seeded {
  ns: PrivateNetns;
  tb: Testbed;
  kubeletDir: string;
  stateDir: string;
  manifestsDir: string;
}

/** The node before the rejoin: pods running on the old network, then containerd killed under them. */
async function seed(t: Test, tag: string): Promise<Seeded> {
  const ns = withNetns(t, tag);
  ns.sh(`
    ip link set lo up
    ip link add docker0 type bridge; ip addr add 172.17.0.1/16 dev docker0; ip link set docker0 up
    ip link add eth9 type veth peer name eth9peer; ip addr add 192.0.2.9/24 dev eth9; ip link set eth9 up
    ip link add flannel.1 type vxlan id 1 dstport 8472; ip addr add 10.244.3.0/32 dev flannel.1
    ip link add vxlan.calico type vxlan id 4096 dstport 4789
    ip link add kube-ipvs0 type ifb; ip addr add 10.233.0.1/32 dev kube-ipvs0
  `);
  const tb = await Testbed.start({ netns: ns.file, cni: OLD, log: (m) => t.comment(m) });
  t.teardown(async () => {
    const r = await tb.teardown();
    if (r.problems.length) t.comment(`testbed teardown problems: ${r.problems.join('; ')}`);
  });
  const cri = tb.cri();
  const running = [];
  for (const spec of PODS) running.push(await runPod(cri, tb, spec));
  await waitFor('the seed pods hold their ports', () => listening(ns, API_PORT) && listening(ns, PROXY_PORT), 30_000);
  // A kubelet volume of the static pod, still mounted (the kubelet was not there to unmount it).
  const kubeletDir = path.join(tb.scratch, 'kubelet');
  const vol = path.join(kubeletDir, 'pods', running[0].uid, 'volumes', 'kubernetes.io~empty-dir', 'cache');
  mkdirSync(vol, { recursive: true });
  execFileSync('mount', ['-t', 'tmpfs', 'tmpfs', vol]);
  const ipam = path.join(tb.ipamDir, 'cbr0');
  t.equal(readdirSync(ipam).filter((f) => f.startsWith('10.88.')).length, 3, 'seed: the 3-address range is full');
  t.same(linkAddrs(ns).get('cni0'), ['10.88.0.1/24'], 'seed: cni0 has the old gateway address');
  await tb.killContainerd();
  t.ok(listening(ns, API_PORT) && listening(ns, PROXY_PORT), 'seed: containerd is dead, its pods still hold the ports (the bug)');
  const stateDir = path.join(tb.scratch, 'state');
  const manifestsDir = path.join(tb.scratch, 'manifests');
  mkdirSync(manifestsDir, { recursive: true });
  return { ns, tb, kubeletDir, stateDir, manifestsDir };
}

interface PodOutcome {
  name: string;
  running: boolean;
  error?: string;
  states?: string[];
  ip?: string;
}

/** The port a container's command serves (busybox httpd -p HOST:PORT), if any. */
function servedPort(c: { command: string[] }): number | undefined {
  const i = c.command.indexOf('-p');
  return c.command[1] === 'httpd' && i > 0 ? Number(c.command[i + 1].split(':').pop()) : undefined;
}

/** Whether a process of container `id` (its cgroup ends in /k8s.io/<id>) listens on `port`. */
function heldBy(ns: PrivateNetns, port: number, id: string): boolean {
  const pids = [...ns.sh(`ss -Hltnp 'sport = :${port}'`).matchAll(/pid=(\d+)/g)].map((m) => m[1]);
  return pids.some((pid) => {
    try {
      return readFileSync(`/proc/${pid}/cgroup`, 'utf8').includes(id);
    } catch {
      return false;
    }
  });
}

/**
 * The rejoin: the new cluster's network config, containerd back, the same pods created again.
 * A pod is decided RUNNING when every container runs and each httpd holds its port itself (not
 * an old process of the seed); failed when a container exited or is gone; undecided pods after
 * the deadline count as not running.
 */
async function rejoin(ns: PrivateNetns, tb: Testbed, net: CniNetwork): Promise<PodOutcome[]> {
  tb.writeCniConfig(net);
  await tb.startContainerd();
  const cri = tb.cri();
  const out: PodOutcome[] = [];
  const started: { spec: PodSpec; sandboxId: string; containerIds: string[] }[] = [];
  for (const spec of PODS) {
    try {
      const p = await runPod(cri, tb, spec);
      started.push({ spec, sandboxId: p.sandboxId, containerIds: p.containerIds });
    } catch (err) {
      out.push({ name: spec.name, running: false, error: (err as Error).message });
    }
  }
  const decided = new Map<string, { running: boolean; states: string[] }>();
  const deadline = Date.now() + 30_000;
  while (decided.size < started.length && Date.now() < deadline) {
    const containers = await cri.listContainers();
    for (const p of started.filter((x) => !decided.has(x.spec.name))) {
      const states = p.containerIds.map((id) => containers.find((c) => c.id === id)?.state ?? 'gone');
      if (states.some((s) => s !== 'CONTAINER_RUNNING' && s !== 'CONTAINER_CREATED')) decided.set(p.spec.name, { running: false, states });
      else if (
        states.every((s) => s === 'CONTAINER_RUNNING') &&
        p.spec.containers.every((c, i) => {
          const port = servedPort(c);
          return port === undefined || heldBy(ns, port, p.containerIds[i]);
        })
      )
        decided.set(p.spec.name, { running: true, states });
    }
    if (decided.size < started.length) await new Promise((r) => setTimeout(r, 200));
  }
  for (const p of started) {
    // No catch: a failed lookup must fail the test, not read as "no address".
    const st = await cri.podSandboxStatus(p.sandboxId, false);
    const ip = st?.status?.network?.ip || undefined;
    const d = decided.get(p.spec.name) ?? { running: false, states: ['undecided after 30 s'] };
    out.push({ name: p.spec.name, ...d, ...(ip ? { ip } : {}) });
  }
  return PODS.map((s) => out.find((o) => o.name === s.name)!);
}

/**
 * The verdict of a reset while containerd is dead: everything it could check is clean, but the
 * CRI could not be asked for what is left, so the verdict is residue (exactly that one item) and
 * the client exits 1.
 */
function criDownVerdict(
  t: Test,
  code: number | null,
  report: { verification?: { verdict: string; residue: { kind: string; why: string }[] } },
): void {
  t.equal(report.verification?.verdict, 'residue', 'verdict residue: the CRI could not be asked');
  t.same(
    report.verification?.residue.map(
      (x) =>
        `${x.kind}: ${/the CRI is unreachable, remaining sandboxes and containers could not be listed/.test(x.why) ? 'CRI unreachable' : x.why}`,
    ),
    ['sandbox: CRI unreachable'],
    'the only residue: the sandboxes the dead CRI could not list',
  );
  t.equal(code, 1, 'the client exits 1 on that verdict');
}

async function agentIn(t: Test, s: Seeded) {
  return startAgent(t, {
    dir: s.tb.scratch,
    program: [...nsenterArgv(s.ns), ...agentProgram()],
    args: [
      ...testbedAgentArgs(s.tb, {
        node: 'node1',
        manifestsDir: s.manifestsDir,
        stateDir: s.stateDir,
        expectFreePorts: [API_PORT, PROXY_PORT],
        links: 'default',
      }),
      '--kubelet-dir',
      s.kubeletDir,
    ],
    readyTimeoutMs: 60_000,
  });
}

t.test('after a reset with the defaults, the same pods rejoin on a new subnet with the same bridge name: all RUNNING', async (t) => {
  const s = await seed(t, 'rjok');
  const agent = await agentIn(t, s);
  const r = await cliResetWithPlanCheck(t, ['--agent', agent.socket, 'reset', '--confirm', 'node1', '--grace', '1'], {
    stateDir: s.stateDir,
  });
  const report = JSON.parse(r.stdout);
  criDownVerdict(t, r.code, report);
  const step = (n: string) => report.steps.find((x: { name: string }) => x.name === n);
  t.comment(JSON.stringify(report.steps.map((x: any) => ({ n: x.name, s: x.status, d: x.done, f: x.failed, r: x.reason }))));
  t.ok(step('kill-shims').done > 0, 'the CRI is down: kill-shims ended the pods');
  t.same(
    step('links')
      .items.map((i: any) => `${i.target}:${i.outcome}`)
      .sort(),
    ['cni0:done', 'flannel.1:done', 'kube-ipvs0:done', 'vxlan.calico:done'],
  );
  t.same(
    step('ipam').items.map((i: any) => `${path.basename(i.target)}:${i.outcome}`),
    ['10.88.0.10:done', '10.88.0.11:done', '10.88.0.12:done'],
    "the dead pods' 3 reservations released",
  );
  t.same(
    step('kubelet-mounts').items.map((i: any) => `${i.action}:${i.outcome}`),
    ['unmount-volume:done', 'remove-dir:done'],
  );
  t.notOk(
    report.verification.residue.some((x: any) => ['link', 'ipam', 'kubelet-mount'].includes(x.kind)),
    'verify: no link, reservation or kubelet mount left',
  );
  t.notOk(listening(s.ns, API_PORT) || listening(s.ns, PROXY_PORT), 'ports free');
  const links = linkAddrs(s.ns);
  t.notOk(
    links.has('cni0') || links.has('flannel.1') || links.has('vxlan.calico') || links.has('kube-ipvs0'),
    'the CNI and kube-proxy links are gone',
  );
  t.same(links.get('docker0'), ['172.17.0.1/16'], 'decoy docker0 untouched');
  t.same(links.get('eth9'), ['192.0.2.9/24'], 'decoy eth9 untouched');
  t.same(readdirSync(path.join(s.tb.ipamDir, 'cbr0')).sort(), ['last_reserved_ip.0', 'lock'], "host-local's bookkeeping stays");
  t.notOk(existsSync(path.join(s.kubeletDir, 'pods')) && readdirSync(path.join(s.kubeletDir, 'pods')).length > 0, 'no pod dir left');

  const pods = await rejoin(s.ns, s.tb, NEW);
  t.comment(JSON.stringify(pods));
  for (const p of pods) t.ok(p.running, `${p.name} RUNNING${p.error ? ` (${p.error})` : ''}`);
  t.same(linkAddrs(s.ns).get('cni0'), ['10.99.0.1/24'], 'cni0 came back with the new subnet');
  const podNetwork = PODS.filter((p) => !p.hostNetwork).map((p) => p.name);
  t.same(
    pods
      .filter((p) => podNetwork.includes(p.name))
      .map((p) => `${p.name}:${/^10\.99\.0\.\d+$/.test(p.ip ?? '') ? 'new range' : (p.ip ?? 'no address')}`),
    podNetwork.map((n) => `${n}:new range`),
    'every pod-network pod got an address of the new range',
  );
  t.ok(listening(s.ns, API_PORT) && listening(s.ns, PROXY_PORT), 'the new static and DaemonSet pods hold the same ports');
});

t.test('without the reset, the same rejoin fails: held ports, stale bridge address', async (t) => {
  const s = await seed(t, 'rjno');
  const pods = await rejoin(s.ns, s.tb, NEW);
  t.comment(JSON.stringify(pods));
  const by = new Map(pods.map((p) => [p.name, p]));
  t.notOk(by.get('nginx-proxy-node1')!.running, 'static nginx-proxy does not run: the old one holds 6443');
  t.notOk(by.get('kube-proxy-x7k2p')!.running, 'kube-proxy does not run: the old one holds 10256');
  for (const n of ['calico-node-q9z4w', 'coredns-5d78c9869d-abcde', 'web-6b7f-xyz12']) {
    t.match(
      by.get(n)!.error ?? '',
      /cni0.*already has an IP address different from 10\.99\.0\.1/,
      `${n}: the stale bridge address fails its sandbox`,
    );
  }
});

t.test('a reset without the new kinds frees the ports, but a rejoin on the old subnet then fails: exhausted IPAM range', async (t) => {
  const s = await seed(t, 'rjip');
  const agent = await agentIn(t, s);
  const r = await cliResetWithPlanCheck(
    t,
    ['--agent', agent.socket, 'reset', '--confirm', 'node1', '--grace', '1', '--without', 'links,ipam', '--without', 'kubelet-mounts'],
    { stateDir: s.stateDir },
  );
  const report = JSON.parse(r.stdout);
  criDownVerdict(t, r.code, report);
  t.same(
    report.steps.map((x: { name: string }) => x.name).filter((n: string) => ['links', 'ipam', 'kubelet-mounts'].includes(n)),
    [],
    '--without leaves the three kinds out of the run',
  );
  t.notOk(listening(s.ns, API_PORT) || listening(s.ns, PROXY_PORT), 'ports free: the old steps did their part');
  t.equal(
    readdirSync(path.join(s.tb.ipamDir, 'cbr0')).filter((f) => f.startsWith('10.88.')).length,
    3,
    'the dead pods still hold the whole range',
  );
  const pods = await rejoin(s.ns, s.tb, OLD);
  t.comment(JSON.stringify(pods));
  const by = new Map(pods.map((p) => [p.name, p]));
  t.ok(by.get('nginx-proxy-node1')!.running && by.get('kube-proxy-x7k2p')!.running, 'host-network pods run: their ports are free');
  for (const n of ['calico-node-q9z4w', 'coredns-5d78c9869d-abcde', 'web-6b7f-xyz12']) {
    t.match(
      by.get(n)!.error ?? '',
      /no IP addresses available in range set: 10\.88\.0\.10-10\.88\.0\.12/,
      `${n}: the range is exhausted by reservations of pods that are gone`,
    );
  }
});
