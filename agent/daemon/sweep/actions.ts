// What a step plans to do: one action on one target, with what the run needs to do it safely.
export interface Action {
  /** Verb: stop-unit, backup-file, remove-file, stop-container, remove-container, stop-sandbox, remove-sandbox, kill-process, unmount, remove-netns, check … */
  action: string;
  /** What it acts on: a unit, a path, an id, a pid. */
  target: string;
  detail?: Record<string, unknown>;
}
