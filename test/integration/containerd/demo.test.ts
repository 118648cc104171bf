// `npm run demo` end to end (the compiled dist/scripts/demo.js, as an operator runs it), and
// its clean-up when interrupted half-way.
import { spawn, spawnSync } from 'node:child_process';
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import t, { type Test } from 'tap';
import { packageRoot } from '../../../agent/shared/paths';

const DEMO = path.join(packageRoot(), 'dist', 'scripts', 'demo.js');

interface DemoRun {
  output: () => string;
  exited: Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
  kill: (sig: NodeJS.Signals) => void;
}

function runDemo(t: Test, args: string[] = []): DemoRun {
  const child = spawn(process.execPath, [DEMO, ...args], { stdio: ['ignore', 'pipe', 'pipe'], env: { ...process.env, NO_COLOR: '1' } });
  let out = '';
  child.stdout.on('data', (d: Buffer) => (out += d.toString()));
  child.stderr.on('data', (d: Buffer) => (out += d.toString()));
  const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolve) =>
    child.once('exit', (code, signal) => resolve({ code, signal })),
  );
  t.teardown(async () => {
    if (child.exitCode !== null || child.signalCode !== null) return;
    child.kill('SIGINT'); // the demo tears its testbed down on SIGINT
    const timer = setTimeout(() => child.kill('SIGKILL'), 60_000);
    await exited;
    clearTimeout(timer);
  });
  return { output: () => out, exited, kill: (sig) => child.kill(sig) };
}

/** Processes (not zombies) whose command line mentions `needle`. */
function processesMentioning(needle: string): string[] {
  const out: string[] = [];
  for (const pid of readdirSync('/proc').filter((n) => /^\d+$/.test(n))) {
    try {
      const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
      if (stat.slice(stat.lastIndexOf(')') + 2).startsWith('Z')) continue;
      const cmd = readFileSync(`/proc/${pid}/cmdline`, 'utf8').replace(/\0/g, ' ');
      if (cmd.includes(needle)) out.push(`${pid} ${cmd}`);
    } catch {
      /* exited meanwhile */
    }
  }
  return out;
}

function testbedDir(output: string): string | undefined {
  return /containerd at (\/tmp\/ks-[A-Za-z0-9]+)\/c\.sock/.exec(output)?.[1];
}

t.test('the demo recreates the bug, resets the node, shows the rejoin pod running, and leaves nothing behind', async (t) => {
  const demo = runDemo(t);
  const { code } = await demo.exited;
  const out = demo.output();
  t.equal(code, 0, 'demo exits 0');
  if (code !== 0) t.comment(out);
  const dir = testbedDir(out);
  if (!dir) throw new Error(`the demo names no private containerd dir:\n${out}`);
  for (const stage of [
    'A private containerd',
    'Recreate the bug',
    'The node rejoins: its new nginx-proxy cannot start',
    'Start the kubesweep agent',
    'Who holds the ports?',
    'Reset the node',
    'Verify',
    'The node rejoins again',
    'Tear down',
  ])
    t.match(out, stage, `stage "${stage}" narrated`);
  t.match(out, /6 pods running, 6 containerd-shim-runc-v2 processes, 2 pod network namespaces/);
  t.match(
    out,
    /rejoin container state: CONTAINER_EXITED, exit code 1\n {3}its log: httpd: bind: Address already in use/,
    'the rejoin pod fails with address-in-use',
  );
  t.match(
    out,
    /\$ kubesweep check-ports\n[\s\S]*HELD[\s\S]*pod kube-system\/nginx-proxy-node1 \[static, host network\][\s\S]*\(exit code 1\)/,
    'check-ports names the static pod holding the port',
  );
  t.match(
    out,
    /\$ kubesweep reset --confirm node2\n.*refused \(KS_CONFIRM_MISMATCH\).*\n {3}\(exit code 2\)/,
    'the wrong node name is refused',
  );
  t.match(out, /▸ remove-pods: \d+ actions planned/, 'live progress of the reset');
  t.match(out, /✓ node1 verified clean[^\n]*\n {3}\(exit code 0\)/, 'the reset verifies clean');
  t.match(out, /✓ all 2 ports free\n {3}\(exit code 0\)/, 'check-ports clean afterwards');
  t.match(out, /rejoin container state: CONTAINER_RUNNING/, 'the rejoin pod runs after the reset');
  t.match(out, /demo finished/);
  t.notOk(existsSync(dir), `${dir} removed`);
  t.same(processesMentioning(dir), [], 'no containerd, shim, agent or container of the demo left running');
});

