// Prometheus metrics. The agent records its figures in plain fields; prom-client (and the ~90
// modules it pulls in, OpenTelemetry's API among them) is loaded on the first scrape only, so
// an agent nobody scrapes starts faster and idles smaller. The registry is the agent's own
// (never prom-client's global one). Port gauges are computed at scrape time from a fresh port
// check: a stale "port held" is worse than a slightly slower scrape.
import type { Registry } from 'prom-client';
import type { ResolvedDirs } from '../runtime/resolve';
import type { ResetReport } from '../sweep/types';
import type { AgentEngine } from './engine';

export type ResetResult = 'clean' | 'residue' | 'aborted' | 'failed';
const RESULTS: readonly ResetResult[] = ['clean', 'residue', 'aborted', 'failed'];

export interface AgentMetrics {
  /** The Prometheus registry, built on first use. */
  registry(): Registry;
  recordReset(r: { report?: ResetReport; error?: unknown }): void;
  recordCall(method: string, code: string, durationMs: number): void;
  /** A TLS reload attempt (tls-reload.ts) and, when known, the serving certificate's expiry. */
  recordTlsReload(result: 'reloaded' | 'unchanged' | 'failed', certNotAfterSeconds?: number): void;
  /** The serving certificate's expiry at start. */
  recordTlsExpiry(certNotAfterSeconds: number | undefined): void;
}

const TLS_RESULTS = ['reloaded', 'unchanged', 'failed'] as const;

export function resetResult(r: { report?: ResetReport; error?: unknown }): ResetResult {
  if (!r.report) return 'failed';
  if (r.report.aborted) return 'aborted';
  return r.report.verification?.verdict === 'clean' ? 'clean' : 'residue';
}

