// Stopping the kubelet unit. On a node without systemd (a container, this CI machine) there is
// nothing to stop: that is reported as skipped, never as an error.
import { execFile } from 'node:child_process';
import { existsSync } from 'node:fs';
import { promisify } from 'node:util';
import { ksError } from '../../shared/errors';

const execFileP = promisify(execFile);

/** sd_booted(3): systemd is PID 1 iff this directory exists. */
export const SYSTEMD_RUN_DIR = '/run/systemd/system';

export function systemdRunning(runDir = SYSTEMD_RUN_DIR): boolean {
  return existsSync(runDir);
}

export type UnitStopOutcome = { outcome: 'done' | 'gone' | 'skipped'; message: string };

export interface SystemctlOptions {
  runDir?: string;
  /** The systemctl binary (tests point it at a fixture script). */
  systemctl?: string;
  timeoutMs?: number;
}

/** Parse `systemctl show -p LoadState,ActiveState` output into a map. */
export function parseShow(text: string): Record<string, string> {
  const out: Record<string, string> = {};
  for (const line of text.split('\n')) {
    const i = line.indexOf('=');
    if (i > 0) out[line.slice(0, i).trim()] = line.slice(i + 1).trim();
  }
  return out;
}

/** Stop `unit`: 'gone' if it is not loaded or already inactive, 'skipped' without systemd. */
export async function stopUnit(unit: string, opts: SystemctlOptions = {}): Promise<UnitStopOutcome> {
  if (!systemdRunning(opts.runDir)) return { outcome: 'skipped', message: 'systemd is not running on this node' };
  const bin = opts.systemctl ?? 'systemctl';
  const timeout = opts.timeoutMs ?? 120_000;
  try {
    const { stdout } = await execFileP(bin, ['show', '-p', 'LoadState,ActiveState', '--', unit], { timeout });
    const show = parseShow(stdout);
    if (show.LoadState === 'not-found') return { outcome: 'gone', message: `unit ${unit} is not installed` };
    if (show.ActiveState === 'inactive' || show.ActiveState === 'failed') {
      return { outcome: 'gone', message: `unit ${unit} is already ${show.ActiveState}` };
    }
    await execFileP(bin, ['stop', '--', unit], { timeout });
    return { outcome: 'done', message: `stopped ${unit}` };
  } catch (err) {
    const e = err as { stderr?: string; message: string };
    throw ksError('KS_UNIT_STOP_FAILED', `systemctl stop ${unit} failed: ${(e.stderr || e.message).trim()}`, { unit }, err);
  }
}