t.test('interrupted half-way (SIGINT), the demo still tears everything down, agent included', async (t) => {
  const demo = runDemo(t);
  t.ok(await waitForOutput(demo, /agent ready on unix:/), 'the demo got as far as a running agent');
  demo.kill('SIGINT');
  const { code } = await demo.exited;
  const out = demo.output();
  t.equal(code, 130, 'exit 130 after SIGINT');
  t.match(out, /demo: SIGINT: cleaning up before exit/);
  t.match(out, /Tear down/);
  const dir = testbedDir(out);
  if (!dir) throw new Error(`the demo names no private containerd dir:\n${out}`);
  t.notOk(existsSync(dir), `${dir} removed`);
  t.same(processesMentioning(dir), [], 'nothing of the demo left running');
});

async function waitForOutput(demo: DemoRun, re: RegExp, timeoutMs = 120_000): Promise<boolean> {
  const deadline = Date.now() + timeoutMs;
  while (!re.test(demo.output()) && Date.now() < deadline) {
    const done = await Promise.race([demo.exited.then(() => true), new Promise((r) => setTimeout(() => r(false), 100))]);
    if (done) break;
  }
  return re.test(demo.output());
}

t.test('--hold: a newcomer runs the reset by hand with the printed commands, then Ctrl-C tears down', async (t) => {
  const demo = runDemo(t, ['--hold']);
  t.ok(await waitForOutput(demo, /demo: holding for you/), 'the demo sets up the bug and the agent, then holds');
  const out = demo.output();
  const socket = /export KUBESWEEP_AGENT=(unix:\/\/\S+)/.exec(out)?.[1];
  const alias = /alias kubesweep="node (\S+)"/.exec(out)?.[1];
  if (!socket || !alias) throw new Error(`the demo prints no endpoint or client to use:\n${out}`);
  t.match(out, /kubesweep reset --confirm node1 --grace 2/);
  {
    const env = { PATH: process.env.PATH, KUBESWEEP_AGENT: socket };
    const held = spawnSync(process.execPath, [alias, 'check-ports'], { env, encoding: 'utf8' });
    t.equal(held.status, 1, 'check-ports: ports held');
    const reset = spawnSync(process.execPath, [alias, 'reset', '--confirm', 'node1', '--grace', '2'], { env, encoding: 'utf8' });
    t.equal(reset.status, 0, `the newcomer's reset is verified clean\n${reset.stdout}${reset.stderr}`);
    t.match(reset.stdout, /✓ node1 verified clean/);
    const free = spawnSync(process.execPath, [alias, 'check-ports'], { env, encoding: 'utf8' });
    t.equal(free.status, 0, 'check-ports: all free');
  }
  demo.kill('SIGINT');
  const { code } = await demo.exited;
  t.equal(code, 0, 'Ctrl-C ends a held demo normally');
  const dir = testbedDir(demo.output());
  if (!dir) throw new Error(`the demo names no private containerd dir:\n${demo.output()}`);
  t.notOk(existsSync(dir), `${dir} removed`);
  t.same(processesMentioning(dir), [], 'nothing of the demo left running');
});

t.test('unknown arguments are refused', async (t) => {
  const r = spawnSync(process.execPath, [DEMO, '--frobnicate'], { encoding: 'utf8' });
  t.equal(r.status, 2);
  t.match(r.stderr, /usage: npm run demo/);
});
