// The steps of a reset, in the order they run. This list is the one place a step is declared:
// the step names, the full order and the required set all derive from it. Adding a step is
// adding its module and one entry here.
import type { Step } from '../step';
import { backupManifests } from './backup-manifests';
import { cniCache } from './cni-cache';
import { cniConfig } from './cni-config';
import { firewall } from './firewall';
import { ipam } from './ipam';
import { killShims } from './kill-shims';
import { kubeletMounts } from './kubelet-mounts';
import { kubeletUnit } from './kubelet-unit';
import { links } from './links';
import { removeNetns } from './remove-netns';
import { removePods } from './remove-pods';
import { stopKubelet } from './stop-kubelet';
import { verify } from './verify';

// The rejoin steps (kubelet-unit … firewall) are named after their cleanup kinds
// (agent/shared/kinds.ts) and run only when their kind is on. They come after the pod steps:
// pods must be gone before their mounts, addresses, links and chains are (the CNI teardown in
// StopPodSandbox still needs the config, the bridge and the portmap chains).
export const STEPS = [stopKubelet, kubeletUnit, backupManifests, removePods, killShims, removeNetns, kubeletMounts, ipam, cniCache, cniConfig, links, firewall, verify] as const;

export type StepName = (typeof STEPS)[number]['name'];

export const ALL_STEPS: readonly StepName[] = STEPS.map((s) => s.name);

export const REQUIRED_STEPS: ReadonlySet<StepName> = new Set(STEPS.filter((s) => s.required).map((s) => s.name));

const BY_NAME: ReadonlyMap<string, Step> = new Map<string, Step>(STEPS.map((s) => [s.name, s]));

export function stepNamed(name: string): Step | undefined {
  return BY_NAME.get(name);
}
