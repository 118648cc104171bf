// kubelet-state (opt-in): the kubelet's identity and checkpoints (host/kubelet-state.ts says
// which files). An old client certificate and kubelet.conf make a rejoining kubelet
// "Unauthorized" or skip Kubespray's join (kubeadm#2500, kubernetes#89512); a stale
// cpu_manager_state crash-loops a kubelet whose CPU set or policy changed. Backed up under
// <state-dir>/backups/kubelet-state/<id>/ (0600 in 0700, with where each came from), then
// removed — never while a kubelet runs (in-use.ts: a process holding one of the files or its PKI
// dir, or a listener on the kubelet's ports). Opt-in: it is the node's identity in its cluster.
import { lstatSync } from 'node:fs';
import path from 'node:path';
import { type KubeletStateScan, readStateFile, scanKubeletState, KUBELET_PKI } from '../../host/kubelet-state';
import { actionsOf, type BackupFile, type RemoveFile } from '../actions';
import { sha256 } from '../backup';
import { inUse, inUseReasons } from '../in-use';
import { writeKindBackup } from '../kind-backup';
import { isFailed } from '../residue';
import { backUpThenRemove } from '../steps/backup-then-remove';
import type { SweepConfig } from '../types';
import type { KindModule } from './kind';

export type KubeletStateResidue = KubeletStateScan & { inUse: string[] };

function currentSum(p: string): string | undefined {
  try {
    return sha256(readStateFile(p).data);
  } catch {
    return undefined;
  }
}

/** The files, and the PKI dir itself (a kubelet keeps it as its cwd or holds it open). */
async function busy(config: SweepConfig, scan: KubeletStateScan): Promise<string[]> {
  const inodes = new Map(scan.files.map((f) => [`${f.dev}:${f.ino}`, f.path]));
  try {
    const pki = path.join(config.kubeletDir, KUBELET_PKI);
    const st = lstatSync(pki);
    if (st.isDirectory()) inodes.set(`${st.dev}:${st.ino}`, pki);
  } catch {
    /* no PKI dir */
  }
  return inUseReasons(await inUse(config, inodes, config.kubeletPorts));
}

const held = (reasons: readonly string[]) => `a kubelet runs: ${reasons.join('; ')}`;
const scopes = (c: SweepConfig) => [c.kubeletDir, c.kubernetesDir].filter((d) => d !== '');

export const kubeletState: KindModule<'kubelet-state', KubeletStateResidue, BackupFile | RemoveFile> = {
  name: 'kubelet-state',
  phase: 'after-pods',
  residueKind: 'kubelet-state',
  async read(config) {
    const scan = scanKubeletState(config.kubeletDir, config.kubernetesDir);
    return { ...scan, inUse: scan.files.length ? await busy(config, scan) : [] };
  },
  plan(_p, scan) {
    if (!scan) return { actions: [], note: 'the kubelet state was not read' };
    if (isFailed(scan)) return { actions: [], note: `the kubelet state could not be read: ${scan.error}` };
    const odd = scan.odd.length ? `left in place: ${scan.odd.map((o) => `${o.path} (${o.why})`).join('; ')}` : '';
    if (scan.files.length === 0) return { actions: [], note: odd || 'no kubelet state file present' };
    if (scan.inUse.length) return { actions: [], note: `kubelet state left in place: ${held(scan.inUse)}` };
    const actions: (BackupFile | RemoveFile)[] = [];
    for (const f of scan.files)
      actions.push({
        action: 'backup-file',
        target: f.path,
        detail: { name: f.backupName, size: f.size, sha256: currentSum(f.path) ?? '' },
      });
    for (const f of scan.files)
      actions.push({ action: 'remove-file', target: f.path, detail: { name: f.backupName, sha256: currentSum(f.path) ?? '' } });
    return odd ? { actions, note: odd } : { actions };
  },
  async run(rec, ctx) {
    const planned = actionsOf(rec.step.actions, 'backup-file');
    if (planned.length === 0) return;
    // Looked at again right before: a kubelet started since the plan keeps its state.
    const reasons = await busy(ctx.config, scanKubeletState(ctx.config.kubeletDir, ctx.config.kubernetesDir));
    if (reasons.length) {
      for (const a of rec.step.actions) rec.record(a.action, a.target, 'skipped', 0, `left in place: ${held(reasons)}`);
      rec.reason = held(reasons);
      return;
    }
    await backUpThenRemove(rec, ctx, {
      write: (id, now, names) =>
        void writeKindBackup(
          ctx.config.stateDir,
          'kubelet-state',
          id,
          ctx.node,
          now,
          planned
            .filter((a) => names.has(a.detail.name))
            .map((a) => {
              const { data, symlink } = readStateFile(a.target);
              return { name: a.detail.name, data, source: a.target, symlink };
            }),
        ),
      label: (id) => `kubelet-state/${id}`,
      currentSum,
      changed: 'skip',
      scope: scopes(ctx.config),
      what: 'kubelet state file',
      backedUp: (id) => (rec.reason = `backed up in ${ctx.config.stateDir}/backups/kubelet-state/${id}`),
    });
  },
  check({ steps }) {
    return steps.has('kubelet-state') ? { action: 'check', target: 'kubelet-state', detail: {} } : undefined;
  },
  async left(scan, { config }) {
    if (scan === undefined) return [];
    if (isFailed(scan)) return [{ kind: 'kubelet-state', target: config.kubeletDir, why: `could not be checked: ${scan.error}` }];
    const reason = scan.inUse.length ? ` (${held(scan.inUse)})` : '';
    return [
      ...scan.files.map((f) => ({
        kind: 'kubelet-state' as const,
        target: f.path,
        why: `the kubelet's identity or checkpoint is still present: a rejoining kubelet reuses it${reason}`,
      })),
      ...scan.odd.map((o) => ({ kind: 'kubelet-state' as const, target: o.path, why: o.why })),
    ];
  },
  async inventory(scan) {
    if (isFailed(scan)) return { rows: { kubeletStateFiles: [] }, errors: [`kubelet-state: ${scan.error}`] };
    const files = (scan?.files ?? []).map((f) => ({ path: f.path, size: f.size, symlink: f.symlink, odd: '' }));
    const odd = (scan?.odd ?? []).map((o) => ({ path: o.path, size: 0, symlink: false, odd: o.why }));
    return { rows: { kubeletStateFiles: [...files, ...odd] }, errors: [] };
  },
};
