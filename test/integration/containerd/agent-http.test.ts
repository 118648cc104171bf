// The real agent's HTTP side on the testbed, with the operator's owners switch on
// (--http-owners true; without it see http-disclosure.test.ts): /healthz, /readyz following the
// CRI (503 once containerd is killed), /ports with pod owners, /ports/check 503 with owners while a pod holds
// a port and 200 once free, /metrics as Prometheus text with the agent's figures.
import path from 'node:path';
import t from 'tap';
import { commands, runPod } from '../../../scripts/testbed/pods';
import { parsePromText } from '../../helpers/prom-text';
import { startAgent, testbedAgentArgs, writeManifests } from '../../helpers/agent';
import { canBind, freePort, waitFor, withTestbed } from '../../helpers/testbed';

t.test('HTTP endpoints of the real agent', async (t) => {
  const tb = await withTestbed(t);
  const cri = tb.cri();
  const [P, free, httpPort] = [await freePort(), await freePort(), await freePort()];
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
      ...testbedAgentArgs(tb, { node: 'node1', manifestsDir, stateDir: path.join(tb.scratch, 'state'), expectFreePorts: [P, free] }),
      '--http-listen',
      `127.0.0.1:${httpPort}`,
      '--http-owners',
      'true',
    ],
  });
  const base = `http://127.0.0.1:${httpPort}`;
  const get = async (p: string) => {
    const r = await fetch(base + p);
    return { status: r.status, type: r.headers.get('content-type') ?? '', body: await r.text() };
  };

  t.same(JSON.parse((await get('/healthz')).body), { status: 'alive' });
  const ready = await get('/readyz');
  t.equal(ready.status, 200);
  t.match(JSON.parse(ready.body), { ready: true, cri: { runtimeName: 'containerd' } });

  const ports = JSON.parse((await get('/ports')).body);
  const l = ports.listeners.find((x: any) => x.port === P);
  t.match(l.owners[0].pod, { name: 'nginx-proxy-node1', kind: 'static' }, '/ports names the owning pod');

  const held = await get(`/ports/check?ports=${P},${free}`);
  t.equal(held.status, 503, '/ports/check 503 while a pod holds a port');
  const hb = JSON.parse(held.body);
  t.equal(hb.allFree, false);
  t.match(hb.ports.find((p: any) => p.port === P).listeners[0].owners[0].pod.name, 'nginx-proxy-node1', 'with the owner');
  t.equal((await get(`/ports/check?ports=${free}`)).status, 200, '200 when all free');
  t.equal((await get('/ports/check?ports=1,x')).status, 400);

  const m1 = await get('/metrics');
  t.match(m1.type, /^text\/plain; version=0\.0\.4/);
  const s1 = parsePromText(m1.body).samples;
  const val = (s: typeof s1, name: string, labels: Record<string, string> = {}) =>
    s.find((x) => x.name === name && Object.entries(labels).every(([k, v]) => x.labels[k] === v))?.value;
  t.equal(val(s1, 'kubesweep_expected_port_held', { port: String(P) }), 1, 'metrics: the pod port is held');
  t.equal(val(s1, 'kubesweep_expected_ports_held'), 1);
  t.ok(val(s1, 'kubesweep_listening_ports', { protocol: 'tcp' })! >= 2);
  t.equal(val(s1, 'kubesweep_last_reset_timestamp_seconds'), 0, 'never reset yet');

  const out = await agent.client().reset({ confirmNode: 'node1', graceSeconds: 1 });
  t.equal(out.report.verification.verdict, 'clean');
  t.equal((await get(`/ports/check?ports=${P},${free}`)).status, 200, '200 after the reset');
  const s2 = parsePromText((await get('/metrics')).body).samples;
  t.equal(val(s2, 'kubesweep_resets_total', { result: 'clean' }), 1, 'resets_total{result=clean}');
  t.equal(val(s2, 'kubesweep_last_reset_result', { result: 'clean' }), 1, 'last verdict clean');
  t.ok(val(s2, 'kubesweep_last_reset_timestamp_seconds')! > Date.now() / 1000 - 600, 'last reset time set');
  t.equal(val(s2, 'kubesweep_expected_ports_held'), 0);
  t.ok(val(s2, 'kubesweep_grpc_calls_total', { method: 'Reset', code: 'OK' })! >= 1);
  t.ok(val(s2, 'kubesweep_agent_process_resident_memory_bytes')! > 0);

  await tb.killContainerd();
  const notReady = await get('/readyz');
  t.equal(notReady.status, 503, '/readyz 503 once the CRI is gone');
  t.match(JSON.parse(notReady.body), { ready: false, error: { code: 'KS_CRI_UNAVAILABLE' } });
  t.equal((await get('/healthz')).status, 200, '/healthz still alive');
});
