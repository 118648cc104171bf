// The Info and Inspect view of the agent's dirs: every dir it uses with where its value came
// from (runtime/resolve.ts), and the warnings about them.
import type { Msg } from '../../shared/api-types';
import type { AgentConfig } from '../config';
import { LEARNABLE } from '../runtime/dirs';
import type { RuntimeDirsView } from './engine';

type DirMsg = Msg<'DirInfo'>;

/** The dir options the learner does not touch: always the configured value. */
const OWN_DIRS = ['manifestsDir', 'stateDir', 'kubeletDir', 'containerdConfig'] as const;

const originWords = (o: string): string => (o === 'flag' ? 'flag' : o === 'config-file' ? 'config file' : 'built-in default');

export function dirsInfo(
  config: AgentConfig,
  rt: RuntimeDirsView | undefined,
  origins: Readonly<Record<string, string>> = {},
): { dirs: DirMsg[]; runtimeSource: string; runtimeLearnedAt: string; runtimeVersion: string } {
  // Without a learner (an engine given fixed dirs) every dir option is as configured.
  const entries =
    rt?.resolved.entries ??
    LEARNABLE.map((o) => ({
      option: o,
      paths: asList(config[o]),
      source: origins[o] ?? 'default',
      detail: originWords(origins[o] ?? 'default'),
    }));
  const dirs: DirMsg[] = entries.map((e) => ({
    option: e.option,
    paths: [...e.paths],
    source: e.source,
    detail: e.detail,
    runtimePaths: 'runtimePaths' in e ? [...(e.runtimePaths ?? [])] : [],
    warning: 'warning' in e ? e.warning : undefined,
  }));
  const k = rt?.knowledge;
  if (k)
    dirs.push({
      option: 'cniBinDirs',
      paths: [...k.dirs.cniBinDirs],
      source: k.source,
      detail: 'containerd runs CNI plugins from here (shown only)',
      runtimePaths: [],
    });
  for (const o of OWN_DIRS) {
    const origin = origins[o] ?? 'default';
    dirs.push({ option: o, paths: asList(config[o]), source: origin, detail: originWords(origin), runtimePaths: [] });
  }
  return { dirs, runtimeSource: k?.source ?? '', runtimeLearnedAt: k?.at ?? '', runtimeVersion: k?.containerdVersion ?? '' };
}

function asList(v: string | readonly string[]): string[] {
  return typeof v === 'string' ? (v === '' ? [] : [v]) : [...v];
}

export function dirWarnings(rt: RuntimeDirsView | undefined): string[] {
  if (!rt) return [];
  const out = [...rt.resolved.mismatches.map((m) => m.warning), ...rt.resolved.refused.map((r) => r.warning)];
  if (!rt.knowledge)
    out.push(
      `nothing known from containerd: it has not answered this agent, and ${rt.fallbackProblems.join('; ') || 'no fallback could be read'}`,
    );
  return out;
}
