// Durable writes: a backup or journal record only counts once it is on disk. Files are
// fsync'ed before close, and the directory is fsync'ed after an entry is created or renamed,
// or a crash could lose the entry even though its data was flushed.
import { createHash } from 'node:crypto';
import { closeSync, fsyncSync, mkdirSync, openSync, readFileSync, renameSync, rmSync, writeSync } from 'node:fs';
import path from 'node:path';

export function fsyncDir(dir: string): void {
  const fd = openSync(dir, 'r');
  try {
    fsyncSync(fd);
  } finally {
    closeSync(fd);
  }
}

/** Create `file` (it must not exist), write all of `data`, fsync, close. */
export function writeFileDurable(file: string, data: Buffer | string, mode = 0o600): void {
  const fd = openSync(file, 'wx', mode);
  try {
    const buf = typeof data === 'string' ? Buffer.from(data) : data;
    let off = 0;
    while (off < buf.length) off += writeSync(fd, buf, off, buf.length - off);
    fsyncSync(fd);
  } finally {
    closeSync(fd);
  }
}

/** Append one line (a '\n' is added) with a single write, then fsync. */
export function appendLineDurable(file: string, line: string, mode = 0o600): void {
  const fd = openSync(file, 'a', mode);
  try {
    const buf = Buffer.from(line.endsWith('\n') ? line : line + '\n');
    let off = 0;
    while (off < buf.length) off += writeSync(fd, buf, off, buf.length - off);
    fsyncSync(fd);
  } finally {
    closeSync(fd);
  }
}

/** Writes one file into a directory being built by writeDirDurable; returns the data's sha256. */
export type PutFile = (name: string, data: Buffer) => string;

const sha256 = (b: Buffer): string => createHash('sha256').update(b).digest('hex');

/**
 * Create the directory `<parent>/<name>` completely or not at all: `fill` writes its files with
 * `put` (each durable, then read back and compared) and returns the index, which goes last as
 * index.json; then the directory is fsync'ed, renamed from `<parent>/.tmp-<name>` into place and
 * the parent fsync'ed. On any error the temp dir is removed (a stale `.tmp-` dir is never listed)
 * and the error is rethrown. Names must be plain file names other than index.json.
 */
export function writeDirDurable<I>(parent: string, name: string, fill: (put: PutFile) => I): I {
  const tmp = path.join(parent, `.tmp-${name}`);
  try {
    mkdirSync(parent, { recursive: true, mode: 0o700 });
    mkdirSync(tmp, { mode: 0o700 });
    const put: PutFile = (file, data) => {
      if (file === '' || file === '.' || file === '..' || file === 'index.json' || file.includes('/')) throw new Error(`invalid backup file name ${JSON.stringify(file)}`);
      const sum = sha256(data);
      writeFileDurable(path.join(tmp, file), data, 0o600);
      // Read the copy back: the index must describe what is really on disk.
      if (sha256(readFileSync(path.join(tmp, file))) !== sum) throw new Error(`the copy written to ${file} does not read back identical`);
      return sum;
    };
    const index = fill(put);
    writeFileDurable(path.join(tmp, 'index.json'), JSON.stringify(index, null, 2) + '\n', 0o600);
    fsyncDir(tmp);
    renameSync(tmp, path.join(parent, name));
    fsyncDir(parent);
    return index;
  } catch (err) {
    try {
      rmSync(tmp, { recursive: true, force: true });
    } catch {
      /* best effort: a stale .tmp- dir is never listed */
    }
    throw err;
  }
}
