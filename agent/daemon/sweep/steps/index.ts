// The steps of a reset, in the order they run. This list is the one place a step is declared:
// the step names, the full order and the required set all derive from it. The cleanup kinds'
// steps come from their own list (../kinds): a kind is added there, not here.
import type { CleanupKind } from '../../../shared/kinds';
import { KIND_MODULES } from '../kinds';
import { stepOf } from '../kinds/kind';
import type { Step } from '../step';
import { backupManifests } from './backup-manifests';
import { killShims } from './kill-shims';
import { removeNetns } from './remove-netns';
import { removePods } from './remove-pods';
import { stopKubelet } from './stop-kubelet';
import { verify } from './verify';

// The kinds' steps are named after their cleanup kinds (agent/shared/kinds.ts) and run only when
// their kind is on. Those of residue pods leave come after the pod steps: pods must be gone
// before their mounts, addresses, links and chains are (the CNI teardown in StopPodSandbox still
// needs the config, the bridge and the portmap chains); kubelet-unit goes right after the kubelet stops.
const kindSteps = (phase: 'before-pods' | 'after-pods') => KIND_MODULES.filter((k) => k.phase === phase).map(stepOf);

export const STEPS: readonly Step[] = [
  stopKubelet,
  ...kindSteps('before-pods'),
  backupManifests,
  removePods,
  killShims,
  removeNetns,
  ...kindSteps('after-pods'),
  verify,
];

export type StepName =
  | (typeof stopKubelet | typeof backupManifests | typeof removePods | typeof killShims | typeof removeNetns | typeof verify)['name']
  | CleanupKind;

export const ALL_STEPS: readonly StepName[] = STEPS.map((s) => s.name as StepName);

export const REQUIRED_STEPS: ReadonlySet<StepName> = new Set(STEPS.filter((s) => s.required).map((s) => s.name as StepName));

const BY_NAME: ReadonlyMap<string, Step> = new Map<string, Step>(STEPS.map((s) => [s.name, s]));

export function stepNamed(name: string): Step | undefined {
  return BY_NAME.get(name);
}
