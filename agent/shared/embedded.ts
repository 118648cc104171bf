// What the single-file build carries inside itself. From source and from dist/ this is
// undefined and the protos and package.json are read from disk (paths.ts). The bundler
// (scripts/build/bundle.ts) replaces this module with the protos as JSON descriptors and the
// version, because a single executable has no package directory to find them in.
export interface Embedded {
  readonly version: string;
  /** proto-loader JSON descriptors (protobufjs Root#toJSON), keyed by the path under proto/. */
  readonly protos: Readonly<Record<string, object>>;
}

export const EMBEDDED: Embedded | undefined = undefined;
