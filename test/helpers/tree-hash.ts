// One sha256 over a dir tree: every entry's relative path, type, mode and content (a symlink's
// target text, never followed; a FIFO by type only). Two trees hash alike only when a copy or a
// move kept every byte, name and mode.
import { createHash } from 'node:crypto';
import { lstatSync, readdirSync, readFileSync, readlinkSync } from 'node:fs';
import path from 'node:path';

export function treeHash(root: string, skip: (name: string) => boolean = () => false): string {
  const h = createHash('sha256');
  const walk = (dir: string, rel: string) => {
    for (const n of readdirSync(dir).sort()) {
      if (rel === '' && skip(n)) continue;
      const p = path.join(dir, n);
      const r = path.join(rel, n);
      const st = lstatSync(p);
      h.update(`${r}\0${st.mode.toString(8)}\0`);
      if (st.isSymbolicLink()) h.update(`link:${readlinkSync(p)}\0`);
      else if (st.isFile()) h.update(readFileSync(p));
      else if (st.isDirectory()) walk(p, r);
      h.update('\n');
    }
  };
  walk(root, '');
  return h.digest('hex');
}
