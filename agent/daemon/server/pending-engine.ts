// The engine of an agent that does not know its runtime yet: no CRI endpoint configured, none
// learned, and none of the known sockets answering — at boot, an agent started before
// containerd. It serves what needs no runtime (health, the port report, node facts, Info) and
// refuses whatever acts for a runtime or asks one (reset, dry run, inspect, restore, the CRI's
// version: readiness) with the detector's latest KS_CRI_ENDPOINT_UNKNOWN, until main.ts
// restarts the agent on the one socket that answers (docs/runtime-learning.md).
import type { AgentConfig } from '../config';
import type { PortsDeps } from '../ports';
import type { KubesweepError } from '../../shared/errors';
import type { AgentEngine, SweepEngine } from './engine';
import { coalesce } from './limits';

export function createPendingEngine(config: AgentConfig, why: () => KubesweepError): AgentEngine & { close(): void } {
  const ports = (): typeof import('../ports') => require('../ports') as typeof import('../ports');
  // No CRI client and no containerd address: no socket is known to be this node's runtime, so
  // nothing is attributed to one. Owners are still read from /proc.
  const portsDeps: PortsDeps = {
    procRoot: config.procRoot,
    netnsDirs: config.netnsDirs,
    containerdNamespace: config.containerdNamespace,
    containerdDirs: config.containerdDirs,
  };
  const refuse = (): Promise<never> => Promise.reject(why());
  const sweeper: SweepEngine = { reset: refuse, inspect: refuse, restoreManifests: refuse };
  return {
    sweeper,
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
    criVersion: refuse,
    close() {},
  };
}
