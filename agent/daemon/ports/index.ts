// The port report: who holds which port, in which netns, for which pod; and whether it is residue.
export { listPorts, checkPorts, validatePorts, type PortsDeps, type ListPortsOptions } from './list-ports';
export type { NodeFacts } from '../host/node-facts';
export { parseProcNet, isListener, formatAddress, formatIpv6, isWildcard, type ProcNetEntry, type ProcNetParse, type Protocol, type Family } from './proc-net';
export { parseCgroup, idsFromPath, type CgroupIds } from './cgroup';
export { parseBundleConfig, type BundleFacts } from './bundle';
export { podKindOfSandbox } from './cri-index';
export { describeListener, ownerText, endpointText } from './describe';
export * from './types';

/** Node facts for the Info call; systeminformation is loaded on first use, not with the report. */
export async function nodeFacts(): Promise<import('../host/node-facts').NodeFacts> {
  const m = require('../host/node-facts') as typeof import('../host/node-facts');
  return m.nodeFacts();
}
