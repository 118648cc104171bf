// The AgentEngine the daemon serves: the real Sweeper, the port reporter and the CRI client.
// Each is built on first use (the CRI proto, the engine's and the port reporter's modules are
// not needed to answer a health check), so an idle agent starts faster and stays smaller.
import type pino from 'pino';
import type { AgentConfig } from '../config';
import type { CriClient } from '../cri/client';
import type { DestructiveLock } from '../destructive-lock';
import type { PortsDeps } from '../ports';
import type { Sweeper, SweepConfig } from '../sweep';
import type { AgentEngine, SweepEngine } from './engine';
import { coalesce } from './limits';

/** `lock` is the agent's one destructive lock: the engine takes it for a reset nobody else holds it for. */
export function createRealEngine(config: AgentConfig, sweepConfig: SweepConfig, log: pino.Logger, lock: DestructiveLock): AgentEngine & { close(): void } {
  let cri: CriClient | undefined;
  let sweeper: Sweeper | undefined;
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
    netnsDirs: config.netnsDirs,
    containerdAddress: sweepConfig.containerdAddress,
    containerdNamespace: config.containerdNamespace,
    containerdDirs: config.containerdDirs,
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
    () => getSweeper().inspect(),
    () => 'inspect',
  );
  const sweeperView: SweepEngine = {
    reset: (o, ev, sig) => getSweeper().reset(o, ev, sig),
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
    close() {
      cri?.close();
    },
  };
}
