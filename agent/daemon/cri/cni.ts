// What containerd says about CNI, read from its answers. Pure.
//
// 1. A sandbox stop whose network teardown failed. containerd 1.6/1.7 (pkg/cri/server/
//    sandbox_stop.go) wraps the plugin's error as
//      failed to destroy network for sandbox "<id>": plugin type="<type>" failed (delete): <msg>
//    (RemovePodSandbox prefixes `failed to forcibly stop sandbox "<id>": `). The plugin runs
//    under the request's context, so a plugin that hangs is SIGKILLed when the call's deadline
//    passes and the message ends in `netplugin failed with no error message: signal: killed`.
//    Either way the error is deterministic: asking again runs the same DEL with the same
//    config and gets the same answer, so it is not worth a retry at full timeout.
// 2. The CNI networks containerd has loaded right now: Status(verbose) carries go-cni's
//    ConfigResult as JSON in info["cniconfig"] and the CRI plugin's config in info["config"].

export interface CniTeardownFailure {
  sandboxId: string;
  /** The plugin's `type`, as containerd names it. */
  plugin?: string;
  /** What the plugin said (or how it died). */
  pluginMessage: string;
  /** 'failed': the plugin answered with an error; 'killed': it was killed at the deadline (a hang). */
  kind: 'failed' | 'killed';
}

const DESTROY = /failed to destroy network for sandbox "([0-9a-zA-Z._-]+)": (.*)$/s;
const PLUGIN = /^plugin type="([^"]*)" failed \(delete\): (.*)$/s;
const KILLED = /signal: killed\s*$/;

/** Parse a StopPodSandbox/RemovePodSandbox error message; undefined when it is not a CNI teardown failure. */
export function parseCniTeardownError(message: string): CniTeardownFailure | undefined {
  const m = DESTROY.exec(message);
  if (!m) return undefined;
  const sandboxId = m[1];
  const rest = m[2].trim();
  const p = PLUGIN.exec(rest);
  const pluginMessage = (p ? p[2] : rest).trim();
  return { sandboxId, ...(p ? { plugin: p[1] } : {}), pluginMessage, kind: KILLED.test(pluginMessage) ? 'killed' : 'failed' };
}

export interface LoadedCniConfig {
  /** containerd's CNI conf dir (PluginConfDir). */
  confDir: string;
  maxConfNum: number;
  /** Network names in load order, the loopback network containerd always adds excluded. */
  networks: string[];
  /** containerd's CNI bin dirs (PluginDirs). */
  binDirs: string[];
  /** 'OK' or the last reload's error. */
  lastLoadStatus?: string;
}

/** The loopback network go-cni adds itself (WithLoNetwork): not from the conf dir. */
export const CNI_LOOPBACK_NETWORK = 'cni-loopback';

/** Parse containerd's verbose Status info; undefined when it carries no CNI config. */
export function parseLoadedCniConfig(info: Readonly<Record<string, string>>): LoadedCniConfig | undefined {
  const text = info['cniconfig'];
  if (!text) return undefined;
  let doc: unknown;
  try {
    doc = JSON.parse(text);
  } catch {
    return undefined;
  }
  if (!doc || typeof doc !== 'object') return undefined;
  const d = doc as { PluginConfDir?: unknown; PluginMaxConfNum?: unknown; PluginDirs?: unknown; Networks?: unknown };
  if (typeof d.PluginConfDir !== 'string') return undefined;
  const networks: string[] = [];
  for (const n of Array.isArray(d.Networks) ? d.Networks : []) {
    const name = (n as { Config?: { Name?: unknown } } | null)?.Config?.Name;
    if (typeof name === 'string' && name !== CNI_LOOPBACK_NETWORK) networks.push(name);
  }
  const status = info['lastCNILoadStatus'];
  return {
    confDir: d.PluginConfDir,
    maxConfNum: typeof d.PluginMaxConfNum === 'number' ? d.PluginMaxConfNum : 0,
    networks,
    binDirs: Array.isArray(d.PluginDirs) ? d.PluginDirs.filter((x): x is string => typeof x === 'string') : [],
    ...(typeof status === 'string' ? { lastLoadStatus: status } : {}),
  };
}
