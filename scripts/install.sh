#!/usr/bin/env bash
# Install kubesweep (agent + client) from a built work tree (npm ci && npm run build), or the
# single executable (npm run build:sea), which needs no node and no npm on the machine.
#
#   scripts/install.sh [--prefix DIR] [--bindir DIR] [--unitdir DIR] [--node PATH] [--uninstall]
#   scripts/install.sh --single dist/sea/kubesweep-linux-x64 [--prefix DIR] [--bindir DIR]
#   scripts/install.sh --print-config            # the commented config it writes, to stdout
#   DESTDIR=/tmp/stage scripts/install.sh        # stage into a root other than /
#
# Installs into PREFIX (default /opt/kubesweep): dist/, proto/, package.json and the
# production node_modules — or, with --single, the one file as PREFIX/kubesweep; links
# BINDIR/kubesweep and BINDIR/kubesweep-agent (default /usr/local/bin); the systemd units into
# UNITDIR (default /etc/systemd/system) with their paths rewritten to PREFIX/BINDIR (and to
# --node, default: the node found in PATH; with --single they run BINDIR/kubesweep-agent and
# BINDIR/kubesweep); and a commented /etc/kubesweep/config.yaml only when there is none (it is
# yours after that). Running it again updates the program files and units and leaves the
# config alone. Every file it puts outside PREFIX is recorded in PREFIX/.install-manifest;
# --uninstall removes exactly those (the config only if you never changed it), then PREFIX.
# It never touches /var/lib/kubesweep (the manifest backups) nor starts or stops services.
set -euo pipefail

PREFIX=/opt/kubesweep
BINDIR=/usr/local/bin
UNITDIR=/etc/systemd/system
CONFDIR=/etc/kubesweep
UNINSTALL=0
SINGLE=
PRINT_CONFIG=0
NODE_BIN=$(command -v node || echo /usr/bin/node)
DESTDIR=${DESTDIR:-}
SRC=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)

usage() { sed -n '2,19p' "${BASH_SOURCE[0]}" | sed 's/^# \{0,1\}//'; }
die() { echo "install.sh: $*" >&2; exit 2; }
say() { echo "install.sh: $*"; }

while [ $# -gt 0 ]; do
  case "$1" in
    --prefix) [ $# -ge 2 ] || die "--prefix needs a directory"; PREFIX=$2; shift 2 ;;
    --prefix=*) PREFIX=${1#--prefix=}; shift ;;
    --bindir) [ $# -ge 2 ] || die "--bindir needs a directory"; BINDIR=$2; shift 2 ;;
    --bindir=*) BINDIR=${1#--bindir=}; shift ;;
    --node) [ $# -ge 2 ] || die "--node needs the path of the node binary"; NODE_BIN=$2; shift 2 ;;
    --node=*) NODE_BIN=${1#--node=}; shift ;;
    --unitdir) [ $# -ge 2 ] || die "--unitdir needs a directory"; UNITDIR=$2; shift 2 ;;
    --unitdir=*) UNITDIR=${1#--unitdir=}; shift ;;
    --single) [ $# -ge 2 ] || die "--single needs the single executable (dist/sea/kubesweep-linux-ARCH)"; SINGLE=$2; shift 2 ;;
    --single=*) SINGLE=${1#--single=}; shift ;;
    --print-config) PRINT_CONFIG=1; shift ;;
    --uninstall) UNINSTALL=1; shift ;;
    -h|--help) usage; exit 0 ;;
    *) die "unknown argument: $1 (see --help)" ;;
  esac
