// `npm run demo`: recreate the reported bug on a private containerd, then sweep it with
// kubesweep and show the node can take its pods back. Everything lives under one temp dir
// (/tmp/ks-XXXXXX): the machine's own /etc/kubernetes, /run/containerd, /var/lib/containerd
// and /var/run/netns are never touched. Needs root (it runs containerd); about a minute.
// `--hold` stops after setting up the bug and the agent and prints the commands to run by
// hand; Ctrl-C then tears everything down.
import { ChildProcess, spawn } from 'node:child_process';
import { mkdirSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import net from 'node:net';
import path from 'node:path';
import type { CriClient } from '../agent/daemon/cri/client';
import { packageRoot } from '../agent/shared/paths';
import { commands, containerConfig, runPod, sandboxConfig } from './testbed/pods';
import { Testbed } from './testbed/testbed';
import { testbedAgentArgs } from './testbed/agent-args';

const NODE = 'node1';
const bold = (s: string): string => (process.stdout.isTTY ? `\x1b[1m${s}\x1b[0m` : s);
let stageNo = 0;

function stage(title: string, ...words: string[]): void {
  stageNo++;
  process.stdout.write(`\n${bold(`── ${stageNo}. ${title} ──`)}\n`);
  for (const w of words) process.stdout.write(`   ${w}\n`);
}

function say(s: string): void {
  process.stdout.write(`   ${s}\n`);
}

class DemoFailure extends Error {}

function expect(cond: unknown, what: string): void {
  if (!cond) throw new DemoFailure(`expected ${what}`);
}

function canBind(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const srv = net.createServer();
    srv.once('error', () => resolve(false));
    srv.listen({ port, host: '127.0.0.1', exclusive: true }, () => srv.close(() => resolve(true)));
  });
}

/** A free loopback port below the kernel's ephemeral range, so no outgoing socket takes it meanwhile. */
async function freePort(): Promise<number> {
  for (let i = 0; i < 200; i++) {
    const p = 20000 + Math.floor(Math.random() * 12000);
    if (await canBind(p)) return p;
  }
  throw new Error('no free loopback port found');
}

const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

async function waitFor<T>(what: string, fn: () => Promise<T | false | undefined>, timeoutMs = 20_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const v = await fn();
    if (v) return v;
    if (Date.now() > deadline) throw new DemoFailure(`timed out waiting for ${what}`);
    await sleep(100);
  }
}

/** Run the real kubesweep CLI, its output going straight to the terminal. */
function kubesweep(socket: string, args: string[]): Promise<number> {
  const cli = path.join(packageRoot(), 'dist', 'agent', 'client', 'cli.js');
  process.stdout.write(`\n   $ kubesweep ${args.join(' ')}\n`);
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [cli, '--agent', socket, ...args], {
      stdio: 'inherit',
      env: { ...process.env, KUBESWEEP_AGENT: socket },
    });
    child.once('error', reject);
    child.once('exit', (code, signal) => {
      process.stdout.write(`   (exit code ${code ?? signal})\n`);
      resolve(code ?? 2);
    });
  });
}

/** The rejoining node's nginx-proxy: same host port, with a CRI log file so its error shows. */
async function runRejoinPod(
  cri: CriClient,
  tb: Testbed,
  port: number,
): Promise<{ sandboxId: string; containerId: string; logPath: string }> {
  const spec = {
    name: `nginx-proxy-${NODE}`,
    kind: 'static' as const,
    hostNetwork: true,
    containers: [{ name: 'nginx-proxy', command: commands.httpd(port) }],
  };
  const uid = `rejoin-${Date.now()}`;
  const config = { ...sandboxConfig(tb, spec, uid), logDirectory: path.join(tb.scratch, 'logs', uid) };
  mkdirSync(config.logDirectory, { recursive: true });
  const sandboxId = await cri.runPodSandbox(config);
  const cc = { ...containerConfig(tb, config, spec.containers[0]), logPath: 'nginx-proxy.log' };
  const containerId = await cri.createContainer(sandboxId, cc, config);
  await cri.startContainer(containerId);
  return { sandboxId, containerId, logPath: path.join(config.logDirectory, 'nginx-proxy.log') };
}

