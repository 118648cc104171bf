// What the agent last learned from containerd, kept in its state dir so that an agent started
// while containerd is down (the seed's situation: containerd killed, shims gone) still knows
// where containerd keeps its task bundles, netns and CNI files. Written whole and durably (temp
// file fsync'ed, renamed into place, dir fsync'ed): a crash leaves the old file or the new one.
import { mkdirSync, readFileSync, renameSync, rmSync } from 'node:fs';
import path from 'node:path';
import { fsyncDir, writeFileDurable } from '../host/fsync';
import type { RuntimeDirs } from './dirs';

export const LEARNED_FILE = 'runtime-learned.json';

export interface LearnedState {
  /** When containerd was asked (ISO 8601). */
  learnedAt: string;
  /** containerd's version then (CRI Version: runtimeName runtimeVersion). */
  containerdVersion: string;
  /** The CRI endpoint that answered. */
  criEndpoint: string;
  dirs: RuntimeDirs;
}

export function saveLearned(stateDir: string, s: LearnedState): void {
  mkdirSync(stateDir, { recursive: true, mode: 0o700 });
  const file = path.join(stateDir, LEARNED_FILE);
  const tmp = `${file}.tmp`;
  rmSync(tmp, { force: true });
  writeFileDurable(tmp, JSON.stringify({ format: 1, ...s }, null, 2) + '\n', 0o600);
  renameSync(tmp, file);
  fsyncDir(stateDir);
}

/** The saved state; undefined when there is none; throws when the file is there but unusable. */
export function loadLearned(stateDir: string): LearnedState | undefined {
  const file = path.join(stateDir, LEARNED_FILE);
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
    throw err;
  }
  const doc = JSON.parse(text) as Partial<LearnedState> & { format?: unknown };
  const d = doc.dirs as Partial<RuntimeDirs> | undefined;
  const strs = (v: unknown): v is string[] => Array.isArray(v) && v.every((x) => typeof x === 'string');
  if (
    doc.format !== 1 ||
    typeof doc.learnedAt !== 'string' ||
    typeof doc.containerdVersion !== 'string' ||
    typeof doc.criEndpoint !== 'string' ||
    !d ||
    typeof d.containerdRoot !== 'string' ||
    typeof d.containerdState !== 'string' ||
    typeof d.cniConfDir !== 'string' ||
    typeof d.cniCacheDir !== 'string' ||
    !strs(d.netnsDirs) ||
    !strs(d.cniBinDirs) ||
    !strs(d.cniIpamDirs)
  ) {
    throw new Error(`${file}: not a learned-state file of this agent`);
  }
  return { learnedAt: doc.learnedAt, containerdVersion: doc.containerdVersion, criEndpoint: doc.criEndpoint, dirs: d as RuntimeDirs };
}
