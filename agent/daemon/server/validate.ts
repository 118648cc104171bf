// Request validation: every field bounded and checked before any handler acts on it. No
// request field is ever used as a path: backup ids must match a strict pattern here AND the
// engine's own isBackupId, and the engine joins them under its state dir itself.
import { ksError } from '../../shared/errors';
import { CLEANUP_KINDS, isCleanupKind, type CleanupKind } from '../../shared/kinds';
import { POD_KINDS, type PodKind } from '../../shared/pod-kind';
import type { PodScope } from '../sweep/types';

export const LIMITS = Object.freeze({
  nodeName: 253,
  scopeItems: 3,
  graceSeconds: 3600,
  ports: 1024,
  backupId: 64,
});

/** Our own outer bound on backup ids, whatever the engine's pattern: no separators, no dots first. */
const BACKUP_ID_OUTER = /^[A-Za-z0-9][A-Za-z0-9_-]*(?:\.[A-Za-z0-9_-]+)*$/;

export interface ResetRequestIn {
  confirmNode?: unknown;
  dryRun?: unknown;
  scope?: unknown;
  graceSeconds?: unknown;
  expectFreePorts?: unknown;
  withKinds?: unknown;
  withoutKinds?: unknown;
}

export interface ValidReset {
  confirmNode: string;
  dryRun: boolean;
  scope: PodScope;
  graceSeconds?: number;
  expectFreePorts?: number[];
  withKinds?: CleanupKind[];
  withoutKinds?: CleanupKind[];
}

/** Cleanup kinds (agent/shared/kinds.ts), duplicates dropped; empty → undefined. */
export function validKinds(field: string, v: unknown): CleanupKind[] | undefined {
  if (v === undefined || v === null) return undefined;
  if (!Array.isArray(v)) bad(field, 'must be a list of kinds');
  if (v.length > CLEANUP_KINDS.length) bad(field, `at most ${CLEANUP_KINDS.length} kinds (${CLEANUP_KINDS.join(', ')})`);
  const out: CleanupKind[] = [];
  for (const k of v) {
    if (typeof k !== 'string' || !isCleanupKind(k)) bad(field, `unknown kind (${CLEANUP_KINDS.join(', ')})`, k);
    if (!out.includes(k)) out.push(k);
  }
  return out.length ? out : undefined;
}

function bad(field: string, msg: string, value?: unknown): never {
  throw ksError('KS_INVALID_ARGUMENT', `${field}: ${msg}`, value === undefined ? { field } : { field, value: preview(value) });
}

function preview(v: unknown): string {
  const s = typeof v === 'string' ? v : (JSON.stringify(v) ?? String(v));
  return s.length > 64 ? `${s.slice(0, 64)}…` : s;
}

export function validConfirmNode(v: unknown): string {
  if (v === undefined || v === null) return '';
  if (typeof v !== 'string') bad('confirm_node', 'must be a string');
  if (v.length > LIMITS.nodeName) bad('confirm_node', `longer than ${LIMITS.nodeName} characters`);
  // eslint-disable-next-line no-control-regex -- refusing control characters is the point
  if (/[\x00-\x1f\x7f]/.test(v)) bad('confirm_node', 'contains control characters');
  return v;
}

export function validBool(field: string, v: unknown): boolean {
  if (v === undefined || v === null) return false;
  if (typeof v !== 'boolean') bad(field, 'must be a boolean');
  return v;
}

export function validScope(v: unknown): PodScope {
  if (v === undefined || v === null) return 'all';
  if (!Array.isArray(v)) bad('scope', 'must be a list of pod kinds');
  if (v.length === 0) return 'all';
  if (v.length > LIMITS.scopeItems) bad('scope', `at most ${LIMITS.scopeItems} kinds (${POD_KINDS.join(', ')})`);
  const out: PodKind[] = [];
  for (const k of v) {
    if (typeof k !== 'string' || !POD_KINDS.includes(k as PodKind)) bad('scope', `unknown pod kind (expected ${POD_KINDS.join(', ')})`, k);
    if (out.includes(k as PodKind)) bad('scope', 'kind given twice', k);
    out.push(k as PodKind);
  }
  return out;
}

export function validGrace(v: unknown, present: boolean): number | undefined {
  if (!present || v === undefined || v === null) return undefined;
  if (typeof v !== 'number' || !Number.isInteger(v) || v < 0 || v > LIMITS.graceSeconds)
    bad('grace_seconds', `must be 0-${LIMITS.graceSeconds}`, v);
  return v;
}