export function createMetrics(deps: {
  engine: AgentEngine;
  expectFreePorts: readonly number[];
  nodeName: string;
  version: string;
}): AgentMetrics {
  const resets = new Map<ResetResult, number>(RESULTS.map((r) => [r, 0]));
  let lastResetAt = 0;
  let lastResult: ResetResult | undefined;
  const calls = new Map<string, { method: string; code: string; n: number }>();
  const tlsReloads = new Map<string, number>(TLS_RESULTS.map((r) => [r, 0]));
  let certNotAfter: number | undefined;
  let registry: Registry | undefined;

  // Both expected-port gauges come from one port check per scrape.
  let shared: { at: number; check: ReturnType<AgentEngine['checkPorts']> } | undefined;
  const expectedCheck = (): ReturnType<AgentEngine['checkPorts']> => {
    if (!shared || Date.now() - shared.at > 1000) shared = { at: Date.now(), check: deps.engine.checkPorts(deps.expectFreePorts) };
    return shared.check;
  };

  function build(): Registry {
    const prom = require('prom-client') as typeof import('prom-client');
    const reg = new prom.Registry();
    reg.setDefaultLabels({ node: deps.nodeName });
    prom.collectDefaultMetrics({ register: reg, prefix: 'kubesweep_agent_' });
    new prom.Gauge({
      name: 'kubesweep_agent_info',
      help: 'Agent build information (always 1).',
      labelNames: ['version'],
      registers: [reg],
    }).set({ version: deps.version }, 1);
    // Dir options (runtime/resolve.ts): configured values that contradict containerd, and values
    // learned from containerd that the sanity rules refused. 1 per option; none = no series.
    const dirGauge = (name: string, help: string, pick: (r: ResolvedDirs) => readonly { option: string }[]): void => {
      new prom.Gauge({
        name,
        help,
        labelNames: ['option'],
        registers: [reg],
        collect() {
          this.reset();
          const r = deps.engine.runtimeDirs?.().resolved;
          for (const m of r ? pick(r) : []) this.set({ option: m.option }, 1);
        },
      });
    };
    dirGauge(
      'kubesweep_dir_runtime_mismatch',
      'A configured dir option that contradicts what containerd reports (1 per option).',
      (r) => r.mismatches,
    );
    dirGauge(
      'kubesweep_dir_learned_refused',
      'A dir learned from containerd that the sanity rules refused (1 per option).',
      (r) => r.refused,
    );

    new prom.Gauge({
      name: 'kubesweep_listening_ports',
      help: 'Listening sockets in the host network namespace, by protocol.',
      labelNames: ['protocol'],
      registers: [reg],
      async collect() {
        this.reset();
        const r = await deps.engine.listPorts({ allNetns: false });
        const counts = { tcp: 0, udp: 0 };
        for (const l of r.listeners) counts[l.protocol]++;
        this.set({ protocol: 'tcp' }, counts.tcp);
        this.set({ protocol: 'udp' }, counts.udp);
      },
    });
    new prom.Gauge({
      name: 'kubesweep_expected_port_held',
      help: 'Whether each port expected to be free after a reset is held (1) or free (0).',
      labelNames: ['port'],
      registers: [reg],
      async collect() {
        this.reset();
        if (deps.expectFreePorts.length === 0) return;
        for (const p of (await expectedCheck()).ports) this.set({ port: String(p.port) }, p.held ? 1 : 0);
      },
    });
    new prom.Gauge({
      name: 'kubesweep_expected_ports_held',
      help: 'How many of the ports expected to be free are held right now.',
      registers: [reg],
      async collect() {
        if (deps.expectFreePorts.length === 0) return this.set(0);
        this.set((await expectedCheck()).ports.filter((p) => p.held).length);
      },
    });
    new prom.Counter({
      name: 'kubesweep_resets_total',
      help: 'Destructive runs (reset or single step) by result.',
      labelNames: ['result'],
      registers: [reg],
      collect() {
        this.reset();
        for (const [result, n] of resets) this.inc({ result }, n);
      },
    });
    new prom.Gauge({
      name: 'kubesweep_last_reset_timestamp_seconds',
      help: 'When the last destructive run finished (unix time; 0 = never).',
      registers: [reg],
      collect() {
        this.set(lastResetAt);
      },
    });
    new prom.Gauge({
      name: 'kubesweep_last_reset_result',
      help: "The last destructive run's result: 1 for the label that applies, 0 for the others (none before the first run).",
      labelNames: ['result'],
      registers: [reg],
      collect() {
        this.reset();
        if (lastResult) for (const r of RESULTS) this.set({ result: r }, r === lastResult ? 1 : 0);
      },
    });
    new prom.Counter({
      name: 'kubesweep_grpc_calls_total',
      help: 'gRPC calls by method and status code.',
      labelNames: ['method', 'code'],
      registers: [reg],
      collect() {
        this.reset();
        for (const c of calls.values()) this.inc({ method: c.method, code: c.code }, c.n);
      },
    });
    // For alerts: a rotation that did not load (the old certificate keeps serving, and expires).
    new prom.Counter({
      name: 'kubesweep_tls_reloads_total',
      help: 'Re-reads of the TLS files (file change or SIGHUP) by result: reloaded, unchanged, failed (the previous set keeps serving).',
      labelNames: ['result'],
      registers: [reg],
      collect() {
        this.reset();
        for (const [result, n] of tlsReloads) this.inc({ result }, n);
      },
    });
    new prom.Gauge({
      name: 'kubesweep_tls_certificate_expiry_timestamp_seconds',
      help: 'When the server certificate new handshakes get expires (unix time; 0 without TCP listeners).',
      registers: [reg],
      collect() {
        this.set(certNotAfter ?? 0);
      },
    });
    return reg;
  }

  return {
    recordTlsExpiry(notAfter) {
      certNotAfter = notAfter;
    },
    recordTlsReload(result, notAfter) {
      tlsReloads.set(result, (tlsReloads.get(result) ?? 0) + 1);
      if (notAfter !== undefined) certNotAfter = notAfter;
    },
    registry() {
      registry ??= build();
      return registry;
    },
    recordReset(r) {
      const result = resetResult(r);
      resets.set(result, (resets.get(result) ?? 0) + 1);
      lastResetAt = Date.now() / 1000;
      lastResult = result;
    },
    recordCall(method, code) {
      const k = `${method}\0${code}`;
      const c = calls.get(k);
      if (c) c.n++;
      else calls.set(k, { method, code, n: 1 });
    },
  };
}
