// Exit codes from results: 0 done / clean / all free, 1 the node is not clean or a port is
// held, 2 usage, connection or refusal. A fan-out exits with its worst node's code.
import type { Out } from '../shared/api-types';
import type { CommandResult, ExitCode } from './types';

/** A reset is clean only when the agent verified it and the run was not cut short. */
export function reportExitCode(r: Out<'ResetReport'>, wholeReset: boolean): ExitCode {
  if (r.aborted) return 1;
  if (r.dryRun) return 0;
  if (r.steps.some((s) => s.status === 'failed' || s.status === 'partial')) return 1;
  if (wholeReset) return r.verification?.verdict === 'clean' ? 0 : 1;
  return r.verification && r.verification.verdict !== 'clean' ? 1 : 0;
}

export function exitCodeOf(result: CommandResult): ExitCode {
  switch (result.command) {
    case 'reset':
      return reportExitCode(result.value, true);
    case 'stop-pods':
    case 'wipe-manifests':
    case 'remove-netns':
      return reportExitCode(result.value, false);
    case 'check-ports':
      return result.value.allFree && result.value.ports.every((p) => !p.held) ? 0 : 1;
    default:
      return 0;
  }
}

export function worstExitCode(codes: Iterable<ExitCode>): ExitCode {
  let worst: ExitCode = 0;
  for (const c of codes) if (c > worst) worst = c;
  return worst;
}
