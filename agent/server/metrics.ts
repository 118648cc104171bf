// Prometheus metrics on the agent's own registry (never prom-client's global one, so tests and
// several agents in one process cannot collide). Port gauges are computed at scrape time from a
// fresh port report: a stale "port held" is worse than a slightly slower scrape.
import { Counter, Gauge, Registry, collectDefaultMetrics } from 'prom-client';
import type { ResetReport } from '../sweep/types';
import type { AgentEngine } from './engine';

export type ResetResult = 'clean' | 'residue' | 'aborted' | 'failed';

export interface AgentMetrics {
  registry: Registry;
  recordReset(r: { report?: ResetReport; error?: unknown }): void;
  recordCall(method: string, code: string, durationMs: number): void;
}

export function resetResult(r: { report?: ResetReport; error?: unknown }): ResetResult {
  if (!r.report) return 'failed';
  if (r.report.aborted) return 'aborted';
  return r.report.verification?.verdict === 'clean' ? 'clean' : 'residue';
}

export function createMetrics(deps: { engine: AgentEngine; expectFreePorts: readonly number[]; nodeName: string; version: string }): AgentMetrics {
  // Both expected-port gauges come from one port check per scrape.
  let shared: { at: number; check: ReturnType<AgentEngine['checkPorts']> } | undefined;
  const expectedCheck = (): ReturnType<AgentEngine['checkPorts']> => {
    if (!shared || Date.now() - shared.at > 1000) shared = { at: Date.now(), check: deps.engine.checkPorts(deps.expectFreePorts) };
    return shared.check;
  };
  const registry = new Registry();
  registry.setDefaultLabels({ node: deps.nodeName });
  collectDefaultMetrics({ register: registry, prefix: 'kubesweep_agent_' });

  new Gauge({ name: 'kubesweep_agent_info', help: 'Agent build information (always 1).', labelNames: ['version'], registers: [registry] }).set({ version: deps.version }, 1);

  new Gauge({
    name: 'kubesweep_listening_ports',
    help: 'Listening sockets in the host network namespace, by protocol.',
    labelNames: ['protocol'],
    registers: [registry],
    async collect() {
      this.reset();
      const r = await deps.engine.listPorts({ allNetns: false });
      const counts = { tcp: 0, udp: 0 };
      for (const l of r.listeners) counts[l.protocol]++;
      this.set({ protocol: 'tcp' }, counts.tcp);
      this.set({ protocol: 'udp' }, counts.udp);
    },
  });

  new Gauge({
    name: 'kubesweep_expected_port_held',
    help: 'Whether each port expected to be free after a reset is held (1) or free (0).',
    labelNames: ['port'],
    registers: [registry],
    async collect() {
      this.reset();
      if (deps.expectFreePorts.length === 0) return;
      const c = await expectedCheck();
      for (const p of c.ports) this.set({ port: String(p.port) }, p.held ? 1 : 0);
    },
  });

  new Gauge({
    name: 'kubesweep_expected_ports_held',
    help: 'How many of the ports expected to be free are held right now.',
    registers: [registry],
    async collect() {
      if (deps.expectFreePorts.length === 0) return this.set(0);
      const c = await expectedCheck();
      this.set(c.ports.filter((p) => p.held).length);
    },
  });

  const resets = new Counter({ name: 'kubesweep_resets_total', help: 'Destructive runs (reset or single step) by result.', labelNames: ['result'], registers: [registry] });
  for (const r of ['clean', 'residue', 'aborted', 'failed']) resets.inc({ result: r }, 0);
  const lastTime = new Gauge({ name: 'kubesweep_last_reset_timestamp_seconds', help: 'When the last destructive run finished (unix time; 0 = never).', registers: [registry] });
  lastTime.set(0);
  const lastVerdict = new Gauge({
    name: 'kubesweep_last_reset_result',
    help: 'The last destructive run\'s result: 1 for the label that applies, 0 for the others.',
    labelNames: ['result'],
    registers: [registry],
  });
  const calls = new Counter({ name: 'kubesweep_grpc_calls_total', help: 'gRPC calls by method and status code.', labelNames: ['method', 'code'], registers: [registry] });

  return {
    registry,
    recordReset(r) {
      const result = resetResult(r);
      resets.inc({ result });
      lastTime.set(Date.now() / 1000);
      for (const x of ['clean', 'residue', 'aborted', 'failed']) lastVerdict.set({ result: x }, x === result ? 1 : 0);
    },
    recordCall(method, code) {
      calls.inc({ method, code });
    },
  };
}
