// Which value of each dir option the agent uses, and why. Precedence: a value the operator gave
// (flag, then config file) > what containerd says now (CRI Status) > what it said last (the
// learned state file) > containerd's config file > the built-in default. A learned value is
// used only when every dir in it passes the sanity rules; a configured value that does not
// cover what containerd reports is kept, with a warning (log, info, inspect, metric). Pure.
import path from 'node:path';
import type { OptionName } from '../options';
import { asOptionValues, LEARNABLE, type DirSource, type LearnableOption, type RuntimeDirs } from './dirs';
import { sanityProblem, type SanityContext } from './sanity';

/** Where each option's value came from as the config loader saw it. */
export type OptionOrigin = 'flag' | 'config-file' | 'default';

/** What the agent knows from containerd, and from where. */
export interface RuntimeKnowledge {
  dirs: RuntimeDirs;
  source: Extract<DirSource, 'runtime' | 'learned' | 'containerd-config'>;
  /** When it was learned (ISO 8601): now for 'runtime', the file's time for 'learned'. */
  at?: string;
  containerdVersion?: string;
  /** containerd's config file(s) read, for 'containerd-config'. */
  files?: string[];
}

export interface DirEntry {
  option: string;
  paths: string[];
  source: DirSource;
  /** Human words on the source: "--netns-dir", "learned from containerd 1.6.20 at T", … */
  detail: string;
  /** What containerd says, when it says something else than what is used. */
  runtimePaths?: string[];
  /** Set when the value used contradicts containerd, or a learned value was refused. */
  warning?: string;
}

export interface ResolvedDirs {
  values: Record<LearnableOption, string | readonly string[]>;
  entries: DirEntry[];
  /** Configured dirs that contradict containerd (one per option). */
  mismatches: { option: LearnableOption; warning: string }[];
  /** Learned dirs refused by the sanity rules (one per option). */
  refused: { option: LearnableOption; warning: string }[];
}

const FLAG: Record<LearnableOption, string> = {
  containerdDirs: '--containerd-dir',
  netnsDirs: '--netns-dir',
  cniConfDir: '--cni-conf-dir',
  cniIpamDirs: '--cni-ipam-dir',
  cniCacheDir: '--cni-cache-dir',
};

export function describeKnowledge(k: RuntimeKnowledge): string {
  // containerdVersion is CRI Version's runtime name and version: "containerd 1.6.20~ds1".
  const who = k.containerdVersion ?? 'containerd';
  if (k.source === 'runtime') return `reported by ${who} (CRI Status)`;
  if (k.source === 'learned') return `learned from ${who} at ${k.at ?? '?'}`;
  return `containerd's config file ${k.files?.join(' + ') ?? ''}`.trimEnd();
}

export function resolveDirs(
  configured: Readonly<Record<LearnableOption, string | readonly string[]>>,
  origins: Readonly<Partial<Record<OptionName, OptionOrigin>>>,
  known: RuntimeKnowledge | undefined,
  ctx: SanityContext,
): ResolvedDirs {
  const runtime = known ? asOptionValues(known.dirs) : undefined;
  const out: ResolvedDirs = { values: {} as ResolvedDirs['values'], entries: [], mismatches: [], refused: [] };
  for (const option of LEARNABLE) {
    const mine = configured[option];
    const origin = origins[option] ?? 'default';
    const theirs = runtime ? list(runtime[option]).filter((p) => p !== '') : [];
    if (origin !== 'default') {
      const entry: DirEntry = { option, paths: list(mine), source: origin, detail: origin === 'flag' ? FLAG[option] : 'config file' };
      const missed = theirs.filter((p) => !list(mine).some((m) => isInside(p, m)));
      // '' = the operator turned the kind off: nothing to contradict.
      if (known && list(mine).length > 0 && missed.length > 0) {
        entry.runtimePaths = theirs;
        entry.warning = `${option} is ${fmt(list(mine))} (${entry.detail}) but containerd's is ${fmt(theirs)} (${describeKnowledge(known)}); using the configured value`;
        out.mismatches.push({ option, warning: entry.warning });
      }
      out.values[option] = mine;
      out.entries.push(entry);
      continue;
    }
    if (known && theirs.length > 0) {
      const bad = theirs.map((p) => [p, sanityProblem(p, ctx)] as const).filter(([, why]) => why !== undefined);
      if (bad.length === 0) {
        out.values[option] = Array.isArray(mine) ? theirs : theirs[0];
        out.entries.push({ option, paths: theirs, source: known.source, detail: describeKnowledge(known) });
        continue;
      }
      const warning = `${option}: containerd's ${bad.map(([p, why]) => `${p} (${why})`).join(', ')} refused (${describeKnowledge(known)}); using the default ${fmt(list(mine))}, set ${FLAG[option]} to choose`;
      out.refused.push({ option, warning });
      out.values[option] = mine;
      out.entries.push({ option, paths: list(mine), source: 'default', detail: 'built-in default', runtimePaths: theirs, warning });
      continue;
    }
    out.values[option] = mine;
    out.entries.push({ option, paths: list(mine), source: 'default', detail: 'built-in default' });
  }
  return out;
}

function list(v: string | readonly string[]): string[] {
  return typeof v === 'string' ? (v === '' ? [] : [v]) : [...v];
}
function fmt(l: readonly string[]): string {
  return l.length === 0 ? '""' : l.join(', ');
}
function isInside(inner: string, outer: string): boolean {
  const rel = path.posix.relative(outer, inner);
  return rel === '' || (!rel.startsWith('..') && !path.posix.isAbsolute(rel));
}
