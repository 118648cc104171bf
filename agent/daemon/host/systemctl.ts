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

export type UnitEnablement = { state: 'no-systemd' | 'not-found' | 'enabled' | 'disabled' | 'other'; unitFileState: string };

/** Whether `unit` starts at boot: `systemctl show -p LoadState,UnitFileState`. */
export async function unitEnablement(unit: string, opts: SystemctlOptions = {}): Promise<UnitEnablement> {
  if (!systemdRunning(opts.runDir)) return { state: 'no-systemd', unitFileState: '' };
  const bin = opts.systemctl ?? 'systemctl';
  try {
    const { stdout } = await execFileP(bin, ['show', '-p', 'LoadState,UnitFileState', '--', unit], { timeout: opts.timeoutMs ?? 30_000 });
    return classifyEnablement(parseShow(stdout));
  } catch (err) {
    const e = err as { stderr?: string; message: string };
    throw ksError('KS_UNIT_DISABLE_FAILED', `systemctl show ${unit} failed: ${(e.stderr || e.message).trim()}`, { unit }, err);
  }
}

/** `enabled`, `enabled-runtime`: started at boot (a kubelet that would re-register the node). */
export function classifyEnablement(show: Record<string, string>): UnitEnablement {
  const unitFileState = show.UnitFileState ?? '';
  if (show.LoadState === 'not-found') return { state: 'not-found', unitFileState };
  if (unitFileState.startsWith('enabled')) return { state: 'enabled', unitFileState };
  if (unitFileState === 'disabled' || unitFileState === 'masked' || unitFileState === 'masked-runtime')
    return { state: 'disabled', unitFileState };
  return { state: 'other', unitFileState };
}

/** `systemctl disable` the unit when it is enabled: 'gone' when it was not, 'skipped' without systemd. */
export async function disableUnit(unit: string, opts: SystemctlOptions = {}): Promise<UnitStopOutcome> {
  const en = await unitEnablement(unit, opts);
  if (en.state === 'no-systemd') return { outcome: 'skipped', message: 'systemd is not running on this node' };
  if (en.state === 'not-found') return { outcome: 'gone', message: `unit ${unit} is not installed` };
  if (en.state !== 'enabled')
    return { outcome: 'gone', message: `unit ${unit} is not enabled (${en.unitFileState || 'no unit file state'})` };
  const bin = opts.systemctl ?? 'systemctl';
  try {
    await execFileP(bin, ['disable', '--', unit], { timeout: opts.timeoutMs ?? 120_000 });
    return { outcome: 'done', message: `disabled ${unit} (was ${en.unitFileState})` };
  } catch (err) {
    const e = err as { stderr?: string; message: string };
    throw ksError('KS_UNIT_DISABLE_FAILED', `systemctl disable ${unit} failed: ${(e.stderr || e.message).trim()}`, { unit }, err);
  }
}
