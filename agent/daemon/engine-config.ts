// The sweep engine's config, derived from the validated agent config: the agent's bounds are the
// only ones (options.ts), so nothing here validates again.
import { ksError } from '../shared/errors';
import { unixSocketPath } from '../shared/endpoint';
import { resolveConfig, type AgentConfig } from './config';
import type { SweepConfig } from './sweep/types';

/** containerd's address is the CRI socket's path unless given (a testbed may differ). */
export function toSweepConfig(config: AgentConfig, containerdAddress = unixSocketPath(config.criEndpoint)!): SweepConfig {
  return Object.freeze({
    nodeName: config.nodeName,
    criEndpoint: config.criEndpoint,
    containerdAddress,
    containerdNamespace: config.containerdNamespace,
    containerdDirs: config.containerdDirs,
    manifestsDir: config.manifestsDir,
    netnsDirs: config.netnsDirs,
    stateDir: config.stateDir,
    cniConfDir: config.cniConfDir,
    // The CNI teardown fallback releases leases in one dir: the first configured.
    cniIpamDir: config.cniIpamDirs[0] ?? '',
    kubeletUnit: config.kubeletUnit,
    expectFreePorts: config.expectFreePorts,
    graceSeconds: config.graceSeconds,
    criTimeoutMs: config.criTimeoutMs,
    parallelism: config.parallelism,
    retries: config.retries,
    procRoot: config.procRoot,
    kubeletDir: config.kubeletDir,
    cniConfPatterns: config.cniConfPatterns,
    cniIpamDirs: config.cniIpamDirs,
    cniCacheDir: config.cniCacheDir,
    linkPatterns: config.linkPatterns,
    firewallPrefixes: config.firewallPrefixes,
  });
}

/**
 * An engine config from the agent's defaults and validation, for the engine's tests, the testbed
 * and the benchmarks: throws one KS_CONFIG_INVALID listing every problem.
 */
export function defaultSweepConfig(overrides: Partial<SweepConfig> = {}): SweepConfig {
  const { containerdAddress, ...options } = overrides;
  const { config, problems } = resolveConfig(options);
  if (!config) throw ksError('KS_CONFIG_INVALID', `invalid sweep config: ${problems.join('; ')}`, { problems });
  return toSweepConfig(config, containerdAddress);
}