const MANIFESTS: Record<string, string> = {
  'kube-apiserver.yaml':
    'apiVersion: v1\nkind: Pod\nmetadata:\n  name: kube-apiserver\n  namespace: kube-system\nspec:\n  hostNetwork: true\n  containers:\n  - name: kube-apiserver\n    image: registry.k8s.io/kube-apiserver:v1.30.0\n',
  'kube-scheduler.yaml':
    'apiVersion: v1\nkind: Pod\nmetadata:\n  name: kube-scheduler\n  namespace: kube-system\nspec:\n  hostNetwork: true\n  containers:\n  - name: kube-scheduler\n    image: registry.k8s.io/kube-scheduler:v1.30.0\n',
  'nginx-proxy.yml':
    'apiVersion: v1\nkind: Pod\nmetadata:\n  name: nginx-proxy\n  namespace: kube-system\nspec:\n  hostNetwork: true\n  containers:\n  - name: nginx-proxy\n    image: docker.io/library/nginx:1.25\n',
};

async function main(): Promise<number> {
  const hold = process.argv.includes('--hold');
  if (process.argv.slice(2).some((a) => a !== '--hold')) {
    process.stderr.write('usage: npm run demo [-- --hold]   (--hold: set up the bug and the agent, then let you run kubesweep yourself)\n');
    return 2;
  }
  if (process.getuid?.() !== 0) {
    process.stderr.write('demo: run as root: it starts a private containerd (nothing outside /tmp/ks-* is touched)\n');
    return 2;
  }
  const started = Date.now();
  let tb: Testbed | undefined;
  let agent: ChildProcess | undefined;
  let cleaning: Promise<void> | undefined;
  const cleanup = (): Promise<void> =>
    (cleaning ??= (async () => {
      stage('Tear down', 'Stopping the agent and removing the private containerd, its pods, netns and temp dir.');
      if (agent && agent.exitCode === null && agent.signalCode === null) {
        const gone = new Promise((r) => agent!.once('exit', r));
        agent.kill('SIGTERM');
        await Promise.race([gone, sleep(10_000)]);
        if (agent.exitCode === null && agent.signalCode === null) agent.kill('SIGKILL');
      }
      if (tb) {
        const report = await tb.teardown();
        say(
          report.problems.length
            ? `teardown problems: ${report.problems.join('; ')}`
            : `removed ${tb.dir}; nothing of the demo is left running`,
        );
      }
    })());
  // In --hold mode a signal is the expected end of the operator's turn; otherwise it interrupts.
  // A second signal while cleaning up gives up waiting: kill what is ours and exit.
  let releaseHold: (() => void) | undefined;
  const onSignal = (sig: NodeJS.Signals): void => {
    if (cleaning) {
      process.stdout.write(`\ndemo: ${sig} again: killing what is left and exiting\n`);
      agent?.kill('SIGKILL');
      tb?.hardCleanup();
      process.exit(130);
    }
    if (releaseHold) {
      process.stdout.write(`\ndemo: ${sig}: done\n`);
      const release = releaseHold;
      releaseHold = undefined;
      release();
      return;
    }
    process.stdout.write(`\ndemo: ${sig}: cleaning up before exit\n`);
    void cleanup().finally(() => process.exit(130));
  };
  // The testbed installs its own signal hooks (kill at once, exit); the demo's are gentler and
  // also stop the agent, so they replace them. Its exit hook stays as the last resort.
  const takeSignals = (): void => {
    for (const sig of ['SIGINT', 'SIGTERM'] as const) {
      process.removeAllListeners(sig);
      process.on(sig, onSignal);
    }
  };
  takeSignals();
  process.on('exit', () => {
    if (agent && agent.exitCode === null && agent.signalCode === null) agent.kill('SIGKILL');
  });

  try {
    stage(
      'A private containerd',
      'Starting containerd with its own socket, root, state, CNI bridge and cgroup parent under a temp dir.',
      "It stands in for the node's containerd; the machine's own container runtime is not used.",
    );
    tb = await Testbed.start();
    takeSignals();
    const cri = tb.cri();
    say(`containerd at ${tb.socket}`);

    const apiPort = await freePort();
    const proxyMetrics = await freePort();
    stage(
      'Recreate the bug: a removed node that still runs its pods',
      `Kubespray's remove-node/reset stopped the kubelet, but containerd keeps the pods it was running.`,
      `Here: static pods (nginx-proxy holding 127.0.0.1:${apiPort}, standing in for 6443), DaemonSet pods`,
      `(calico-node, kube-proxy holding 127.0.0.1:${proxyMetrics}), and two pods with their own network namespace.`,
    );
    const manifestsDir = path.join(tb.scratch, 'manifests');
    mkdirSync(manifestsDir, { recursive: true });
    for (const [name, text] of Object.entries(MANIFESTS)) writeFileSync(path.join(manifestsDir, name), text);
    say(`static manifests in ${manifestsDir}: ${Object.keys(MANIFESTS).join(', ')}`);
    await runPod(cri, tb, {
      name: `nginx-proxy-${NODE}`,
      kind: 'static',
      hostNetwork: true,
      containers: [{ name: 'nginx-proxy', command: commands.httpd(apiPort) }],
    });
    await runPod(cri, tb, {
      name: `kube-scheduler-${NODE}`,
      kind: 'static',
      hostNetwork: true,
      containers: [{ name: 'kube-scheduler', command: commands.sleep() }],
    });
    await runPod(cri, tb, {
      name: 'calico-node-7xk2p',
      kind: 'daemonset',
      hostNetwork: true,
      containers: [{ name: 'calico-node', command: commands.ignoreTerm() }],
    });
    await runPod(cri, tb, {
      name: 'kube-proxy-q8n4m',
      kind: 'daemonset',
      hostNetwork: true,
      containers: [{ name: 'kube-proxy', command: commands.httpd(proxyMetrics) }],
    });
    await runPod(cri, tb, {
      name: 'coredns-5d78c9869d-abcde',
      kind: 'pod',
      hostNetwork: false,
      containers: [{ name: 'coredns', command: commands.sleep() }],
    });
    await runPod(cri, tb, {
      name: 'web-6b7f9c8d4-fghij',
      kind: 'pod',
      hostNetwork: false,
      containers: [{ name: 'web', command: commands.sleep() }],
    });
    await waitFor(`port ${apiPort} held`, async () => !(await canBind(apiPort)));
    await waitFor(`port ${proxyMetrics} held`, async () => !(await canBind(proxyMetrics)));
    const sandboxes = await cri.listPodSandbox();
    say(
      `${sandboxes.length} pods running, ${tb.shimPids().length} containerd-shim-runc-v2 processes, ${readdirSync(tb.netnsDir).length} pod network namespaces`,
    );
    expect(sandboxes.length === 6, '6 pods running');

    stage(
      'The node rejoins: its new nginx-proxy cannot start',
      `The rejoined node's kubelet starts nginx-proxy again, on the same host port ${apiPort}.`,
    );
    const first = await runRejoinPod(cri, tb, apiPort);
    const exited = await waitFor('the rejoin container to exit', async () => {
      const st = await cri.containerStatus(first.containerId);
      return st?.status?.state === 'CONTAINER_EXITED' ? st.status : undefined;
    });
    let log = '';
    try {
      log = readFileSync(first.logPath, 'utf8').trim();
    } catch {
      /* no log written */
    }
    const logLine = log.split('\n').find((l) => /in use/i.test(l)) ?? log.split('\n')[0] ?? '';
    say(`rejoin container state: ${exited.state}, exit code ${exited.exitCode}`);
    say(`its log: ${logLine.replace(/^\S+ (stdout|stderr) \w /, '') || '(empty)'}`);
    expect(exited.exitCode !== 0, 'the rejoin container to fail');
    expect(/in use/i.test(log), 'the rejoin container to log "Address in use"');
    say('This is the reported bug: the old pod still holds the port, so the new one crash-loops.');
    await cri.stopPodSandbox(first.sandboxId);
    await cri.removePodSandbox(first.sandboxId);

    stage(
      'Start the kubesweep agent',
      'The agent runs on the node (as root, from systemd in production). Here it is pointed at the private',
      "containerd, the scratch manifests dir and the testbed's netns dir, and listens on a unix socket.",
    );
    const socket = `unix://${path.join(tb.dir, 'agent.sock')}`;
    const agentArgs = [
      path.join(packageRoot(), 'dist', 'agent', 'daemon', 'main.js'),
      ...testbedAgentArgs(tb, {
        node: NODE,
        manifestsDir,
        stateDir: path.join(tb.scratch, 'kubesweep-state'),
        expectFreePorts: [apiPort, proxyMetrics],
      }),
      '--listen',
      socket,
      '--http-listen',
      '',
      '--log-level',
      'info',
    ];
    let agentErr = '';
    const child = spawn(process.execPath, agentArgs, { stdio: ['ignore', 'pipe', 'pipe'] });
    agent = child;
    child.stderr.on('data', (d: Buffer) => (agentErr += d.toString()));
    let agentOut = '';
    child.stdout.on('data', (d: Buffer) => (agentOut += d.toString()));
    await waitFor('the agent to be ready', async () => {
      if (child.exitCode !== null)
        throw new DemoFailure(`the agent exited (${child.exitCode}): ${agentErr.trim().split('\n').slice(-3).join(' | ')}`);
      return agentOut.includes('kubesweep-agent ready');
    });
    say(`agent ready on ${socket}`);

    stage(
      'Who holds the ports?',
      'kubesweep check-ports names the process, container and pod behind each port (exit code 1: a port is held).',
    );
    const before = await kubesweep(socket, ['check-ports']);
    expect(before === 1, 'check-ports to exit 1 before the reset');

    if (hold) {
      const cli = path.relative(process.cwd(), path.join(packageRoot(), 'dist', 'agent', 'client', 'cli.js')) || 'dist/agent/client/cli.js';
      stage(
        'Your turn',
        'The bug is in place and the agent is listening. In another terminal (as root):',
        '',
        `  export KUBESWEEP_AGENT=${socket}`,
        `  alias kubesweep="node ${path.resolve(cli)}"`,
        '  kubesweep check-ports                      # who holds the ports (exit 1)',
        `  kubesweep reset --confirm ${NODE} --dry-run   # the plan, nothing changed`,
        `  kubesweep reset --confirm ${NODE} --grace 2   # the reset, live; exit 0 = verified clean`,
        '  kubesweep check-ports                      # all free (exit 0)',
        '',
        'Press Ctrl-C here when you are done: everything is torn down.',
      );
      process.stdout.write('demo: holding for you\n');
      await new Promise<void>((resolve) => (releaseHold = resolve));
      await cleanup();
      process.stdout.write(`\n${bold('demo finished')}: the private containerd and the agent are gone\n`);
      return 0;
    }

    stage(
      'Reset the node',
      `kubesweep reset --confirm ${NODE}: the agent refuses unless the name matches its own node. It stops the`,
      'pods (pod-netns pods first, so CNI can still tear their networks down), backs up and removes the',
      'static manifests, removes leftover netns and shims, then verifies the ports are free.',
    );
    const wrong = await kubesweep(socket, ['reset', '--confirm', 'node2']);
    expect(wrong === 2, 'a reset confirming the wrong node to be refused with exit 2');
    say('(--grace 2: containers that ignore SIGTERM, like calico-node here, get 2 s before SIGKILL)');
    const reset = await kubesweep(socket, ['reset', '--confirm', NODE, '--grace', '2']);
    expect(reset === 0, 'the reset to exit 0 (verified clean)');

    stage('Verify', 'check-ports again (exit code 0: all free), and what is left on the node.');
    const after = await kubesweep(socket, ['check-ports']);
    expect(after === 0, 'check-ports to exit 0 after the reset');
    await kubesweep(socket, ['inspect']);
    expect((await cri.listPodSandbox()).length === 0, 'no pods left in containerd');
    expect(readdirSync(manifestsDir).length === 0, 'the manifests dir to be empty (its files are in the backup)');

    stage('The node rejoins again', `The same nginx-proxy pod, on the same port ${apiPort}, now starts and stays up.`);
    const second = await runRejoinPod(cri, tb, apiPort);
    await waitFor(`port ${apiPort} held by the rejoined nginx-proxy`, async () => !(await canBind(apiPort)));
    await sleep(500);
    const st = await cri.containerStatus(second.containerId);
    say(`rejoin container state: ${st?.status?.state}`);
    expect(st?.status?.state === 'CONTAINER_RUNNING', 'the rejoin container to be running');
    await kubesweep(socket, ['check-ports', String(apiPort)]);

    await cleanup();
    process.stdout.write(
      `\n${bold('demo finished')}: bug recreated, node reset and verified clean, rejoin pod running (${((Date.now() - started) / 1000).toFixed(1)} s)\n`,
    );
    return 0;
  } catch (err) {
    process.stdout.write(`\ndemo FAILED: ${err instanceof DemoFailure ? err.message : ((err as Error).stack ?? String(err))}\n`);
    if (tb) process.stdout.write(`containerd log tail:\n${tb.logTail(10)}\n`);
    await cleanup().catch((e) => process.stdout.write(`cleanup failed: ${(e as Error).message}\n`));
    return 1;
  } finally {
    process.removeListener('SIGINT', onSignal);
    process.removeListener('SIGTERM', onSignal);
  }
}

main().then(
  (code) => process.exit(code),
  (err) => {
    process.stderr.write(`demo: ${(err as Error).stack ?? String(err)}\n`);
    process.exit(1);
  },
);
