// Builds the testbed's container images, since nothing can be pulled here: a pause image (a
// tiny static C binary) and a busybox image (the host's static /bin/busybox), each written as
// an OCI image-layout tar that `ctr images import` accepts.
import { execFileSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { copyFileSync, existsSync, mkdirSync, readFileSync, renameSync, rmSync, symlinkSync, writeFileSync, chmodSync } from 'node:fs';
import path from 'node:path';

export const PAUSE_IMAGE = 'kubesweep.test/pause:1';
export const BUSYBOX_IMAGE = 'kubesweep.test/busybox:1';

/** Where built image tars are cached between runs (content-addressed by their inputs). */
export const IMAGE_CACHE_DIR = process.env.KUBESWEEP_IMAGE_CACHE ?? '/var/tmp/kubesweep-images';

export interface BuiltImages {
  pause: string;
  busybox: string;
}

const BUSYBOX_APPLETS = ['sh', 'sleep', 'httpd', 'nc', 'cat', 'echo', 'true', 'ls', 'ps'];

function sha256(data: Buffer | string): string {
  return createHash('sha256').update(data).digest('hex');
}

/** Build (or reuse from the cache) both image tars. */
export function buildImages(cacheDir = IMAGE_CACHE_DIR): BuiltImages {
  mkdirSync(cacheDir, { recursive: true });
  const pauseSrc = readFileSync(path.join(findTestbedSourceDir(), 'pause.c'));
  const busybox = readFileSync('/bin/busybox');
  return {
    pause: cached(cacheDir, 'pause', sha256(pauseSrc), (rootfs) => {
      const out = path.join(rootfs, 'pause');
      const src = path.join(path.dirname(rootfs), 'pause.c');
      writeFileSync(src, pauseSrc);
      execFileSync('gcc', ['-static', '-Os', '-o', out, src], { stdio: 'pipe' });
      return { name: PAUSE_IMAGE, entrypoint: ['/pause'] };
    }),
    busybox: cached(cacheDir, 'busybox', sha256(busybox), (rootfs) => {
      mkdirSync(path.join(rootfs, 'bin'));
      mkdirSync(path.join(rootfs, 'tmp'));
      mkdirSync(path.join(rootfs, 'www'));
      copyFileSync('/bin/busybox', path.join(rootfs, 'bin/busybox'));
      chmodSync(path.join(rootfs, 'bin/busybox'), 0o755);
      for (const applet of BUSYBOX_APPLETS) symlinkSync('busybox', path.join(rootfs, 'bin', applet));
      return { name: BUSYBOX_IMAGE, entrypoint: ['/bin/sh'] };
    }),
  };
}

/** pause.c sits next to this file in the source tree; compiled code runs from dist/. */
function findTestbedSourceDir(): string {
  const candidates = [__dirname, path.resolve(__dirname, '../../../scripts/testbed')];
  for (const dir of candidates) if (existsSync(path.join(dir, 'pause.c'))) return dir;
  throw new Error(`testbed: cannot find pause.c near ${__dirname}`);
}

function cached(
  cacheDir: string,
  kind: string,
  inputHash: string,
  fill: (rootfs: string) => { name: string; entrypoint: string[] },
): string {
  const target = path.join(cacheDir, `${kind}-${inputHash.slice(0, 16)}.tar`);
  if (existsSync(target)) return target;
  const work = path.join(cacheDir, `.build-${kind}-${process.pid}-${Date.now()}`);
  mkdirSync(path.join(work, 'rootfs'), { recursive: true });
  try {
    const { name, entrypoint } = fill(path.join(work, 'rootfs'));
    writeOciLayout(work, name, entrypoint);
    const tmp = `${target}.${process.pid}.tmp`;
    execFileSync('tar', ['-C', path.join(work, 'layout'), '-cf', tmp, 'oci-layout', 'index.json', 'blobs'], { stdio: 'pipe' });
    renameSync(tmp, target);
    return target;
  } finally {
    rmSync(work, { recursive: true, force: true });
  }
}

function writeOciLayout(work: string, name: string, entrypoint: string[]): void {
  const layout = path.join(work, 'layout');
  const blobs = path.join(layout, 'blobs', 'sha256');
  mkdirSync(blobs, { recursive: true });
  const putBlob = (data: Buffer): { digest: string; size: number } => {
    const hex = sha256(data);
    writeFileSync(path.join(blobs, hex), data);
    return { digest: `sha256:${hex}`, size: data.length };
  };
  // One uncompressed layer; numeric owners so the rootfs is root-owned whoever builds it.
  const layerTar = execFileSync('tar', ['-C', path.join(work, 'rootfs'), '--numeric-owner', '--owner=0', '--group=0', '-cf', '-', '.'], {
    maxBuffer: 64 * 1024 * 1024,
  });
  const layer = putBlob(layerTar);
  const config = putBlob(
    Buffer.from(
      JSON.stringify({
        architecture: ociArch(),
        os: 'linux',
        config: { Entrypoint: entrypoint, Env: ['PATH=/bin'], WorkingDir: '/' },
        rootfs: { type: 'layers', diff_ids: [layer.digest] },
        history: [{ created_by: 'kubesweep testbed' }],
      }),
    ),
  );
  const manifest = putBlob(
    Buffer.from(
      JSON.stringify({
        schemaVersion: 2,
        mediaType: 'application/vnd.oci.image.manifest.v1+json',
        config: { mediaType: 'application/vnd.oci.image.config.v1+json', ...config },
        layers: [{ mediaType: 'application/vnd.oci.image.layer.v1.tar', ...layer }],
      }),
    ),
  );
  writeFileSync(path.join(layout, 'oci-layout'), JSON.stringify({ imageLayoutVersion: '1.0.0' }));
  writeFileSync(
    path.join(layout, 'index.json'),
    JSON.stringify({
      schemaVersion: 2,
      manifests: [
        {
          mediaType: 'application/vnd.oci.image.manifest.v1+json',
          ...manifest,
          platform: { architecture: ociArch(), os: 'linux' },
          annotations: { 'io.containerd.image.name': name, 'org.opencontainers.image.ref.name': name.split(':').pop() },
        },
      ],
    }),
  );
}

function ociArch(): string {
  const map: Record<string, string> = { x64: 'amd64', arm64: 'arm64', arm: 'arm', ppc64: 'ppc64le', s390x: 's390x', riscv64: 'riscv64' };
  return map[process.arch] ?? process.arch;
}
