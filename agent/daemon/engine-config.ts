// The sweep engine's config, derived from the validated agent config: the agent's bounds are the
// only ones (options.ts), so nothing here validates again. It is a pick of the option values the
// engine reads, plus two values derived from them; every option is either picked or listed as the
// agent's own, so a new option cannot be forgotten here without the build failing.
import { ksError } from '../shared/errors';
import { unixSocketPath } from '../shared/endpoint';
import { resolveConfig } from './config';
import type { OptionName, OptionValues } from './options';
import type { SweepConfig } from './sweep/types';

/** The options the engine reads: its config holds each under the option's own name. */
export const ENGINE_OPTIONS = [
  'nodeName',
  'criEndpoint',
  'containerdNamespace',
  'containerdDirs',
  'manifestsDir',
  'netnsDirs',
  'stateDir',
  'cniConfDir',
  'kubeletUnit',
  'expectFreePorts',
  'graceSeconds',
  'criTimeoutMs',
  'parallelism',
  'retries',
  'procRoot',
  'kubeletDir',
  'cniConfPatterns',
  'cniIpamDirs',
  'cniCacheDir',
  'linkPatterns',
  'firewallPrefixes',
  'etcdDataDir',
  'etcdPorts',
  'kubernetesDir',
  'kubeletPorts',
  'firewallNftTables',
  'podCgroupParents',
] as const satisfies readonly OptionName[];

/** The options only the agent around the engine reads (servers, TLS, logging, limits). */
export const AGENT_ONLY_OPTIONS = [
  'listen',
  'tlsCert',
  'tlsKey',
  'tlsClientCa',
  'tlsCrl',
  'roles',
  'httpListen',
  'httpOwners',
  'logLevel',
  'maxRequestBytes',
  'maxReadCalls',
  'httpMaxRequests',
  'httpMaxConnections',
  'maxMemoryMiB',
  'shutdownTimeoutMs',
  // Read by the runtime learner (runtime/), which hands the engine the dirs it resolves.
  'containerdConfig',
] as const satisfies readonly OptionName[];

export type EngineOption = (typeof ENGINE_OPTIONS)[number];
type Undecided = Exclude<OptionName, EngineOption | (typeof AGENT_ONLY_OPTIONS)[number]>;
/** Fails to compile naming the option when one is neither the engine's nor the agent's own. */
const everyOptionDecided: [Undecided] extends [never] ? true : { undecided: Undecided } = true;
void everyOptionDecided;

/** What the engine's config holds beyond the picked options, each derived from them. */
type Derived = Omit<SweepConfig, EngineOption>;

/** containerd's address is the CRI socket's path unless given (a testbed may differ). */
export function toSweepConfig(
  config: Pick<OptionValues, EngineOption>,
  containerdAddress = unixSocketPath(config.criEndpoint)!,
): SweepConfig {
  const picked = Object.fromEntries(ENGINE_OPTIONS.map((k) => [k, config[k]])) as Pick<OptionValues, EngineOption>;
  const derived: Derived = {
    containerdAddress,
    // The CNI teardown fallback releases leases in one dir: the first configured.
    cniIpamDir: config.cniIpamDirs[0] ?? '',
  };
  const out: SweepConfig = { ...picked, ...derived };
  return Object.freeze(out);
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
