// The teardown-only CNI network config: the one file kubesweep ever writes into containerd's
// CNI conf dir, for the few seconds it needs to stop sandboxes whose own network's DEL fails.
//
// containerd (1.6 and 1.7, pkg/cri/server/cni_conf_syncer.go) watches its conf dir with
// inotify and reloads on write, rename and remove events; go-cni then takes the files in
// byte order (sort.Strings) and, with max_conf_num = 1 (the default), uses only the first. So
// a file that sorts first becomes the network every CNI DEL runs, and removing it brings the
// node's own network back. The file names only `loopback` — present in every CNI bin dir,
// whose DEL succeeds with or without a netns — so a DEL through it tears nothing down and
// fails nothing.
//
// It is written under a temp name that no CNI loader reads (`.tmp` is not .conf/.conflist/
// .json), fsync'ed, then renamed into place, so containerd never sees half a file. Nothing else
// in the dir is ever opened for writing, moved or removed: when the file goes, the dir holds
// exactly what it held before.
import { createHash } from 'node:crypto';
import { lstatSync, readdirSync, renameSync, unlinkSync } from 'node:fs';
import path from 'node:path';
import { ksError } from '../../shared/errors';
import { fsyncDir, readNoFollow, writeFileDurable } from './fsync';
import { resolveInside } from './paths';

export const TEARDOWN_NETWORK = 'kubesweep-teardown';

/** The file's bytes: fixed, so "is this still our file?" is a hash comparison. */
export const TEARDOWN_CONF_TEXT = `${JSON.stringify(
  {
    cniVersion: '0.4.0',
    name: TEARDOWN_NETWORK,
    // Written by kubesweep for the duration of a CNI teardown fallback; removed right after.
    plugins: [{ type: 'loopback' }],
  },
  null,
  2,
)}\n`;

export const TEARDOWN_CONF_SHA256 = createHash('sha256').update(TEARDOWN_CONF_TEXT).digest('hex');

/** Extensions libcni's ConfFiles reads (go-cni passes exactly these). */
export const CNI_CONF_EXTENSIONS = ['.conf', '.conflist', '.json'] as const;

const CANDIDATES = ['00-kubesweep-teardown.conflist', '0-kubesweep-teardown.conflist', '000-kubesweep-teardown.conflist'];

/**
 * Pure: a name for the teardown file that sorts (bytewise, as Go's sort.Strings) before every
 * existing config file; undefined when none of ours would (then the fallback is refused).
 */
export function teardownConfName(existing: readonly string[]): string | undefined {
  const confs = existing.filter(isCniConfName).filter((n) => !CANDIDATES.includes(n));
  return CANDIDATES.find((c) => confs.every((n) => Buffer.compare(Buffer.from(c), Buffer.from(n)) < 0));
}

export function isCniConfName(name: string): boolean {
  return CNI_CONF_EXTENSIONS.some((e) => name.endsWith(e));
}

export function isTeardownConfName(name: string): boolean {
  return CANDIDATES.includes(name);
}

/**
 * The sha256 of a regular file, never followed (docs/security.md, "Odd entries"): undefined when
 * it is absent; a symlink, FIFO or anything else has no sum of bytes (a FIFO would block a read).
 */
export function sha256File(p: string): string | undefined {
  try {
    if (!lstatSync(p).isFile()) return `not a regular file`;
    return createHash('sha256').update(readNoFollow(p)).digest('hex');
  } catch {
    return undefined;
  }
}

/** An entry is there (a dangling or looping link too: never followed). */
function present(p: string): boolean {
  return lstatSync(p, { throwIfNoEntry: false }) !== undefined;
}

export interface PlacedConf {
  dir: string;
  path: string;
  sha256: string;
}

/**
 * Write the teardown file into `dir`. `beforeWrite` runs first (the caller journals the path
 * there, durably), so a crash at any later point leaves a record that names the file.
 */
export function placeTeardownConf(dir: string, beforeWrite: (p: PlacedConf) => void): PlacedConf {
  let names: string[];
  try {
    names = readdirSync(dir);
  } catch (err) {
    throw ksError('KS_CNI_FALLBACK_FAILED', `cannot read the CNI conf dir ${dir}: ${(err as Error).message}`, { dir });
  }
  const name = teardownConfName(names);
  if (!name)
    throw ksError(
      'KS_CNI_FALLBACK_FAILED',
      `no teardown config name sorts before every file in ${dir} (${names.filter(isCniConfName).join(', ')})`,
      { dir },
    );
  const target = resolveInside(path.join(dir, name), [dir], 'CNI config');
  if (present(target)) {
    if (sha256File(target) !== TEARDOWN_CONF_SHA256)
      throw ksError('KS_CNI_FALLBACK_FAILED', `${target} exists and is not kubesweep's teardown config: not touching it`, { path: target });
  }
  const placed = { dir, path: target, sha256: TEARDOWN_CONF_SHA256 };
  beforeWrite(placed);
  if (!present(target)) {
    const tmp = resolveInside(path.join(dir, `.${name}.kubesweep.tmp`), [dir], 'CNI config');
    try {
      unlinkSync(tmp);
    } catch {
      /* none left over */
    }
    writeFileDurable(tmp, TEARDOWN_CONF_TEXT, 0o644);
    renameSync(tmp, target);
    fsyncDir(dir);
  }
  return placed;
}

/**
 * Remove the teardown file again. 'differs' (and the file stays) when what is there is no longer
 * exactly our bytes: someone else wrote it, and it is not ours to delete.
 */
export function removeTeardownConf(p: Pick<PlacedConf, 'dir' | 'path' | 'sha256'>): 'done' | 'gone' | 'differs' {
  const target = resolveInside(p.path, [p.dir], 'CNI config');
  const tmp = path.join(path.dirname(target), `.${path.basename(target)}.kubesweep.tmp`);
  // A temp file under our own name is ours whatever it holds (a crash mid-write leaves half of it).
  if (present(tmp)) unlinkSync(tmp);
  const sha = sha256File(target);
  if (sha === undefined) {
    fsyncDir(p.dir);
    return 'gone';
  }
  if (sha !== p.sha256) return 'differs';
  unlinkSync(target);
  fsyncDir(p.dir);
  return 'done';
}
