// The shipped artefacts, built fresh for a test file from the current dist/ (tsc output): the
// bundle, the single executable for this machine's architecture, and the .deb around it.
// Node 24 comes from the npm tarball cached under .cache/node (packed on first use).
import { mkdtempSync, rmSync } from 'node:fs';
import path from 'node:path';
import type { Test } from 'tap';
import { bundle } from '../../scripts/build/bundle';
import { hostArch, type Arch } from '../../scripts/build/node-runtime';
import { buildSea, shippedSeaOptions } from '../../scripts/build/sea';

export interface Shipped {
  dir: string;
  arch: Arch;
  bundle: string;
  sea: string;
}

/** Build the bundle and the host's single executable into a temp dir removed in teardown. */
export async function buildShipped(t: Test): Promise<Shipped> {
  const arch = hostArch();
  if (!arch) throw new Error(`no Node 24 build for ${process.arch}`);
  const dir = mkdtempSync('/tmp/ksship-');
  t.teardown(() => rmSync(dir, { recursive: true, force: true }));
  const b = await bundle({ outFile: path.join(dir, 'kubesweep.js') });
  // As `npm run build:sea` builds it (code cache, SEA_EXEC_ARGV): the tests run what ships.
  const sea = await buildSea(shippedSeaOptions(arch, b.file, path.join(dir, `kubesweep-linux-${arch}`)));
  return { dir, arch, bundle: b.file, sea: sea.file };
}
