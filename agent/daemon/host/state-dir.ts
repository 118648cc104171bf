// The state dir (journal, manifest backups) is root's alone, or nothing in it is trusted: root
// appends to its journal and restores its backups into the manifests dir, from which the
// kubelet runs static pods as root. So, like the socket dir, it must be a real directory (not a
// symlink) owned by the agent's uid and writable by nobody else; every dir and file in it the
// same, and no symlink anywhere in it. Its ancestors must not let anyone else swap it either:
// owned by root or the agent, and not writable by group or others unless sticky (/tmp).
// Checked at agent start and before each run and restore; a failed check changes nothing.
import { lstatSync, mkdirSync, readdirSync, realpathSync, type Stats } from 'node:fs';
import path from 'node:path';
import { ksError } from '../../shared/errors';

const GROUP_OTHER_WRITE = 0o022;
const STICKY = 0o1000;

function uid(): number {
  return process.geteuid?.() ?? 0;
}

function describe(st: Stats): string {
  const kind = st.isSymbolicLink() ? 'a symlink' : st.isDirectory() ? 'a directory' : st.isFile() ? 'a file' : 'a special file';
  return `${kind}, uid ${st.uid}, mode ${(st.mode & 0o7777).toString(8).padStart(4, '0')}`;
}

/** Why `st` (a dir or file inside the state dir) is not root's alone, or undefined. */
function unsafe(st: Stats): string | undefined {
  if (st.isSymbolicLink()) return 'a symlink (nothing in the state dir is followed)';
  if (!st.isDirectory() && !st.isFile()) return 'neither a directory nor a regular file';
  if (st.uid !== uid()) return `owned by uid ${st.uid}, not ${uid()}`;
  if (st.mode & GROUP_OTHER_WRITE) return `writable by group or others (mode ${(st.mode & 0o7777).toString(8).padStart(4, '0')})`;
  return undefined;
}

function refuse(stateDir: string, problems: string[]): never {
  throw ksError(
    'KS_STATE_DIR_UNSAFE',
    `state dir ${stateDir} is not the agent's alone (uid ${uid()}, no group/other write, no symlinks): ${problems.join('; ')}; nothing was done`,
    { stateDir, problems },
  );
}

/** The state dir itself and its ancestors; throws KS_STATE_DIR_UNSAFE. Missing is fine. */
function checkDirAndAncestors(stateDir: string, problems: string[]): boolean {
  let st: Stats;
  try {
    st = lstatSync(stateDir);
  } catch {
    return false;
  }
  const why = unsafe(st);
  if (why) problems.push(`${stateDir} is ${why} (${describe(st)})`);
  else if (!st.isDirectory()) problems.push(`${stateDir} is not a directory (${describe(st)})`);
  let real: string;
  try {
    real = realpathSync(path.dirname(stateDir));
  } catch (err) {
    problems.push(`cannot resolve ${path.dirname(stateDir)}: ${(err as Error).message}`);
    return true;
  }
  for (let d = real; ; d = path.dirname(d)) {
    const a = lstatSync(d);
    if (a.uid !== 0 && a.uid !== uid()) problems.push(`its ancestor ${d} is owned by uid ${a.uid}`);
    else if (a.mode & GROUP_OTHER_WRITE && !(a.mode & STICKY))
      problems.push(`its ancestor ${d} is writable by group or others without the sticky bit (${describe(a)})`);
    if (d === '/') break;
  }
  return true;
}

/**
 * Create the state dir (0700) when missing, then check it and its ancestors (not its contents:
 * checkStateDir does that). Throws KS_STATE_DIR_UNSAFE.
 */
export function ensureStateDir(stateDir: string): void {
  const problems: string[] = [];
  if (!checkDirAndAncestors(stateDir, problems)) mkdirSync(stateDir, { recursive: true, mode: 0o700 });
  if (problems.length) refuse(stateDir, problems);
}

/**
 * The whole check: the state dir, its ancestors, and every entry in it down to the files of
 * each backup (a backup is a dir of files: nothing deeper is ours). A missing state dir passes
 * (it is created, 0700, on first write). Throws KS_STATE_DIR_UNSAFE naming every problem.
 */
export function checkStateDir(stateDir: string): void {
  const problems: string[] = [];
  if (!checkDirAndAncestors(stateDir, problems)) return;
  const walk = (dir: string, depth: number): void => {
    let names: string[];
    try {
      names = readdirSync(dir);
    } catch (err) {
      problems.push(`cannot read ${dir}: ${(err as Error).message}`);
      return;
    }
    for (const name of names.sort()) {
      const p = path.join(dir, name);
      let st: Stats;
      try {
        st = lstatSync(p);
      } catch {
        continue; // gone meanwhile
      }
      const why = unsafe(st);
      if (why) problems.push(`${p} is ${why}`);
      else if (st.isDirectory() && depth < 2) walk(p, depth + 1);
    }
  };
  if (problems.length === 0) walk(stateDir, 0);
  if (problems.length) refuse(stateDir, problems.slice(0, 20));
}
