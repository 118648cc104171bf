// More than a thousand malformed, truncated and oversized requests at the real agent (raw
// bytes through a generic client), with pods running on the testbed. The agent must answer
// each with INVALID_ARGUMENT or another deliberate code (never INTERNAL/UNKNOWN, never hang),
// stay healthy, touch no pod, and change nothing outside its configured dirs (nor inside them).
import { mkdirSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import * as grpc from '@grpc/grpc-js';
import t from 'tap';
import { agentServiceDefinition } from '../../../agent/daemon/server/grpc-server';
import { commands, runPod } from '../../../scripts/testbed/pods';
import { snapshotTree, startAgent, testbedAgentArgs, writeManifests } from '../../helpers/agent';
import { canBind, freePort, waitFor, withTestbed } from '../../helpers/testbed';

interface Case {
  what: string;
  method: string;
  body: Buffer;
  /** Codes that are a correct answer for this input. */
  ok: grpc.status[];
}

const S = grpc.status;
const UNARY = ['StopPods', 'WipeManifests', 'RemoveNetns', 'RestoreManifests', 'ListPorts', 'CheckPorts', 'Inspect', 'Info'];
const DESTRUCTIVE = new Set(['Reset', 'StopPods', 'WipeManifests', 'RemoveNetns', 'RestoreManifests']);

function rng(seed: number): () => number {
  let s = seed >>> 0;
  return () => {
    s = (s * 1664525 + 1013904223) >>> 0;
    return s / 2 ** 32;
  };
}

function buildCases(): Case[] {
  const def = agentServiceDefinition();
  const ser = (m: string, o: object) => def[m].requestSerialize(o);
  const rand = rng(20261129);
  const cases: Case[] = [];
  const methods = ['Reset', ...UNARY];
  // Destructive calls may only ever be refused here: a decodable request names another node
  // (no prefix of it equals "node1"), so the guard answers FAILED_PRECONDITION at worst.
  const refusal = (m: string): grpc.status[] =>
    DESTRUCTIVE.has(m) ? [S.INVALID_ARGUMENT, S.FAILED_PRECONDITION] : [S.INVALID_ARGUMENT, S.OK];

  // 1. Garbage of many lengths to every method (seeded: the same bytes every run).
  for (let i = 0; i < 540; i++) {
    const m = methods[i % methods.length];
    const len = 1 + Math.floor(rand() * (i % 3 === 0 ? 2000 : 64));
    const body = Buffer.from(Array.from({ length: len }, () => Math.floor(rand() * 256)));
    cases.push({ what: `random ${len} bytes #${i}`, method: m, body, ok: refusal(m) });
  }
  // 2. Every truncation of valid messages.
  const valid: [string, object][] = [
    [
      'Reset',
      {
        confirmNode: 'zz-other-node',
        dryRun: false,
        scope: ['static', 'daemonset'],
        graceSeconds: 7,
        expectFreePorts: [6443, 10250, 2379],
      },
    ],
    ['StopPods', { confirmNode: 'zz-other-node', scope: ['pod'], graceSeconds: 1 }],
    ['WipeManifests', { confirmNode: 'zz-other-node-with-a-longer-name' }],
    ['RemoveNetns', { confirmNode: 'zz-other-node', dryRun: false }],
    ['RestoreManifests', { confirmNode: 'zz-other-node', backupId: '20261129T110203Z-3fa9c1' }],
    ['CheckPorts', { ports: [6443, 10250, 10256, 2379, 2380, 65535] }],
    ['ListPorts', { allNetns: true }],
  ];
  for (const [m, msg] of valid) {
    const full = ser(m, msg);
    for (let n = 1; n < full.length; n++)
      cases.push({ what: `${m} truncated to ${n}/${full.length}`, method: m, body: full.subarray(0, n), ok: refusal(m) });
    // Single-byte corruptions.
    for (let k = 0; k < 24; k++) {
      const b = Buffer.from(full);
      b[Math.floor(rand() * b.length)] ^= 1 + Math.floor(rand() * 255);
      // A flip can turn dry_run on: a legitimate dry run (OK), or ABORTED when the engine is
      // busy with another one. Either way nothing changes, which the end of the test checks.
      cases.push({ what: `${m} with a flipped byte`, method: m, body: b, ok: [...refusal(m), S.OK, S.ABORTED] });
    }
  }
  // 3. Oversized: above the 64 KiB request limit, and large-but-allowed bodies with huge fields.
  for (const m of methods) {
    // Bytes are refused by size before decoding, so one body serves every method.
    cases.push({
      what: `${m} 200 KiB body`,
      method: m,
      body: ser('Reset', { confirmNode: 'x'.repeat(200 * 1024) }),
      ok: [S.RESOURCE_EXHAUSTED],
    });
  }
  for (const m of ['Reset', 'StopPods', 'WipeManifests', 'RemoveNetns', 'RestoreManifests']) {
    cases.push({ what: `${m} 60 KB confirm_node`, method: m, body: ser(m, { confirmNode: 'n'.repeat(60_000) }), ok: [S.INVALID_ARGUMENT] });
    cases.push({
      what: `${m} control chars in confirm_node`,
      method: m,
      body: ser(m, { confirmNode: 'node1\n' }),
      ok: [S.INVALID_ARGUMENT],
    });
  }
  // 4. Out-of-range and bad values that decode fine.
  const badPorts = [[0], [65536], [4294967295], [1, 0], Array.from({ length: 1025 }, (_, i) => i + 1), [70000, 80]];
  for (const ports of badPorts) {
    cases.push({
      what: `CheckPorts ${ports.length} bad ports`,
      method: 'CheckPorts',
      body: ser('CheckPorts', { ports }),
      ok: [S.INVALID_ARGUMENT],
    });
    cases.push({
      what: `Reset expect_free_ports bad`,
      method: 'Reset',
      body: ser('Reset', { confirmNode: 'node1', expectFreePorts: ports }),
      ok: [S.INVALID_ARGUMENT],
    });
  }
  for (const scope of [['all'], ['static', 'static'], ['x'.repeat(5000)], ['pod', 'static', 'daemonset', 'pod'], [''], ['Static']]) {
    for (const m of ['Reset', 'StopPods'])
      cases.push({
        what: `${m} scope ${JSON.stringify(scope).slice(0, 30)}`,
        method: m,
        body: ser(m, { confirmNode: 'node1', scope }),
        ok: [S.INVALID_ARGUMENT],
      });
  }
  for (const graceSeconds of [3601, 100000, 4294967295]) {
    for (const m of ['Reset', 'StopPods', 'WipeManifests', 'RemoveNetns'])
      cases.push({
        what: `${m} grace ${graceSeconds}`,
        method: m,
        body: ser(m, { confirmNode: 'node1', graceSeconds }),
        ok: [S.INVALID_ARGUMENT],
      });
  }
  // 5. Backup ids that try to be paths (with the right node name: validation comes first).
  const badIds = [
    '../../etc',
    '../../../../etc/kubernetes',
    '/etc/passwd',
    '..',
    '.',
    'a/b',
    '20261129T110203Z-3fa9c1/../../x',
    '20261129T110203Z-3fa9c1\u0000',
    '%2e%2e%2f',
    '~root',
    'x'.repeat(65),
    '20261129T110203Z-3FA9C1',
    ' 20261129T110203Z-3fa9c1',
    '\\..\\..',
    'backups',
    '20261129T110203Z-3fa9c1.',
    '$(reboot)',
    '`id`',
    '*',
    '20261129T110203Z-3fa9c1;rm -rf /',
  ];
  for (const backupId of badIds)
    cases.push({
      what: `backup id ${JSON.stringify(backupId).slice(0, 40)}`,
      method: 'RestoreManifests',
      body: ser('RestoreManifests', { confirmNode: 'node1', backupId }),
      ok: [S.INVALID_ARGUMENT],
    });
  // 6. Wire-level oddities: wrong wire types, groups, field 0, unknown fields with huge lengths.
  const odd = [
    Buffer.from([0x0b, 0x0c]),
    Buffer.from([0x00]),
    Buffer.from([0x0f]),
    Buffer.from([0x12, 0xff, 0xff, 0xff, 0xff, 0x0f]),
    Buffer.from([0xfa, 0xff, 0xff, 0xff, 0x0f, 0x01]),
    Buffer.from([0x08, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x01]),
    Buffer.from([0x12, 0x05, 0x01]),
  ];
  for (const m of methods) for (const b of odd) cases.push({ what: `odd wire ${b.toString('hex')}`, method: m, body: b, ok: refusal(m) });
  return cases;
}

t.test('fuzz: >1000 malformed, truncated, oversized requests; the agent stays healthy and changes nothing', async (t) => {
  const tb = await withTestbed(t);
  const cri = tb.cri();
  const P = await freePort();
  const manifestsDir = path.join(tb.scratch, 'manifests');
  const stateDir = path.join(tb.scratch, 'state');
  writeManifests(manifestsDir);
  mkdirSync(path.join(stateDir, 'backups', '20261129T110203Z-3fa9c1'), { recursive: true });
  // A canary outside every configured dir, in a place a path-traversing backup id would reach.
  const canary = path.join(tb.scratch, 'etc');
  mkdirSync(canary);
  writeFileSync(path.join(canary, 'passwd'), 'root:x:0:0\n');
  await runPod(cri, tb, {
    name: 'kube-apiserver-node1',
    kind: 'static',
    hostNetwork: true,
    containers: [{ name: 'kube-apiserver', command: commands.httpd(P) }],
  });
  await runPod(cri, tb, {
    name: 'calico-node-f',
    kind: 'daemonset',
    hostNetwork: false,
    containers: [{ name: 'calico-node', command: commands.sleep() }],
  });
  await waitFor('port held', async () => !(await canBind(P)));

  const agent = await startAgent(t, {
    dir: tb.scratch,
    args: [...testbedAgentArgs(tb, { node: 'node1', manifestsDir, stateDir, expectFreePorts: [P] })],
  });
  const c = agent.client();
  const before = {
    files: snapshotTree(tb.scratch),
    sandboxes: (await cri.listPodSandbox()).map((s) => `${s.id}:${s.state}`).sort(),
    containers: (await cri.listContainers()).map((x) => `${x.id}:${x.state}`).sort(),
    netns: readdirSync(tb.netnsDir).sort(),
    shims: tb
      .shimPids()
      .map((s) => s.pid)
      .sort(),
  };

  const cases = buildCases();
  t.ok(cases.length >= 1000, `${cases.length} cases`);
  const wrong: string[] = [];
  const tally = new Map<string, number>();
  const CONCURRENCY = 16;
  let next = 0;
  await Promise.all(
    Array.from({ length: CONCURRENCY }, async () => {
      while (next < cases.length) {
        const k = cases[next++];
        const r = k.method === 'Reset' ? await c.rawReset(k.body, 30_000) : await c.rawCall(k.method, k.body, 30_000);
        const name = grpc.status[r.code];
        tally.set(name, (tally.get(name) ?? 0) + 1);
        if (!k.ok.includes(r.code)) wrong.push(`${k.method} ${k.what}: ${name} ${r.details?.slice(0, 120)}`);
      }
    }),
  );
  t.comment(`answers: ${[...tally].map(([k, v]) => `${k}=${v}`).join(' ')}`);
  t.same(wrong.slice(0, 20), [], `every answer deliberate (${wrong.length} wrong)`);
  t.notOk(tally.has('INTERNAL') || tally.has('UNKNOWN') || tally.has('DEADLINE_EXCEEDED'), 'no INTERNAL, UNKNOWN or hang');
  t.ok((tally.get('INVALID_ARGUMENT') ?? 0) >= 900, 'mostly INVALID_ARGUMENT');

  t.equal(await c.healthCheck(), 'SERVING', 'still healthy');
  t.equal((await c.call('Info')).nodeName, 'node1', 'still answering');
  t.equal((await c.call('CheckPorts', {})).allFree, false, 'the pod still holds its port');
  t.same(snapshotTree(tb.scratch), before.files, 'no file changed anywhere under the testbed scratch dir (manifests, state, canary)');
  t.same((await cri.listPodSandbox()).map((s) => `${s.id}:${s.state}`).sort(), before.sandboxes, 'sandboxes untouched');
  t.same((await cri.listContainers()).map((x) => `${x.id}:${x.state}`).sort(), before.containers, 'containers untouched');
  t.same(readdirSync(tb.netnsDir).sort(), before.netns, 'netns untouched');
  t.same(
    tb
      .shimPids()
      .map((s) => s.pid)
      .sort(),
    before.shims,
    'shims untouched',
  );
  t.notOk(
    agent.logs.some((l) => l.audit === 'destructive'),
    'no destructive operation ever started',
  );
  const status = readFileSync(`/proc/${agent.pid}/status`, 'utf8');
  const rssKb = Number(/VmRSS:\s+(\d+)/.exec(status)![1]);
  t.comment(`agent RSS after the fuzz: ${(rssKb / 1024).toFixed(1)} MiB`);
  t.ok(rssKb < 300 * 1024, 'memory stays bounded');
});
