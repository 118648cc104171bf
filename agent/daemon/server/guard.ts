// The confirmation in front of every destructive call (shared/rpc-policy.ts says which): the
// caller must name this node. The adapter checks it; the one lock is destructive-lock.ts.
import { ksError } from '../../shared/errors';
import { terminalSafe } from '../../shared/terminal-safe';

export function checkConfirmNode(confirmNode: string, nodeName: string, method: string): void {
  if (confirmNode !== nodeName) {
    throw ksError(
      'KS_CONFIRM_MISMATCH',
      confirmNode === ''
        ? `${method}: confirm_node is required and must be this node's name`
        : `${method}: confirm_node "${terminalSafe(confirmNode)}" is not this node (this agent runs on "${terminalSafe(nodeName)}")`,
      {
        // Echoed in the answer and the log: shown escaped, never as the caller's raw bytes.
        confirmNode: terminalSafe(confirmNode),
        nodeName,
      },
    );
  }
}
