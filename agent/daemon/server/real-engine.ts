// The AgentEngine the daemon serves: the real Sweeper, the port reporter and the CRI client.
// Each is built on first use (the CRI proto, the engine's and the port reporter's modules are
// not needed to answer a health check), so an idle agent starts faster and stays smaller.
import type pino from 'pino';
import type { AgentConfig } from '../config';
import type { CriClient } from '../cri/client';
import type { DestructiveLock } from '../destructive-lock';
import { toSweepConfig } from '../engine-config';
import type { PortsDeps } from '../ports';
import type { RuntimeLearner } from '../runtime/learn';
import type { Sweeper, SweepConfig } from '../sweep';
import type { AgentEngine, SweepEngine } from './engine';
import { coalesce } from './limits';

/**
 * With a learner, the engine's dirs are the learner's resolved ones, asked again before each plan
 * (reset, dry run, inspect): the Sweeper is rebuilt when they changed. `lock` is the agent's one
 * destructive lock: the engine takes it for a reset nobody else holds it for.
 */
export function createRealEngine(
  config: AgentConfig,
  sweepConfigOrLearner: SweepConfig | RuntimeLearner,
  log: pino.Logger,
  lock: DestructiveLock,
): AgentEngine & { close(): void; criClient(): CriClient } {
  let cri: CriClient | undefined;
  let sweeper: Sweeper | undefined;
  const learner = 'refresh' in sweepConfigOrLearner ? sweepConfigOrLearner : undefined;
  const current = (): SweepConfig =>
    learner ? toSweepConfig({ ...config, ...learner.resolved.values } as AgentConfig) : (sweepConfigOrLearner as SweepConfig);
  let sweepConfig = current();
  /** Before each plan: ask containerd, and use the dirs it tells from now on. */
  const relearn = async (): Promise<void> => {
    if (!learner) return;
    await learner.refresh();
    const next = current();
    if (JSON.stringify(next) !== JSON.stringify(sweepConfig)) {
      sweepConfig = next;
      sweeper = undefined;
    }
  };
  const getCri = (): CriClient => {
    if (!cri) {
      const { CriClient: Ctor } = require('../cri/client') as typeof import('../cri/client');
      // Reads (list, status, version) keep the client's own short deadline; the engine gives
      // each teardown call config.criTimeoutMs itself.
      cri = new Ctor({ endpoint: config.criEndpoint });
    }
    return cri;
  };
  const ports = (): typeof import('../ports') => require('../ports') as typeof import('../ports');
  const portsDeps: PortsDeps = {
    procRoot: config.procRoot,
    get cri() {
      return getCri();
    },
    get netnsDirs() {
      return sweepConfig.netnsDirs;
    },
    containerdAddress: sweepConfig.containerdAddress,
    containerdNamespace: config.containerdNamespace,
    get containerdDirs() {
      return sweepConfig.containerdDirs;
    },
  };
  const getSweeper = (): Sweeper => {
    if (!sweeper) {
      const { Sweeper: Ctor } = require('../sweep') as typeof import('../sweep');
      sweeper = new Ctor(sweepConfig, {
        cri: getCri(),
        log,
        lock,
        checkPorts: (p) => ports().checkPorts(p, portsDeps),
        listPorts: () => ports().listPorts({ allNetns: false }, portsDeps),
      });
    }
    return sweeper;
  };
  // Concurrent identical reads (a dashboard, probes and an operator at once — or a flood)
  // share one /proc scan or CRI round; the engine's own reads during a reset do not.
  const inspect = coalesce(
    async () => {
      await relearn();
      return getSweeper().inspect();
    },
    () => 'inspect',
  );
  const sweeperView: SweepEngine = {
    reset: async (o, ev, sig) => {
      await relearn();
      return getSweeper().reset(o, ev, sig);
    },
    inspect,
    restoreManifests: (id) => getSweeper().restoreManifests(id),
  };
  return {
    get sweeper(): SweepEngine {
      return sweeperView;
    },
    listPorts: coalesce(
      (opts: { allNetns?: boolean }) => ports().listPorts(opts, portsDeps),
      (opts) => `all=${!!opts.allNetns}`,
    ),
    checkPorts: coalesce(
      (p: readonly number[]) => ports().checkPorts(p, portsDeps),
      (p) => p.join(','),
    ),
    nodeFacts: coalesce(
      () => ports().nodeFacts(),
      () => 'facts',
    ),
    criVersion: coalesce(
      () => getCri().version(),
      () => 'version',
    ),
    ...(learner ? { runtimeDirs: () => learner } : {}),
    criClient: getCri,
    close() {
      learner?.stop();
      cri?.close();
    },
  };
}
