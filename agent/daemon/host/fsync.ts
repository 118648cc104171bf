// Durable writes: a backup or journal record only counts once it is on disk. Files are
// fsync'ed before close, and the directory is fsync'ed after an entry is created or renamed,
// or a crash could lose the entry even though its data was flushed.
import { closeSync, fsyncSync, openSync, writeSync } from 'node:fs';

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
