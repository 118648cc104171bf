// The agent learns the node's dirs from containerd: while the CRI answers (at start,
// periodically, and before each plan) it reads Status (verbose), derives containerd's root and
// state, the netns dir, the CNI conf, bin and IPAM data dirs and libcni's cache, and keeps
// them in its state dir. When the CRI is down it uses what it learned last; an agent that never
// saw the CRI up reads containerd's config file. resolve.ts decides what wins over what.
import type pino from 'pino';
import type { RuntimeStatusResponse, VersionResponse } from '../cri/messages';
import type { OptionName } from '../options';
import { readContainerdConfig } from './containerd-config';
import { dirsFromStatus, type LearnableOption } from './dirs';
import { loadLearned, saveLearned } from './learned-store';
import { describeKnowledge, resolveDirs, type OptionOrigin, type ResolvedDirs, type RuntimeKnowledge } from './resolve';

/** The two CRI calls learning needs (CriClient has them). */
export interface StatusSource {
  status(verbose?: boolean, opts?: { timeoutMs?: number }): Promise<RuntimeStatusResponse>;
  version(opts?: { timeoutMs?: number }): Promise<VersionResponse>;
}

export interface LearnerOptions {
  configured: Readonly<Record<LearnableOption, string | readonly string[]>> & {
    stateDir: string;
    manifestsDir: string;
    criEndpoint: string;
  };
  origins: Readonly<Partial<Record<OptionName, OptionOrigin>>>;
  cri: () => StatusSource;
  log: pino.Logger;
  /** containerd's config file, read when nothing was learned (`--containerd-config`). */
  containerdConfig: string;
  now?: () => Date;
  /** How long one Status/Version call may take: a hung containerd must not hold a plan. */
  callTimeoutMs?: number;
}

/** Why the last attempt to ask containerd failed, with when. */
export interface LearnAttempt {
  at: string;
  error?: string;
}

export class RuntimeLearner {
  private known: RuntimeKnowledge | undefined;
  private resolvedNow: ResolvedDirs;
  private inFlight: Promise<void> | undefined;
  private timer: NodeJS.Timeout | undefined;
  private warned = new Set<string>();
  /** What the state file holds (without its time): rewritten only when containerd says something else. */
  private saved: string | undefined;
  lastAttempt: LearnAttempt | undefined;
  /** Why the learned state or containerd's config file could not be used, if so. */
  fallbackProblems: string[] = [];

  constructor(private readonly o: LearnerOptions) {
    this.known = this.offline();
    this.resolvedNow = this.resolve();
  }

  /** What the agent knows from containerd now, if anything. */
  get knowledge(): RuntimeKnowledge | undefined {
    return this.known;
  }

  /** The dirs in use now, with their sources, mismatches and refusals. */
  get resolved(): ResolvedDirs {
    return this.resolvedNow;
  }

  /** Ask containerd now (one call at a time; concurrent callers share it). Never throws. */
  refresh(): Promise<void> {
    this.inFlight ??= this.ask().finally(() => (this.inFlight = undefined));
    return this.inFlight;
  }

  /** Ask again every `periodMs` (unref'ed: it never keeps the agent alive). */
  startPeriodic(periodMs: number): void {
    this.stop();
    this.timer = setInterval(() => void this.refresh(), periodMs);
    this.timer.unref();
  }

  stop(): void {
    if (this.timer) clearInterval(this.timer);
    this.timer = undefined;
  }

  private now(): Date {
    return this.o.now?.() ?? new Date();
  }

  private async ask(): Promise<void> {
    const at = this.now().toISOString();
    const timeoutMs = this.o.callTimeoutMs ?? 5000;
    try {
      const cri = this.o.cri();
      const [st, v] = await Promise.all([cri.status(true, { timeoutMs }), cri.version({ timeoutMs })]);
      const dirs = dirsFromStatus(st.info ?? {});
      if (!dirs) throw new Error('Status (verbose) carries no containerd config: not containerd, or too old');
      const containerdVersion = `${v.runtimeName} ${v.runtimeVersion}`;
      this.lastAttempt = { at };
      this.known = { dirs, source: 'runtime', at, containerdVersion };
      // Unchanged answers are not written again: a dry run or an inspect changes no file.
      const same = JSON.stringify({ containerdVersion, criEndpoint: this.o.configured.criEndpoint, dirs });
      try {
        if (same !== this.saved)
          saveLearned(this.o.configured.stateDir, { learnedAt: at, containerdVersion, criEndpoint: this.o.configured.criEndpoint, dirs });
        this.saved = same;
      } catch (err) {
        this.o.log.warn({ err: (err as Error).message }, 'could not save what was learned from containerd');
      }
    } catch (err) {
      this.lastAttempt = { at, error: (err as Error).message };
      // Keep what was learned: containerd's dirs do not move while it is down.
      if (this.known?.source === 'runtime') this.known = { ...this.known, source: 'learned' };
      this.o.log.debug({ err: (err as Error).message }, 'containerd not asked: using what is known');
    }
    this.resolvedNow = this.resolve();
  }

  /** What is known without the CRI: the learned state, else containerd's config file. */
  private offline(): RuntimeKnowledge | undefined {
    const c = this.o.configured;
    try {
      const s = loadLearned(c.stateDir);
      if (s && s.criEndpoint === c.criEndpoint) {
        this.saved = JSON.stringify({ containerdVersion: s.containerdVersion, criEndpoint: s.criEndpoint, dirs: s.dirs });
        return { dirs: s.dirs, source: 'learned', at: s.learnedAt, containerdVersion: s.containerdVersion };
      }
      if (s) this.fallbackProblems.push(`learned state is of ${s.criEndpoint}, not ${c.criEndpoint}: not used`);
    } catch (err) {
      this.fallbackProblems.push(`learned state unusable: ${(err as Error).message}`);
    }
    try {
      const r = readContainerdConfig(this.o.containerdConfig);
      return { dirs: r.dirs, source: 'containerd-config', files: r.files };
    } catch (err) {
      this.fallbackProblems.push(`containerd's config file: ${(err as Error).message}`);
      return undefined;
    }
  }

  private resolve(): ResolvedDirs {
    const c = this.o.configured;
    const r = resolveDirs(c, this.o.origins, this.known, { stateDir: c.stateDir, manifestsDir: c.manifestsDir });
    // Each warning is logged once, not at every refresh.
    for (const w of [...r.mismatches, ...r.refused]) {
      if (this.warned.has(w.warning)) continue;
      this.warned.add(w.warning);
      this.o.log.warn({ option: w.option, source: this.known ? describeKnowledge(this.known) : undefined }, w.warning);
    }
    return r;
  }
}
