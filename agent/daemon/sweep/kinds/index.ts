// The cleanup kinds, one module each: this list is the one place a kind is declared. Reading the
// residue (snapshot, verify, inspect), the verify step's checks, what is left after a run and the
// inventory are loops over it, and the steps list (../steps) takes each kind's step from it.
// Order: the order the after-pods steps run in and verify reports (kubelet-unit's step runs
// before the pods go, right after the kubelet stops).
import { CLEANUP_KINDS, type CleanupKind } from '../../../shared/kinds';
import type { Check } from '../actions';
import type { CriClient } from '../../cri/client';
import { type Liveness, livenessNow } from '../liveness';
import { failed, type NodeResidue, type ResidueDeps } from '../residue';
import type { PlanContext } from '../step';
import type { Residue, SweepConfig } from '../types';
import { cniCache } from './cni-cache';
import { cniConfig } from './cni-config';
import { firewall } from './firewall';
import { ipam } from './ipam';
import type { KindInventory, KindModule, LookNow } from './kind';
import { kubeletMounts } from './kubelet-mounts';
import { kubeletUnit } from './kubelet-unit';
import { links } from './links';
import { etcdData } from './etcd-data';
import { kubeletState } from './kubelet-state';
import { podCgroups } from './pod-cgroups';

export const KINDS = [kubeletMounts, podCgroups, ipam, cniCache, cniConfig, links, firewall, kubeletUnit, etcdData, kubeletState] as const;

// Every kind of agent/shared/kinds.ts has its module here (a compile error otherwise).
type Unlisted = Exclude<CleanupKind, (typeof KINDS)[number]['name']>;
const everyKindListed: [Unlisted] extends [never] ? true : Unlisted = true;
void everyKindListed;

/** The list as the engine drives it: each module through the contract (its residue type is its own business). */
export const KIND_MODULES: readonly KindModule[] = KINDS;

const BY_NAME: ReadonlyMap<string, KindModule> = new Map(KIND_MODULES.map((k) => [k.name, k]));

export function kindNamed(name: CleanupKind): KindModule {
  // Total: the check above makes every CleanupKind a key.
  return BY_NAME.get(name)!;
}

async function readOne(kind: KindModule, config: SweepConfig, deps: ResidueDeps): Promise<object | undefined> {
  try {
    return await kind.read(config, deps);
  } catch (err) {
    return failed(err);
  }
}

/** Each of `kinds`' residue (a part that cannot be read carries its error instead). */
export async function readResidue(config: SweepConfig, kinds: ReadonlySet<CleanupKind>, deps: ResidueDeps = {}): Promise<NodeResidue> {
  const out: NodeResidue = {};
  for (const k of KIND_MODULES) if (kinds.has(k.name)) out[k.name] = await readOne(k, config, deps);
  return out;
}

/** A look at the node now for left()/inventory(): the liveness rule asked at most once. */
export function lookNow(config: SweepConfig, deps: ResidueDeps, liveness: () => Promise<Liveness>): LookNow {
  let asked: Promise<Liveness> | undefined;
  return { config, deps, liveness: () => (asked ??= liveness()) };
}

/** What a rejoin would still trip over among `kinds`, read again now; each item with why. */
export async function residueLeft(
  config: SweepConfig,
  kinds: ReadonlySet<CleanupKind>,
  cri: CriClient,
  deps: ResidueDeps = {},
): Promise<Residue[]> {
  const look = lookNow(config, deps, () => livenessNow(config, cri));
  const out: Residue[] = [];
  for (const k of KIND_MODULES) if (kinds.has(k.name)) out.push(...(await k.left(await readOne(k, config, deps), look)));
  return out;
}

/** The verify step's checks of the kinds, in the order of agent/shared/kinds.ts. */
export function kindChecks(p: PlanContext): Check[] {
  return CLEANUP_KINDS.flatMap((name) => kindNamed(name).check(p) ?? []);
}

/** Every kind's inventory rows (whether a reset clears it by default or not) and what could not be read. */
export async function kindsInventory(
  config: SweepConfig,
  deps: ResidueDeps,
  liveness: () => Promise<Liveness>,
): Promise<KindInventory & { residueErrors: string[] }> {
  const look = lookNow(config, deps, liveness);
  const rows: Partial<KindInventory> = {};
  const residueErrors: string[] = [];
  for (const k of KIND_MODULES) {
    const inv = await k.inventory(await readOne(k, config, deps), look);
    Object.assign(rows, inv.rows);
    residueErrors.push(...inv.errors);
  }
  // Every field is some kind's (test/unit/daemon/sweep/kinds.test.ts checks each is filled by exactly one).
  return { ...(rows as KindInventory), residueErrors };
}
