// The port report: who holds which port, in which netns, for which pod; and whether it is residue.
// The parsers and readers it is built from are imported from their own modules.
export { listPorts, checkPorts, type PortsDeps, type ListPortsOptions } from './list-ports';
export type { NodeFacts } from '../host/node-facts';
export * from './types';

/** Node facts for the Info call; systeminformation is loaded on first use, not with the report. */
export async function nodeFacts(): Promise<import('../host/node-facts').NodeFacts> {
  const m = require('../host/node-facts') as typeof import('../host/node-facts');
  return m.nodeFacts();
}
