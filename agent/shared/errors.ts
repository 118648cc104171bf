// One registry of every error kubesweep reports: a stable code, the gRPC status it maps to,
// the HTTP status, and a one-line summary used in docs. Throw sites add the specifics
// (which RPC, which id, which path) in the message and `details`.
import { status as GrpcStatus } from '@grpc/grpc-js';

export interface ErrorDef {
  readonly grpc: GrpcStatus;
  readonly http: number;
  readonly summary: string;
}

export const ERRORS = {
  KS_INVALID_ARGUMENT: { grpc: GrpcStatus.INVALID_ARGUMENT, http: 400, summary: 'A request or option failed validation.' },
  KS_CONFIG_INVALID: {
    grpc: GrpcStatus.INVALID_ARGUMENT,
    http: 400,
    summary: 'The agent configuration failed validation; every problem is listed.',
  },
  KS_CRI_UNAVAILABLE: { grpc: GrpcStatus.UNAVAILABLE, http: 503, summary: 'The CRI socket is missing or nobody answers on it.' },
  KS_CRI_DEADLINE: { grpc: GrpcStatus.DEADLINE_EXCEEDED, http: 504, summary: 'A CRI call did not finish within its deadline.' },
  KS_CRI_ENDPOINT_UNKNOWN: {
    grpc: GrpcStatus.FAILED_PRECONDITION,
    http: 409,
    summary: 'No CRI endpoint is configured and not exactly one of the known CRI sockets answers: set --cri-endpoint.',
  },
  KS_CRI_CALL_FAILED: { grpc: GrpcStatus.INTERNAL, http: 502, summary: 'The container runtime answered a CRI call with an error.' },
  KS_PATH_OUTSIDE_SCOPE: {
    grpc: GrpcStatus.FAILED_PRECONDITION,
    http: 409,
    summary: 'A path to delete or unmount does not lie inside a configured directory.',
  },
  KS_ENTRY_CHANGED: {
    grpc: GrpcStatus.FAILED_PRECONDITION,
    http: 409,
    summary: 'An entry to remove or unmount changed type or identity (lstat dev+inode) since the plan: left in place.',
  },
  KS_PROCESS_NOT_OURS: {
    grpc: GrpcStatus.FAILED_PRECONDITION,
    http: 409,
    summary: 'A process to kill is not proven to belong to the configured containerd.',
  },
  KS_BACKUP_FAILED: {
    grpc: GrpcStatus.INTERNAL,
    http: 500,
    summary: 'The manifest backup could not be written completely; nothing was removed.',
  },
  KS_BACKUP_NOT_FOUND: { grpc: GrpcStatus.NOT_FOUND, http: 404, summary: 'No manifest backup with that id exists.' },
  KS_RESTORE_CONFLICT: {
    grpc: GrpcStatus.FAILED_PRECONDITION,
    http: 409,
    summary: 'Restoring would overwrite a manifest that differs from the backup.',
  },
  KS_CONFIRM_MISMATCH: { grpc: GrpcStatus.FAILED_PRECONDITION, http: 409, summary: "confirm_node does not equal this agent's node name." },
  KS_BUSY: { grpc: GrpcStatus.ABORTED, http: 409, summary: 'Another destructive operation is running on this node.' },
  KS_UNAUTHENTICATED: { grpc: GrpcStatus.UNAUTHENTICATED, http: 401, summary: 'The caller presented no usable identity.' },
  KS_PERMISSION_DENIED: { grpc: GrpcStatus.PERMISSION_DENIED, http: 403, summary: "The caller's role does not allow this call." },
  KS_RESOURCE_EXHAUSTED: {
    grpc: GrpcStatus.RESOURCE_EXHAUSTED,
    http: 429,
    summary: 'Too many read calls at once, or the agent is over its memory bound; the call was refused before any work: retry shortly.',
  },
  KS_SHUTTING_DOWN: { grpc: GrpcStatus.UNAVAILABLE, http: 503, summary: 'The agent is shutting down and accepts no new work.' },
  KS_AGENT_UNREACHABLE: {
    grpc: GrpcStatus.UNAVAILABLE,
    http: 503,
    summary: 'The client could not reach a kubesweep agent at the given endpoint.',
  },
  KS_TLS_HANDSHAKE: {
    grpc: GrpcStatus.UNAVAILABLE,
    http: 502,
    summary:
      'The TLS handshake with the agent failed; the message says whose certificate and why (unknown CA, name mismatch, expired, not yet valid, refused, revoked).',
  },
  KS_AGENT_CALL_FAILED: {
    grpc: GrpcStatus.UNKNOWN,
    http: 502,
    summary: 'A kubesweep agent answered a call with an error that carries no kubesweep code.',
  },
  KS_UNMOUNT_FAILED: {
    grpc: GrpcStatus.INTERNAL,
    http: 500,
    summary: 'An unmount of a leftover mount failed (umount -l for container mounts, umount for kubelet volumes).',
  },
  KS_STILL_MOUNTED: {
    grpc: GrpcStatus.FAILED_PRECONDITION,
    http: 409,
    summary: 'A directory was not removed because something is still mounted at or under it.',
  },
  KS_LINK_FAILED: {
    grpc: GrpcStatus.INTERNAL,
    http: 500,
    summary: 'iproute2 could not read the links, or delete (or set down) a matching link.',
  },
  KS_FIREWALL_FAILED: {
    grpc: GrpcStatus.INTERNAL,
    http: 500,
    summary: 'Saving or restoring an iptables rule set failed; a table whose restore failed is unchanged.',
  },
  KS_POD_CGROUP_FAILED: {
    grpc: GrpcStatus.INTERNAL,
    http: 500,
    summary: 'A pod cgroup was not removed: it holds a process, lies outside the pod hierarchy, or rmdir failed; it is left as it was.',
  },
  KS_UNIT_DISABLE_FAILED: {
    grpc: GrpcStatus.INTERNAL,
    http: 500,
    summary: 'systemctl could not tell whether the kubelet unit is enabled, or could not disable it.',
  },
  KS_UNIT_STOP_FAILED: { grpc: GrpcStatus.INTERNAL, http: 500, summary: 'systemctl could not stop the configured kubelet unit.' },
  KS_STATE_DIR_FAILED: {
    grpc: GrpcStatus.FAILED_PRECONDITION,
    http: 409,
    summary: 'The state dir (run journal) cannot be written (read-only, full); nothing was done.',
  },
  KS_STATE_DIR_UNSAFE: {
    grpc: GrpcStatus.FAILED_PRECONDITION,
    http: 409,
    summary:
      "The state dir, or a dir or file in it, is not the agent's alone (another owner, group/other-writable, a symlink); nothing was done.",
  },
  KS_CNI_FALLBACK_FAILED: {
    grpc: GrpcStatus.FAILED_PRECONDITION,
    http: 409,
    summary: 'The CNI teardown fallback could not be used safely (conf dir not the configured one, not loaded, or not restorable).',
  },
  KS_CROSS_FILESYSTEM: {
    grpc: GrpcStatus.FAILED_PRECONDITION,
    http: 409,
    summary: 'Moving the etcd data dir aside would cross filesystems (a mount inside it): that entry is left in place.',
  },
  KS_INTERNAL: { grpc: GrpcStatus.INTERNAL, http: 500, summary: 'An unexpected internal error.' },
} as const satisfies Record<string, ErrorDef>;

