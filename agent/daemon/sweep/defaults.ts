// The engine's defaults (a Kubespray node) and one validation of a SweepConfig, reporting
// every problem at once.
import { hostname } from 'node:os';
import { ksError } from '../../shared/errors';
import { KUBESPRAY_NODE_PORTS } from '../ports/types';
import type { SweepConfig } from './types';

// Teardown calls mostly wait (runc, CNI plugins, shim exits), so more calls in flight than cores
// keeps containerd busy; measured on 2 cores: 4 in flight was 1.1–1.5x slower than unbounded,
// 16 matched it (scripts/bench/reset.ts).
export const DEFAULT_PARALLELISM = 16;

/** A Kubespray node's defaults: the one source for the engine and for the agent's config. */
export const NODE_DEFAULTS = Object.freeze({
  criEndpoint: 'unix:///run/containerd/containerd.sock',
  containerdNamespace: 'k8s.io',
  containerdDirs: Object.freeze(['/run/containerd', '/var/lib/containerd']),
  manifestsDir: '/etc/kubernetes/manifests',
  netnsDirs: Object.freeze(['/var/run/netns']),
  stateDir: '/var/lib/kubesweep',
  kubeletUnit: 'kubelet.service',
  expectFreePorts: KUBESPRAY_NODE_PORTS,
  graceSeconds: 10,
  criTimeoutMs: 60_000,
  parallelism: DEFAULT_PARALLELISM,
  retries: 3,
  procRoot: '/proc',
});

export function defaultSweepConfig(overrides: Partial<SweepConfig> = {}): SweepConfig {
  const criEndpoint = overrides.criEndpoint ?? NODE_DEFAULTS.criEndpoint;
  const cfg: SweepConfig = {
    ...NODE_DEFAULTS,
    nodeName: hostname(),
    criEndpoint,
    containerdAddress: overrides.containerdAddress ?? criEndpoint.replace(/^unix:\/\//, ''),
    ...overrides,
  };
  return validateSweepConfig(cfg);
}

/** Check every field; throws KS_CONFIG_INVALID listing all problems; returns a frozen copy. */
export function validateSweepConfig(cfg: SweepConfig): SweepConfig {
  const problems: string[] = [];
  const abs = (name: string, p: unknown) => {
    if (typeof p !== 'string' || !p.startsWith('/')) problems.push(`${name} must be an absolute path (got ${JSON.stringify(p)})`);
    else if (p === '/' ) problems.push(`${name} must not be /`);
  };
  abs('manifestsDir', cfg.manifestsDir);
  abs('stateDir', cfg.stateDir);
  abs('procRoot', cfg.procRoot);
  abs('containerdAddress', cfg.containerdAddress);
  if (!Array.isArray(cfg.netnsDirs) || cfg.netnsDirs.length === 0) problems.push('netnsDirs must list at least one dir');
  else cfg.netnsDirs.forEach((d, i) => abs(`netnsDirs[${i}]`, d));
  if (!Array.isArray(cfg.containerdDirs)) problems.push('containerdDirs must be a list');
  else cfg.containerdDirs.forEach((d, i) => abs(`containerdDirs[${i}]`, d));
  if (!cfg.containerdNamespace) problems.push('containerdNamespace must not be empty');
  if (!cfg.criEndpoint) problems.push('criEndpoint must not be empty');
  if (typeof cfg.kubeletUnit !== 'string' || (cfg.kubeletUnit !== '' && !/^[A-Za-z0-9:_.@\\-]+$/.test(cfg.kubeletUnit))) problems.push(`kubeletUnit ${JSON.stringify(cfg.kubeletUnit)} is not a unit name`);
  const num = (name: string, v: unknown, min: number, max: number, int = true) => {
    if (typeof v !== 'number' || !Number.isFinite(v) || v < min || v > max || (int && !Number.isInteger(v))) problems.push(`${name} must be a${int ? 'n integer' : ' number'} in [${min}, ${max}] (got ${JSON.stringify(v)})`);
  };
  num('graceSeconds', cfg.graceSeconds, 0, 3600, false);
  num('criTimeoutMs', cfg.criTimeoutMs, 100, 3_600_000);
  num('parallelism', cfg.parallelism, 1, 256);
  num('retries', cfg.retries, 0, 20);
  if (!Array.isArray(cfg.expectFreePorts) || cfg.expectFreePorts.some((p) => !Number.isInteger(p) || p < 1 || p > 65535)) problems.push('expectFreePorts must be ports in 1..65535');
  if (problems.length) throw ksError('KS_CONFIG_INVALID', `invalid sweep config: ${problems.join('; ')}`, { problems });
  return Object.freeze({
    ...cfg,
    containerdDirs: Object.freeze([...cfg.containerdDirs]),
    netnsDirs: Object.freeze([...cfg.netnsDirs]),
    expectFreePorts: Object.freeze([...cfg.expectFreePorts]),
  });
}
