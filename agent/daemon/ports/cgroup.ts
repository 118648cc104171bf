// Which container (and pod) a process belongs to, from /proc/PID/cgroup. Pure.
//
// Forms met on real nodes (one line per hierarchy, `id:controllers:path`):
//   cgroupfs driver:       …/kubepods/besteffort/pod<uid>/<id>   or   /<cgroup_parent>/<id>
//   systemd driver (v1/v2): …/kubepods-besteffort-pod<uid_with_underscores>.slice/cri-containerd-<id>.scope
//                           (crio-<id>.scope for CRI-O, docker-<id>.scope for dockershim)
//   containerd's systemd cgroup name left unexpanded: …-pod<uid>.slice:cri-containerd:<id>
// The container id is a 64-hex CRI id; a pause process yields its sandbox id the same way.

export interface CgroupIds {
  containerId?: string;
  /** Pod uid as Kubernetes prints it (dashes), when the path carries one. */
  podUid?: string;
}

const ID = '[0-9a-f]{64}';
const SEGMENT_ID = [
  new RegExp(`^(${ID})$`),
  new RegExp(`^(?:cri-containerd|crio|docker|containerd|libpod)-(${ID})\\.scope$`),
  new RegExp(`:(?:cri-containerd|crio|docker):(${ID})$`),
];
// A pod uid is a UUID for API pods and a 32-hex config hash for static (file/http) pods.
const POD_UID = /pod([0-9a-f]{8}[-_][0-9a-f]{4}[-_][0-9a-f]{4}[-_][0-9a-f]{4}[-_][0-9a-f]{12}|[0-9a-f]{32})(?:\.slice|$|:)/;

export function parseCgroup(text: string): CgroupIds {
  let fallbackUid: string | undefined;
  for (const line of text.split('\n')) {
    const a = line.indexOf(':');
    const b = a < 0 ? -1 : line.indexOf(':', a + 1);
    if (b < 0) continue;
    const p = line.slice(b + 1).trim();
    if (p === '' || p === '/') continue;
    const ids = idsFromPath(p);
    if (ids.containerId) return ids;
    fallbackUid ??= ids.podUid;
  }
  return fallbackUid ? { podUid: fallbackUid } : {};
}

export function idsFromPath(cgroupPath: string): CgroupIds {
  const segments = cgroupPath.split('/').filter((s) => s !== '');
  const out: CgroupIds = {};
  const last = segments[segments.length - 1];
  if (last) {
    for (const re of SEGMENT_ID) {
      const m = re.exec(last);
      if (m) {
        out.containerId = m[1];
        break;
      }
    }
  }
  for (const s of segments) {
    const m = POD_UID.exec(s);
    if (m) out.podUid = m[1].replace(/_/g, '-');
  }
  return out;
}
