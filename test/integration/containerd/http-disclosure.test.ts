// What the agent's HTTP port tells an unprivileged local user (uid nobody), against the real
// agent with its defaults and a pod holding a port: /healthz, /readyz and /metrics answer;
// /ports and /ports/check list exactly the TCP listeners that `ss -ltn` shows that same user —
// port, protocol, address, held/free — and no pid, command line, container, pod, inode or other
// network namespace; all_netns is refused. The owners the same report names over gRPC are there
// (so the test would see them if HTTP leaked them).
import { spawn } from 'node:child_process';
import path from 'node:path';
import t from 'tap';
import { commands, runPod } from '../../../scripts/testbed/pods';
import { startAgent, testbedAgentArgs, writeManifests } from '../../helpers/agent';
import { canBind, freePort, waitFor, withTestbed } from '../../helpers/testbed';

const NOBODY = 65534;
const NOGROUP = 65534;

/** Run a command as nobody:nogroup; resolves with its stdout. */
function asNobody(cmd: string, args: string[]): Promise<{ code: number | null; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    const child = spawn(cmd, args, {
      uid: NOBODY,
      gid: NOGROUP,
      cwd: '/',
      env: { PATH: '/usr/bin:/bin' },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d: Buffer) => (stdout += d.toString()));
    child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
    child.on('exit', (code) => resolve({ code, stdout, stderr }));
  });
}

async function curlAsNobody(url: string): Promise<{ status: number; body: string }> {
  const r = await asNobody('/usr/bin/curl', ['-s', '-w', '\n%{http_code}', url]);
  const i = r.stdout.lastIndexOf('\n');
  return { status: Number(r.stdout.slice(i + 1)), body: r.stdout.slice(0, i) };
}

/** `ss -ltnH` as nobody: the set of `address:port` it shows (v6 in brackets, as ss prints them). */
async function ssAsNobody(): Promise<Set<string>> {
  const r = await asNobody('/usr/bin/ss', ['-ltnH']);
  const out = new Set<string>();
  for (const line of r.stdout.split('\n')) {
    const local = line.trim().split(/\s+/)[3];
    if (!local) continue;
    const i = local.lastIndexOf(':');
    let addr = local
      .slice(0, i)
      .replace(/^\[|\]$/g, '')
      .replace(/%.*$/, '');
    if (addr === '*') addr = '0.0.0.0';
    out.add(`${addr}:${local.slice(i + 1)}`);
  }
  return out;
}

t.test('an unprivileged user learns no more over HTTP than from ss -ltn', async (t) => {
  const tb = await withTestbed(t);
  const cri = tb.cri();
  const [P, httpPort] = [await freePort(), await freePort()];
  const manifestsDir = path.join(tb.scratch, 'manifests');
  writeManifests(manifestsDir);
  await runPod(cri, tb, {
    name: 'nginx-proxy-node1',
    kind: 'static',
    hostNetwork: true,
    containers: [{ name: 'nginx-proxy', command: commands.httpd(P) }],
  });
  await waitFor('port held', async () => !(await canBind(P)));
  const agent = await startAgent(t, {
    dir: tb.scratch,
    args: [
      ...testbedAgentArgs(tb, { node: 'node1', manifestsDir, stateDir: path.join(tb.scratch, 'state'), expectFreePorts: [P] }),
      '--http-listen',
      `127.0.0.1:${httpPort}`,
    ],
  });
  const base = `http://127.0.0.1:${httpPort}`;

  // Over gRPC (root, the socket) the owner is there: pid, command, pod.
  const full = await agent.client().call('ListPorts', {});
  const owner = full.listeners.find((l: any) => l.port === P).owners[0];
  t.match(owner, { command: /httpd -f -p/, pod: { name: 'nginx-proxy-node1' } }, 'gRPC names the owner');

  t.equal((await curlAsNobody(`${base}/healthz`)).status, 200, 'nobody: /healthz');
  t.equal((await curlAsNobody(`${base}/readyz`)).status, 200, 'nobody: /readyz');
  const metrics = await curlAsNobody(`${base}/metrics`);
  t.equal(metrics.status, 200, 'nobody: /metrics');
  t.match(metrics.body, new RegExp(`kubesweep_expected_port_held\\{[^}]*port="${P}"[^}]*\\} 1`), 'metrics say the port is held');

  const ports = await curlAsNobody(`${base}/ports`);
  t.equal(ports.status, 200, 'nobody: /ports');
  const check = await curlAsNobody(`${base}/ports/check?ports=${P}`);
  t.equal(check.status, 503, 'nobody: /ports/check says the port is held');
  for (const [what, r] of [
    ['/ports', ports],
    ['/ports/check', check],
  ] as const) {
    for (const leak of [
      String(owner.pid),
      owner.command,
      'nginx-proxy',
      owner.containerId,
      'pid',
      'command',
      'container',
      'pod',
      'inode',
      'netns',
      'owners',
    ]) {
      t.notOk(r.body.includes(leak), `${what}: no ${JSON.stringify(leak.slice(0, 40))}`);
    }
  }
  const doc = JSON.parse(ports.body);
  for (const l of doc.listeners)
    t.same(Object.keys(l).sort(), ['address', 'family', 'port', 'protocol'], `${l.protocol} ${l.address}:${l.port}: only what ss shows`);
  t.match(JSON.parse(check.body), {
    allFree: false,
    ports: [{ port: P, held: true, listeners: [{ protocol: 'tcp', address: '127.0.0.1', port: P }] }],
  });

  // The same TCP listeners as the user's own `ss -ltn` (listeners may come and go between the
  // two reads: compare twice before calling it a difference).
  let diff: { extra: string[]; missing: string[] } = { extra: [], missing: [] };
  for (let i = 0; i < 3; i++) {
    const seen = await ssAsNobody();
    const d = JSON.parse((await curlAsNobody(`${base}/ports`)).body);
    const http = new Set<string>(d.listeners.filter((l: any) => l.protocol === 'tcp').map((l: any) => `${l.address}:${l.port}`));
    diff = { extra: [...http].filter((x) => !seen.has(x)), missing: [...seen].filter((x) => !http.has(x)) };
    if (diff.extra.length === 0 && diff.missing.length === 0) break;
    await new Promise((r) => setTimeout(r, 300));
  }
  t.same(diff, { extra: [], missing: [] }, 'HTTP lists exactly the TCP listeners ss -ltn shows nobody');
  t.ok(
    JSON.parse(ports.body).listeners.some((l: any) => l.port === P),
    "including the pod's port",
  );

  const netns = await curlAsNobody(`${base}/ports?all_netns=1`);
  t.equal(netns.status, 403, 'other network namespaces: refused');
  t.match(JSON.parse(netns.body), { error: { code: 'KS_PERMISSION_DENIED', message: /httpOwners/ } });
});
