// The port report: who holds which port, in which netns, for which pod; and whether it is residue.
export { listPorts, checkPorts, validatePorts, type PortsDeps, type ListPortsOptions } from './list-ports';
export { nodeFacts, type NodeFacts } from '../host/node-facts';
export { parseProcNet, isListener, formatAddress, formatIpv6, isWildcard, type ProcNetEntry, type ProcNetParse, type Protocol, type Family } from './proc-net';
export { parseCgroup, idsFromPath, type CgroupIds } from './cgroup';
export { parseBundleConfig, type BundleFacts } from './bundle';
export { podKindOfSandbox } from './cri-index';
export { describeListener, ownerText, endpointText } from './describe';
export * from './types';
