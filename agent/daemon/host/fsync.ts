// Durable writes: a backup or journal record only counts once it is on disk. Files are
// fsync'ed before close, and the directory is fsync'ed after an entry is created or renamed,
// or a crash could lose the entry even though its data was flushed.
import { createHash } from 'node:crypto';
import {
  closeSync,
  constants,
  fstatSync,
  fsyncSync,
  ftruncateSync,
  mkdirSync,
  openSync,
  readFileSync,
  readSync,
  renameSync,
  rmSync,
  writeSync,
} from 'node:fs';
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

/**
 * Append one record (a line; '\n' is added) whole or not at all, then fsync: the file is opened
 * without following a symlink and must be a regular file of ours with one link; a write that
 * fails part-way (ENOSPC) is cut back off, so no torn line is left for the next record to glue
 * onto. A line torn by a crash before is ended first, so the new record stands on its own line.
 */
export function appendRecordDurable(file: string, line: string, mode = 0o600): void {
  const fd = openSync(file, constants.O_RDWR | constants.O_APPEND | constants.O_CREAT | constants.O_NOFOLLOW, mode);
  try {
    const st = fstatSync(fd);
    const uid = process.geteuid?.() ?? 0;
    if (!st.isFile() || st.uid !== uid || st.nlink !== 1)
      throw new Error(`${file} is not a regular file of uid ${uid} with one link (uid ${st.uid}, ${st.nlink} links): refusing to append`);
    const before = st.size;
    let text = line.endsWith('\n') ? line : line + '\n';
    if (before > 0) {
      const last = Buffer.alloc(1);
      readSync(fd, last, 0, 1, before - 1);
      if (last[0] !== 0x0a) text = '\n' + text;
    }
    const buf = Buffer.from(text);
    try {
      let off = 0;
      while (off < buf.length) off += writeSync(fd, buf, off, buf.length - off);
      fsyncSync(fd);
    } catch (err) {
      try {
        ftruncateSync(fd, before);
      } catch {
        /* the write error is the one to report */
      }
      throw err;
    }
  } finally {
    closeSync(fd);
  }
}

/** A file's bytes, refusing a symlink (ELOOP) instead of following it. */
export function readNoFollow(file: string): Buffer {
  const fd = openSync(file, constants.O_RDONLY | constants.O_NOFOLLOW);
  try {
    return readFileSync(fd);
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
      if (file === '' || file === '.' || file === '..' || file === 'index.json' || file.includes('/'))
        throw new Error(`invalid backup file name ${JSON.stringify(file)}`);
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
