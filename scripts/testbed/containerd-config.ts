// The testbed's containerd config.toml, in the form the binary wants: version 2 for containerd
// 1.x, version 3 for 2.0–2.2 (the CRI split into `io.containerd.cri.v1.images`/`.runtime`, CNI
// `bin_dirs`). Every dir containerd would otherwise put on the machine is pinned into the
// testbed's dir or turned off: root, state, sockets, runc's state (`Root`), the opt plugin, the
// image verifiers' dir; NRI (1.7+: its socket under /var/run/nri, plugins under /opt/nri and
// /etc/nri) and CDI are disabled, and nothing is imported (`imports = []`).
import path from 'node:path';

export interface ContainerdConfigParams {
  dir: string;
  root: string;
  state: string;
  socket: string;
  sandboxImage: string;
  cniBinDir: string;
  cniConfDir: string;
  cniMaxConfNum: number;
}

/** Plugins a testbed never needs (snapshotters this machine cannot run, tracing). */
const DISABLED_PLUGINS = [
  'io.containerd.snapshotter.v1.aufs',
  'io.containerd.snapshotter.v1.btrfs',
  'io.containerd.snapshotter.v1.zfs',
  'io.containerd.snapshotter.v1.devmapper',
  'io.containerd.snapshotter.v1.blockfile',
  'io.containerd.snapshotter.v1.erofs',
  'io.containerd.differ.v1.erofs',
  'io.containerd.tracing.processor.v1.otlp',
  'io.containerd.internal.v1.tracing',
];

const q = (s: string) => JSON.stringify(s);

/** The shared head: dirs, servers, imports. */
function head(p: ContainerdConfigParams, version: number): string {
  return `version = ${version}
root = ${q(p.root)}
state = ${q(p.state)}
imports = []
disabled_plugins = [${DISABLED_PLUGINS.map(q).join(', ')}]

[grpc]
  address = ${q(p.socket)}

[ttrpc]
  address = ${q(p.socket + '.ttrpc')}

[debug]
  address = ""

[metrics]
  address = ""
`;
}

/** Plugins whose ids are the same in versions 2 and 3. */
function commonPlugins(p: ContainerdConfigParams): string {
  return `  [plugins."io.containerd.internal.v1.opt"]
    path = ${q(path.join(p.dir, 'opt'))}
  [plugins."io.containerd.nri.v1.nri"]
    disable = true
    socket_path = ${q(path.join(p.dir, 'nri', 'nri.sock'))}
    plugin_path = ${q(path.join(p.dir, 'nri', 'plugins'))}
    plugin_config_path = ${q(path.join(p.dir, 'nri', 'conf.d'))}
`;
}

function runcOptions(p: ContainerdConfigParams): string {
  return `Root = ${q(path.join(p.dir, 'runc'))}
          SystemdCgroup = false`;
}

/** containerd 1.6 and 1.7. */
function version2(p: ContainerdConfigParams): string {
  const cri = '"io.containerd.grpc.v1.cri"';
  return `${head(p, 2)}
[plugins]
${commonPlugins(p)}  [plugins.${cri}]
    sandbox_image = ${q(p.sandboxImage)}
    restrict_oom_score_adj = true
    netns_mounts_under_state_dir = true
    stream_server_address = "127.0.0.1"
    stream_server_port = "0"
    enable_selinux = false
    disable_apparmor = true
    enable_cdi = false
    [plugins.${cri}.containerd]
      snapshotter = "overlayfs"
      default_runtime_name = "runc"
      [plugins.${cri}.containerd.runtimes.runc]
        runtime_type = "io.containerd.runc.v2"
        [plugins.${cri}.containerd.runtimes.runc.options]
          ${runcOptions(p)}
    [plugins.${cri}.cni]
      bin_dir = ${q(p.cniBinDir)}
      conf_dir = ${q(p.cniConfDir)}
      max_conf_num = ${p.cniMaxConfNum}
`;
}

/** containerd 2.0–2.2. */
function version3(p: ContainerdConfigParams): string {
  const images = "'io.containerd.cri.v1.images'";
  const rt = "'io.containerd.cri.v1.runtime'";
  return `${head(p, 3)}
[plugins]
${commonPlugins(p)}  [plugins.'io.containerd.image-verifier.v1.bindir']
    bin_dir = ${q(path.join(p.dir, 'image-verifier'))}
  [plugins.${images}]
    snapshotter = "overlayfs"
    [plugins.${images}.pinned_images]
      sandbox = ${q(p.sandboxImage)}
  [plugins.'io.containerd.grpc.v1.cri']
    stream_server_address = "127.0.0.1"
    stream_server_port = "0"
  [plugins.${rt}]
    restrict_oom_score_adj = true
    netns_mounts_under_state_dir = true
    enable_selinux = false
    disable_apparmor = true
    enable_cdi = false
    [plugins.${rt}.containerd]
      default_runtime_name = "runc"
      [plugins.${rt}.containerd.runtimes.runc]
        runtime_type = "io.containerd.runc.v2"
        [plugins.${rt}.containerd.runtimes.runc.options]
          ${runcOptions(p)}
    [plugins.${rt}.cni]
      bin_dirs = [${q(p.cniBinDir)}]
      conf_dir = ${q(p.cniConfDir)}
      max_conf_num = ${p.cniMaxConfNum}
`;
}

export function containerdConfigToml(p: ContainerdConfigParams, version: 2 | 3 | 4): string {
  if (version === 2) return version2(p);
  if (version === 3) return version3(p);
  // Version 4 (2.3+) moves the servers under plugins; no such build is in Debian yet to check a
  // form against, and a config the binary was never seen to accept is not written.
  throw new Error('testbed: containerd 2.3+ wants config version 4, which the testbed does not write yet');
}