export type ErrorCode = keyof typeof ERRORS;

export class KubesweepError extends Error {
  readonly code: ErrorCode;
  readonly details: Readonly<Record<string, unknown>>;

  constructor(code: ErrorCode, message: string, details: Record<string, unknown> = {}, options?: { cause?: unknown }) {
    super(message, options);
    this.name = 'KubesweepError';
    this.code = code;
    this.details = Object.freeze({ ...details });
  }

  get grpcStatus(): GrpcStatus {
    return ERRORS[this.code].grpc;
  }

  get httpStatus(): number {
    return ERRORS[this.code].http;
  }
}

export function ksError(code: ErrorCode, message: string, details?: Record<string, unknown>, cause?: unknown): KubesweepError {
  return new KubesweepError(code, message, details, cause === undefined ? undefined : { cause });
}

export function isKubesweepError(err: unknown, code?: ErrorCode): err is KubesweepError {
  return err instanceof KubesweepError && (code === undefined || err.code === code);
}

/** Wrap anything thrown into a KubesweepError, keeping registry errors as they are. */
export function toKubesweepError(err: unknown): KubesweepError {
  if (err instanceof KubesweepError) return err;
  const message = err instanceof Error ? err.message : String(err);
  return new KubesweepError('KS_INTERNAL', message, {}, { cause: err });
}