done
case "$PREFIX" in /*) ;; *) die "--prefix must be absolute: $PREFIX" ;; esac
case "$BINDIR" in /*) ;; *) die "--bindir must be absolute: $BINDIR" ;; esac
case "$UNITDIR" in /*) ;; *) die "--unitdir must be absolute: $UNITDIR" ;; esac
case "$NODE_BIN" in /*) ;; *) die "--node must be absolute: $NODE_BIN" ;; esac
case "$PREFIX" in /|/usr|/usr/local|/etc|/opt|/var|/bin|/sbin) die "refusing --prefix $PREFIX: it must be a directory of kubesweep's own" ;; esac
PREFIX=${PREFIX%/}
if [ -n "$DESTDIR" ]; then
  case "$DESTDIR" in /*) ;; *) die "DESTDIR must be absolute: $DESTDIR" ;; esac
  DESTDIR=${DESTDIR%/}
fi

ROOT_PREFIX=$DESTDIR$PREFIX
MANIFEST=$ROOT_PREFIX/.install-manifest
MARKER=$ROOT_PREFIX/.kubesweep-prefix

sha() { sha256sum "$1" | cut -d' ' -f1; }

# The commented config: every line a default, so the file changes nothing until edited.
# The commented config: every option with its help and default, rendered from the agent's option
# table (npm run gen:readme-config writes scripts/config.example.yaml; a test keeps it current).
write_config() {
  [ -f "$SRC/scripts/config.example.yaml" ] || die "$SRC/scripts/config.example.yaml is missing (it ships next to this script)"
  cat "$SRC/scripts/config.example.yaml"
}

if [ "$PRINT_CONFIG" = 1 ]; then write_config; exit 0; fi

# ---- uninstall -------------------------------------------------------------------------------
if [ "$UNINSTALL" = 1 ]; then
  if [ ! -f "$MARKER" ]; then
    die "$ROOT_PREFIX holds no kubesweep installation (no $(basename "$MARKER")); nothing removed"
  fi
  if [ -f "$MANIFEST" ]; then
    # Lines: "<kind> <path> [sha256]", paths without DESTDIR.
    while read -r kind path sum; do
      [ -n "$kind" ] || continue
      f=$DESTDIR$path
      case "$kind" in
        link)
          # Only our link: it must still point into PREFIX.
          if [ -L "$f" ] && [[ "$(readlink "$f")" == "$PREFIX"/* ]]; then rm -f "$f"; say "removed $path"; fi ;;
        unit)
          if [ -f "$f" ] && [ "$(sha "$f")" = "$sum" ]; then rm -f "$f"; say "removed $path"
          elif [ -f "$f" ]; then say "kept $path: changed since install"; fi ;;
        config)
          if [ -f "$f" ] && [ "$(sha "$f")" = "$sum" ]; then rm -f "$f"; say "removed $path (unchanged)"
          elif [ -f "$f" ]; then say "kept $path: you edited it"; fi ;;
        dir)
          rmdir "$f" 2>/dev/null && say "removed $path/" || true ;;
      esac
    done < <(tac "$MANIFEST")
  fi
  rm -rf --one-file-system "$ROOT_PREFIX"
  say "removed $PREFIX"
  say "not touched: /var/lib/kubesweep (manifest backups and journal); remove it yourself when you no longer need them"
  exit 0
fi

# ---- install ---------------------------------------------------------------------------------
if [ -n "$SINGLE" ]; then
  [ -f "$SINGLE" ] || die "--single $SINGLE: no such file (build it with: npm run build:sea)"
  # A Node single executable carries this fuse, flipped, in its binary.
  grep -q -a -F 'NODE_SEA_FUSE_fce680ab2cc467b6e072b8b5df1996b2:1' "$SINGLE" || die "--single $SINGLE is not a kubesweep single executable (npm run build:sea)"
else
  for f in dist/agent/client/cli.js dist/agent/daemon/main.js package.json proto/kubesweep/v1/agent.proto; do
    [ -e "$SRC/$f" ] || die "$SRC/$f is missing: run 'npm ci && npm run build' in $SRC first (or install the single executable with --single FILE)"
  done
fi
if [ -e "$ROOT_PREFIX" ] && [ ! -f "$MARKER" ] && [ -n "$(ls -A "$ROOT_PREFIX" 2>/dev/null)" ]; then
  die "$ROOT_PREFIX exists and is not a kubesweep installation; refusing to overwrite it"
fi

# Units and config first collect what the manifest of the previous run said, so a unit that
# is no longer shipped is removed on update.
declare -A OLD_UNITS=()
if [ -f "$MANIFEST" ]; then
  while read -r kind path sum; do
    [ "$kind" = unit ] && OLD_UNITS[$path]=$sum
  done < "$MANIFEST"
fi

mkdir -p "$ROOT_PREFIX"
touch "$MARKER"
stage=$(mktemp -d "$ROOT_PREFIX/.staging.XXXXXX")
trap 'rm -rf "$stage"' EXIT

if [ -n "$SINGLE" ]; then
# The one file is the program; the docs and helper scripts come along when there is a work tree.
cp "$SINGLE" "$stage/kubesweep"
chmod 0755 "$stage/kubesweep"
for f in README.md LICENSE; do [ -f "$SRC/$f" ] && cp -a "$SRC/$f" "$stage/"; done
[ -d "$SRC/docs" ] && cp -a "$SRC/docs" "$stage/docs"
[ -f "$SRC/scripts/gen-certs.sh" ] && mkdir -p "$stage/scripts" && cp -a "$SRC/scripts/gen-certs.sh" "$stage/scripts/"
[ -d "$SRC/scripts/ansible" ] && mkdir -p "$stage/scripts" && cp -a "$SRC/scripts/ansible" "$stage/scripts/"
else
# Program files: built JavaScript (not the tests), protos, package metadata.
mkdir -p "$stage/dist"
cp -a "$SRC/dist/agent" "$stage/dist/agent"
[ -d "$SRC/dist/scripts" ] && cp -a "$SRC/dist/scripts" "$stage/dist/scripts"
cp -a "$SRC/proto" "$stage/proto"
cp -a "$SRC/package.json" "$stage/"
[ -f "$SRC/package-lock.json" ] && cp -a "$SRC/package-lock.json" "$stage/"
for f in README.md LICENSE; do [ -f "$SRC/$f" ] && cp -a "$SRC/$f" "$stage/"; done
[ -d "$SRC/docs" ] && cp -a "$SRC/docs" "$stage/docs"
[ -d "$SRC/systemd" ] && cp -a "$SRC/systemd" "$stage/systemd"
[ -f "$SRC/scripts/gen-certs.sh" ] && mkdir -p "$stage/scripts" && cp -a "$SRC/scripts/gen-certs.sh" "$stage/scripts/"
[ -d "$SRC/scripts/ansible" ] && mkdir -p "$stage/scripts" && cp -a "$SRC/scripts/ansible" "$stage/scripts/"

# Production dependencies only, copied from the work tree (no network): the packages npm
# lists without dev dependencies. Without npm, copy node_modules whole.
[ -d "$SRC/node_modules" ] || die "$SRC/node_modules is missing: run 'npm ci' in $SRC first"
mkdir -p "$stage/node_modules"
if command -v npm >/dev/null 2>&1 && deps=$(cd "$SRC" && npm ls --omit=dev --all --parseable 2>/dev/null); then
  declare -A tops=()
  while read -r dir; do
    rel=${dir#"$SRC"/}
    [[ "$rel" == node_modules/* ]] || continue
    IFS=/ read -r _ a b _ <<<"$rel"
    if [[ "$a" == @* ]]; then tops[node_modules/$a/$b]=1; else tops[node_modules/$a]=1; fi
  done <<<"$deps"
  # One copy for all packages (nested node_modules come along with their parent).
  [ ${#tops[@]} -eq 0 ] || (cd "$SRC" && cp -a --parents "${!tops[@]}" "$stage/")
else
  say "npm not found: copying all of node_modules"
  cp -a "$SRC/node_modules/." "$stage/node_modules/"
fi
chmod 0755 "$stage/dist/agent/client/cli.js" "$stage/dist/agent/daemon/main.js"
fi

# Swap the program files in (an update replaces them whole, and one layout replaces the other).
for d in dist proto node_modules systemd scripts docs; do
  rm -rf "${ROOT_PREFIX:?}/$d"
  [ -e "$stage/$d" ] && mv "$stage/$d" "$ROOT_PREFIX/$d"
done
for f in kubesweep package.json package-lock.json README.md LICENSE; do
  rm -f "${ROOT_PREFIX:?}/$f"
  [ -e "$stage/$f" ] && mv -f "$stage/$f" "$ROOT_PREFIX/$f"
done
rm -rf "$stage"
trap - EXIT

new_manifest=$(mktemp)
record() { echo "$*" >>"$new_manifest"; }

# Links.
mkdir -p "$DESTDIR$BINDIR"
if [ -n "$SINGLE" ]; then links=("kubesweep:kubesweep" "kubesweep-agent:kubesweep")
else links=("kubesweep:dist/agent/client/cli.js" "kubesweep-agent:dist/agent/daemon/main.js"); fi
for pair in "${links[@]}"; do
  name=${pair%%:*}; target=$PREFIX/${pair#*:}; link=$DESTDIR$BINDIR/$name
  if [ -e "$link" ] && [ ! -L "$link" ]; then die "$BINDIR/$name exists and is not a link; remove it first"; fi
  ln -sfn "$target" "$link"
  record link "$BINDIR/$name"
done

# systemd units: paths rewritten to this prefix and bindir.
if compgen -G "$SRC/systemd/*.service" >/dev/null || compgen -G "$SRC/systemd/*.socket" >/dev/null || compgen -G "$SRC/systemd/*.timer" >/dev/null; then
  mkdir -p "$DESTDIR$UNITDIR"
  for unit in "$SRC"/systemd/*.service "$SRC"/systemd/*.socket "$SRC"/systemd/*.timer "$SRC"/systemd/*.path; do
    [ -f "$unit" ] || continue
    name=$(basename "$unit")
    dest=$DESTDIR$UNITDIR/$name
    if [ -n "$SINGLE" ]; then
      # The units run node on the npm layout's scripts; the single file is both programs. Node
      # flags (--lite-mode, --max-semi-space-size) do not apply: what the single file runs with
      # is built into it (SEA_EXEC_ARGV in agent/shared/node-flags.ts).
      sed -E -e "/^Exec/s#/usr/bin/node( --[a-z0-9=-]+)* /opt/kubesweep/dist/agent/daemon/main\.js#$BINDIR/kubesweep-agent#g" \
             -e "/^Exec/s#/usr/bin/node( --[a-z0-9=-]+)* /opt/kubesweep/dist/agent/client/cli\.js#$BINDIR/kubesweep#g" \
             -e "s#/opt/kubesweep#$PREFIX#g" "$unit" >"$dest.tmp"
      if grep -qE '^Exec.*(/usr/bin/node|\.js)' "$dest.tmp"; then rm -f "$dest.tmp"; die "$name: an Exec line still runs node after the rewrite for the single file: $(grep -E '^Exec' "$unit")"; fi
    else
      sed -e "s#/opt/kubesweep#$PREFIX#g" -e "s#/usr/local/bin/kubesweep#$BINDIR/kubesweep#g" \
          -e "/^Exec/s#/usr/bin/node #$NODE_BIN #g" "$unit" >"$dest.tmp"
    fi
    chmod 0644 "$dest.tmp"
    mv -f "$dest.tmp" "$dest"
    record unit "$UNITDIR/$name" "$(sha "$dest")"
    unset "OLD_UNITS[$UNITDIR/$name]"
  done
fi
for old in "${!OLD_UNITS[@]}"; do
  f=$DESTDIR$old
  if [ -f "$f" ] && [ "$(sha "$f")" = "${OLD_UNITS[$old]}" ]; then rm -f "$f"; say "removed $old (no longer shipped)"; fi
done

# Config: written once; afterwards it is the operator's.
mkdir -p "$DESTDIR$CONFDIR"
conf=$DESTDIR$CONFDIR/config.yaml
old_conf_sum=$(awk '$1=="config"{print $3}' "$MANIFEST" 2>/dev/null || true)
if [ ! -e "$conf" ]; then
  write_config >"$conf.tmp"
  chmod 0644 "$conf.tmp"
  mv "$conf.tmp" "$conf"
  say "wrote $CONFDIR/config.yaml"
  record config "$CONFDIR/config.yaml" "$(sha "$conf")"
elif [ -n "$old_conf_sum" ]; then
  # Ours from an earlier run: keep recording it (with the checksum we wrote) so an untouched
  # config is still removed by --uninstall.
  record config "$CONFDIR/config.yaml" "$old_conf_sum"
  say "kept $CONFDIR/config.yaml"
else
  say "kept $CONFDIR/config.yaml (not written by this installer)"
fi
record dir "$CONFDIR"

mv -f "$new_manifest" "$MANIFEST"
chmod 0644 "$MANIFEST"
if [ -n "$SINGLE" ]; then what="the single executable $(basename "$SINGLE")"
else what="kubesweep $(sed -nE 's/.*"version": *"([^"]+)".*/\1/p' "$SRC/package.json" | head -n1)"; fi
say "installed $what into $DESTDIR$PREFIX"
say "next: edit $CONFDIR/config.yaml (nodeName, listen), then: systemctl daemon-reload && systemctl enable --now kubesweep-agent.service"
