// The Info and Inspect view of the agent's dirs: every dir it uses with where its value came
// from (runtime/resolve.ts), and the warnings about them.
import type { Msg } from '../../shared/api-types';
import type { AgentConfig } from '../config';
import type { RuntimeDirsView } from './engine';

type DirMsg = Msg<'DirInfo'>;

/** The dir options the learner does not touch: always the configured value. */
const OWN_DIRS = ['manifestsDir', 'stateDir', 'kubeletDir', 'containerdConfig'] as const;

export function dirsInfo(config: AgentConfig, rt: RuntimeDirsView | undefined, origins: Readonly<Record<string, string>> = {}): { dirs: DirMsg[]; runtimeSource: string; runtimeLearnedAt: string; runtimeVersion: string } {
  const dirs: DirMsg[] = (rt?.resolved.entries ?? []).map((e) => ({
    option: e.option,
    paths: [...e.paths],
    source: e.source,
    detail: e.detail,
    runtimePaths: [...(e.runtimePaths ?? [])],
    warning: e.warning,
  }));
  const k = rt?.knowledge;
  if (k) dirs.push({ option: 'cniBinDirs', paths: [...k.dirs.cniBinDirs], source: k.source, detail: 'containerd runs CNI plugins from here (shown only)', runtimePaths: [] });
  for (const o of OWN_DIRS) {
    const v = config[o];
    const origin = origins[o] ?? 'default';
    dirs.push({ option: o, paths: v === '' ? [] : [v], source: origin, detail: origin === 'flag' ? 'flag' : origin === 'config-file' ? 'config file' : 'built-in default', runtimePaths: [] });
  }
  return { dirs, runtimeSource: k?.source ?? '', runtimeLearnedAt: k?.at ?? '', runtimeVersion: k?.containerdVersion ?? '' };
}

export function dirWarnings(rt: RuntimeDirsView | undefined): string[] {
  if (!rt) return [];
  const out = [...rt.resolved.mismatches.map((m) => m.warning), ...rt.resolved.refused.map((r) => r.warning)];
  if (!rt.knowledge) out.push(`nothing known from containerd: it has not answered this agent, and ${rt.fallbackProblems.join('; ') || 'no fallback could be read'}`);
  return out;
}
