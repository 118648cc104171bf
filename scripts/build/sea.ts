// `npm run build:sea`: kubesweep as one executable per architecture, dist/sea/kubesweep-linux-
// {x64,arm64}: Node 24 LTS (from npm, node-runtime.ts) with the bundle (bundle.ts) injected as
// a single executable application blob (postject). The same file is the client and the agent
// (agent/entry.ts). It needs nothing on the node but the C and C++ runtime libraries every
// Debian/Ubuntu/RHEL has (glibc ≥ 2.28, libstdc++, libgcc_s: apt itself needs them), as Node's
// official Linux binaries do.
//
// The blob is made by the x64 Node 24 (this machine runs it), for both architectures: the blob
// format is the same, but V8's code cache is specific to the machine code it was made for, so
// only the host architecture's file carries one (useCodeCache); the arm64 file compiles its
// JavaScript at start, like plain node.
import { execFileSync, spawnSync } from 'node:child_process';
import { chmodSync, copyFileSync, mkdirSync, readFileSync, renameSync, rmSync, statSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { packageRoot } from '../../agent/shared/paths';
import { SEA_EXEC_ARGV } from '../../agent/shared/node-flags';
import { bundle } from './bundle';
import { ARCHES, hostArch, nodeBinary, type Arch } from './node-runtime';

/** postject's resource name and the fuse Node checks to know it carries a blob. */
export const SEA_RESOURCE = 'NODE_SEA_BLOB';
export const SEA_FUSE = 'NODE_SEA_FUSE_fce680ab2cc467b6e072b8b5df1996b2';

export interface SeaOptions {
  arch: Arch;
  bundleFile: string;
  outFile: string;
  /** V8 code cache of the bundle inside the blob (host architecture only). */
  useCodeCache: boolean;
  /** Node/V8 options every start of the file gets (Node ≥ 24's `execArgv` in the SEA config). */
  execArgv?: string[];
  /** Strip the symbol table (−18 MB) when a strip tool for the architecture is found. */
  strip?: boolean;
}

export function seaConfig(o: { main: string; output: string; useCodeCache: boolean; execArgv?: string[] }): object {
  return {
    main: o.main,
    output: o.output,
    disableExperimentalSEAWarning: true,
    useSnapshot: false,
    useCodeCache: o.useCodeCache,
    ...(o.execArgv?.length ? { execArgv: o.execArgv } : {}),
  };
}

/** A strip that understands ARCH's ELF files: llvm-strip does all, GNU strip only the host's. */
function stripTool(arch: Arch): string | undefined {
  const has = (cmd: string): boolean => spawnSync('sh', ['-c', `command -v ${cmd}`], { stdio: 'ignore' }).status === 0;
  if (has('llvm-strip')) return 'llvm-strip';
  if (arch === 'arm64' && has('aarch64-linux-gnu-strip')) return 'aarch64-linux-gnu-strip';
  if (arch === hostArch() && has('strip')) return 'strip';
  return undefined;
}

export interface SeaResult {
  arch: Arch;
  file: string;
  bytes: number;
  nodeVersion: string;
  codeCache: boolean;
  stripped: boolean;
}

export async function buildSea(o: SeaOptions): Promise<SeaResult> {
  const runtime = nodeBinary(o.arch);
  // The blob must come from the very Node version it is injected into.
  const maker = nodeBinary(hostArch() ?? 'x64');
  if (maker.version !== runtime.version) throw new Error(`sea: blob maker is Node ${maker.version}, runtime ${runtime.version}`);
  const work = `${o.outFile}.work`;
  rmSync(work, { recursive: true, force: true });
  mkdirSync(work, { recursive: true });
  try {
    const blob = path.join(work, 'sea.blob');
    const config = path.join(work, 'sea-config.json');
    writeFileSync(
      config,
      JSON.stringify(seaConfig({ main: o.bundleFile, output: blob, useCodeCache: o.useCodeCache, execArgv: o.execArgv }), null, 2),
    );
    // The maker runs with the same V8 flags the file will start with: V8 rejects a code cache
    // made under other flags (it checks a hash of them).
    execFileSync(maker.file, [...(o.execArgv ?? []), '--experimental-sea-config', config], { stdio: 'pipe', cwd: work });

    const exe = path.join(work, 'kubesweep');
    copyFileSync(runtime.file, exe);
    chmodSync(exe, 0o755);
    const strip = o.strip === false ? undefined : stripTool(o.arch);
    if (strip) execFileSync(strip, ['--strip-all', exe], { stdio: 'pipe' });
    const { inject } = require('postject') as {
      inject: (file: string, name: string, data: Buffer, opts: { sentinelFuse: string }) => Promise<void>;
    };
    // postject prints a warning for a binary that already has the fuse flipped; a fresh copy never has.
    await inject(exe, SEA_RESOURCE, readFileSync(blob), { sentinelFuse: SEA_FUSE });
    renameSync(exe, o.outFile);
    return {
      arch: o.arch,
      file: o.outFile,
      bytes: statSync(o.outFile).size,
      nodeVersion: runtime.version,
      codeCache: o.useCodeCache,
      stripped: Boolean(strip),
    };
  } finally {
    rmSync(work, { recursive: true, force: true });
  }
}

/** How a shipped file is built: the host architecture's with a code cache, every one with SEA_EXEC_ARGV. */
export function shippedSeaOptions(arch: Arch, bundleFile: string, outFile: string): SeaOptions {
  return { arch, bundleFile, outFile, useCodeCache: arch === hostArch(), execArgv: [...SEA_EXEC_ARGV] };
}

/** The shipped files: both architectures, the host's with a code cache. */
export async function buildAllSea(root = packageRoot()): Promise<SeaResult[]> {
  const b = await bundle({ root });
  const outDir = path.join(root, 'dist', 'sea');
  mkdirSync(outDir, { recursive: true });
  const results: SeaResult[] = [];
  for (const arch of ARCHES) {
    const outFile = path.join(outDir, `kubesweep-linux-${arch}`);
    results.push(await buildSea(shippedSeaOptions(arch, b.file, outFile)));
  }
  return results;
}

if (require.main === module) {
  buildAllSea().then(
    (rs) => {
      for (const r of rs) {
        process.stdout.write(
          `build:sea: ${path.relative(process.cwd(), r.file)}  ${(r.bytes / 1048576).toFixed(1)} MiB  Node ${r.nodeVersion}` +
            `${r.codeCache ? ', code cache' : ''}${r.stripped ? ', stripped' : ''}\n`,
        );
      }
    },
    (err) => {
      process.stderr.write(`build:sea: ${(err as Error).stack ?? String(err)}\n`);
      process.exit(1);
    },
  );
}