/** Ports 1-65535, at most LIMITS.ports, duplicates dropped; empty → undefined (= configured set). */
export function validPorts(field: string, v: unknown): number[] | undefined {
  if (v === undefined || v === null) return undefined;
  if (!Array.isArray(v)) bad(field, 'must be a list of ports');
  if (v.length === 0) return undefined;
  if (v.length > LIMITS.ports) bad(field, `at most ${LIMITS.ports} ports`);
  for (const p of v) {
    if (typeof p !== 'number' || !Number.isInteger(p) || p < 1 || p > 65535) bad(field, 'port out of range 1-65535', p);
  }
  return [...new Set(v as number[])];
}

/** proto3 `optional`: proto-loader leaves an absent field out (and marks a present one in `_field`). */
function hasOptional(req: Record<string, unknown>, field: string): boolean {
  return req[field] !== undefined && req[field] !== null;
}

export function validResetRequest(req: ResetRequestIn | undefined, opts: { withPorts: boolean }): ValidReset {
  const r = (req ?? {}) as Record<string, unknown>;
  const out: ValidReset = {
    confirmNode: validConfirmNode(r.confirmNode),
    dryRun: validBool('dry_run', r.dryRun),
    scope: validScope(r.scope),
  };
  const grace = validGrace(r.graceSeconds, hasOptional(r, 'graceSeconds'));
  if (grace !== undefined) out.graceSeconds = grace;
  if (opts.withPorts) {
    const ports = validPorts('expect_free_ports', r.expectFreePorts);
    if (ports) out.expectFreePorts = ports;
    const withKinds = validKinds('with_kinds', r.withKinds);
    const withoutKinds = validKinds('without_kinds', r.withoutKinds);
    const both = (withKinds ?? []).filter((k) => withoutKinds?.includes(k));
    if (both.length) bad('with_kinds', `also in without_kinds: ${both.join(', ')}`);
    if (withKinds) out.withKinds = withKinds;
    if (withoutKinds) out.withoutKinds = withoutKinds;
  }
  return out;
}

export function validBackupId(v: unknown, engineCheck: (s: string) => boolean): string | undefined {
  if (v === undefined || v === null || v === '') return undefined;
  if (typeof v !== 'string') bad('backup_id', 'must be a string');
  if (v.length > LIMITS.backupId || !BACKUP_ID_OUTER.test(v) || !engineCheck(v)) bad('backup_id', 'not a backup id', v);
  return v;
}

export function validRestoreRequest(req: unknown, engineCheck: (s: string) => boolean): { confirmNode: string; backupId?: string } {
  const r = (req ?? {}) as Record<string, unknown>;
  const out: { confirmNode: string; backupId?: string } = { confirmNode: validConfirmNode(r.confirmNode) };
  const id = validBackupId(r.backupId, engineCheck);
  if (id !== undefined) out.backupId = id;
  return out;
}

export function validListPortsRequest(req: unknown): { allNetns: boolean } {
  const r = (req ?? {}) as Record<string, unknown>;
  return { allNetns: validBool('all_netns', r.allNetns) };
}

export function validCheckPortsRequest(req: unknown): { ports?: number[] } {
  const r = (req ?? {}) as Record<string, unknown>;
  const ports = validPorts('ports', r.ports);
  return ports ? { ports } : {};
}

/** `6443,10250` from an HTTP query string. */
export function parsePortList(q: unknown): number[] | undefined {
  if (q === undefined || q === '') return undefined;
  if (typeof q !== 'string') bad('ports', 'must be given once, comma-separated');
  if (q.length > LIMITS.ports * 6) bad('ports', 'too long');
  const parts = q
    .split(',')
    .map((s) => s.trim())
    .filter((s) => s !== '');
  const nums = parts.map((s) => (/^\d{1,5}$/.test(s) ? Number(s) : NaN));
  if (nums.some((n) => Number.isNaN(n))) bad('ports', 'must be comma-separated port numbers', q);
  return validPorts('ports', nums);
}

/** `?all_netns=true|1|false|0` (absent or empty = false). */
export function parseBoolQuery(field: string, q: unknown): boolean {
  if (q === undefined || q === '') return false;
  if (q === 'true' || q === '1') return true;
  if (q === 'false' || q === '0') return false;
  bad(field, 'must be true, false, 1 or 0', q);
}
