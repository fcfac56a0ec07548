#!/usr/bin/env bash
# Smoke run of Tally on another Node.js line:  .ci/smoke-node.sh 22   (or 24)
#
# 1. Node <line> from the npm registry's `node` package, installed once into a cache folder outside
#    the repository ($TALLY_SMOKE_CACHE, default ~/.cache/tally-smoke) and reused after that.
# 2. A separate copy of the project (git-tracked and not-ignored files; never node_modules/ or dist/)
#    in that cache, where `npm ci` runs with that Node first on PATH: better-sqlite3, serialport and
#    node-hid are built for its ABI there and never mixed into the main node_modules. Electron's
#    install script stays denied (package.json allowScripts), as in the main install. On Node 24.19+
#    they are built against Node 24.18.1's headers (same ABI; see LAST_HEADERS_WITHOUT_OBJECTWRAP_HOOKS).
# 3. The build (npm ci's prepare, and `npm run build` where it differs), then the smoke suite
#    (vitest.smoke.config.ts: tests/smoke/) with that Node.
#
# vitest's JSON report goes to $TALLY_SMOKE_REPORT (default .ci/smoke-node<line>-report.json), which
# .ci/run counts in its final line. Exit status: vitest's, or 1 when a step before it failed.
# Hazard: the copy is made from the working tree, so uncommitted edits are smoke-tested too.
set -euo pipefail

usage() {
  echo "usage: $0 NODE_MAJOR   (e.g. 22 or 24)" >&2
  exit 2
}
[[ $# -eq 1 && "$1" =~ ^[0-9]+$ ]] || usage
line=$1

repo=$(cd "$(dirname "$0")/.." && pwd -P)
cache=${TALLY_SMOKE_CACHE:-${XDG_CACHE_HOME:-$HOME/.cache}/tally-smoke}
mkdir -p "$cache"
cache=$(cd "$cache" && pwd -P)
# Inside the repository, Node's module lookup from the copy would climb into the main node_modules.
case "$cache/" in
  "$repo"/*) echo "smoke: the cache folder $cache is inside the repository; choose another (TALLY_SMOKE_CACHE)" >&2; exit 2 ;;
esac
report=${TALLY_SMOKE_REPORT:-$repo/.ci/smoke-node$line-report.json}
rm -f "$report"

say() { echo "smoke node$line: $*"; }
phase_start=0
phase() {
  phase_start=$SECONDS
  say "$1"
}
phase_done() { say "  took $((SECONDS - phase_start)) s"; }

# ---- 1. Node <line> --------------------------------------------------------------------------
node_home=$cache/node-$line
# The `node` package's preinstall fetches node-<os>-<arch> (the binary, and the headers node-gyp
# builds against: nodejs.org, where node-gyp would fetch them, may be out of reach).
find_prefix() {
  local dir
  for dir in "$node_home"/node_modules/node/node_modules/node-*/; do
    if [[ -x "$dir/bin/node" && -f "$dir/include/node/node_version.h" ]]; then
      echo "${dir%/}"
      return 0
    fi
  done
  return 1
}
major_of() { "$1/bin/node" -p 'process.versions.node.split(".")[0]' 2>/dev/null || true; }

phase "Node $line (cache: $node_home)"
prefix=$(find_prefix || true)
if [[ -n "$prefix" && "$(major_of "$prefix")" == "$line" ]]; then
  say "  reusing $("$prefix/bin/node" --version) from the cache"
else
  staging=$(mktemp -d "$cache/node-$line.staging.XXXXXX")
  # Its own package.json: the `node` package's install script is allowed here on purpose.
  printf '{ "private": true, "allowScripts": { "node": true } }\n' >"$staging/package.json"
  if ! (cd "$staging" && npm install --no-save --no-package-lock --no-audit --no-fund --loglevel=error "node@$line"); then
    rm -rf "$staging"
    say "could not install node@$line from the npm registry"
    exit 1
  fi
  rm -rf "$node_home"
  mv "$staging" "$node_home"
  prefix=$(find_prefix || true)
  if [[ -z "$prefix" || "$(major_of "$prefix")" != "$line" ]]; then
    say "the registry's node@$line did not give a working Node $line binary with its headers in $node_home"
    exit 1
  fi
  say "  installed $("$prefix/bin/node" --version)"
fi
phase_done

# The headers the native modules are built against: Node <line>'s own, except on a line whose newer
# releases compile node::ObjectWrap with environment cleanup hooks (24.19.0 on). better-sqlite3 12
# derives from it, and such a build aborts the process whenever the GC frees a statement where no
# Node environment is current (nodejs/node#65446; tests/smoke/native-gc.test.ts). The last release of
# the line without them has the same ABI: build against its headers (taken from the registry's
# node-<os>-<arch> package, as nodejs.org may be out of reach).
declare -A LAST_HEADERS_WITHOUT_OBJECTWRAP_HOOKS=([24]=24.18.1)
abi=$("$prefix/bin/node" -p process.versions.modules)
headers=$prefix
if grep -q AddEnvironmentCleanupHook "$prefix/include/node/node_object_wrap.h"; then
  safe=${LAST_HEADERS_WITHOUT_OBJECTWRAP_HOOKS[$line]:-}
  if [[ -z "$safe" ]]; then
    say "warning: Node $line's headers give node::ObjectWrap cleanup hooks and no older headers are known for this line; building with them"
  else
    phase "headers of Node $safe for the native modules (Node $line's own make better-sqlite3 12 abort in the GC)"
    headers=$cache/headers-$safe
    if [[ ! -f "$headers/include/node/node_object_wrap.h" ]]; then
      staging=$(mktemp -d "$cache/headers-$safe.staging.XXXXXX")
      package=$(basename "$prefix")
      if ! tarball=$(cd "$staging" && npm pack --silent --loglevel=error "$package@$safe") ||
        ! tar -xzf "$staging/$tarball" -C "$staging" package/include; then
        rm -rf "$staging"
        say "could not fetch the headers of $package@$safe from the npm registry"
        exit 1
      fi
      rm -rf "$headers"
      mv "$staging/package" "$headers"
      rm -rf "$staging"
    fi
    if grep -q AddEnvironmentCleanupHook "$headers/include/node/node_object_wrap.h" ||
      ! grep -q "define NODE_MODULE_VERSION $abi\$" "$headers/include/node/node_version.h"; then
      say "the headers in $headers are not ABI $abi without ObjectWrap cleanup hooks"
      exit 1
    fi
    phase_done
  fi
fi

# Node <line> first on PATH for everything below (npm itself, install scripts, node-gyp, vitest and
# every child process the tests start); node-gyp builds against $headers, never the system's.
export PATH="$prefix/bin:$PATH"
export npm_config_nodedir=$headers
if [[ "$(node -p 'process.versions.node.split(".")[0]')" != "$line" ]]; then
  say "\`node\` on PATH is $(node --version), not Node $line"
  exit 1
fi

# ---- 2. A copy of the project ----------------------------------------------------------------
copy=$cache/copy-node$line
phase "copy of the project in $copy"
rm -rf "$copy"
mkdir -p "$copy"
if git -C "$repo" rev-parse --is-inside-work-tree >/dev/null 2>&1; then
  # Tracked and new (not ignored) files as they are in the working tree. node_modules may be a
  # symlink in a worktree, which .gitignore's `node_modules/` does not cover; a deleted tracked file
  # is left out.
  (
    cd "$repo"
    git ls-files -z --cached --others --exclude-standard |
      while IFS= read -r -d '' file; do
        case "$file" in node_modules | node_modules/* | */node_modules | */node_modules/*) continue ;; esac
        [[ -e "$file" || -L "$file" ]] && printf '%s\0' "$file"
      done |
      sort -zu | tar --null --no-recursion -T - -cf -
  ) | tar -xf - -C "$copy"
else
  tar -C "$repo" --exclude=./node_modules --exclude=./dist --exclude=./.git --exclude=./.ci/artifacts \
    --exclude='./.ci/*.json' --exclude='./.ci/*.log' -cf - . | tar -xf - -C "$copy"
fi
say "  $(find "$copy" -type f | wc -l) files"
phase_done

# ---- 3. npm ci and the build with Node <line> ------------------------------------------------
cd "$copy"
phase "npm ci with $(node --version) (native modules built for ABI $abi against the headers in $headers)"
if ! npm ci --no-audit --no-fund; then
  say "npm ci failed"
  exit 1
fi
phase_done

# npm ci ran `prepare`; the build again only where prepare is not the build.
if [[ "$(node -p 'const s = require("./package.json").scripts; String(s.prepare === s.build || s.prepare === "npm run build")')" != "true" ]]; then
  phase "npm run build"
  npm run build || { say "npm run build failed"; exit 1; }
  phase_done
fi

# ---- 4. The smoke suite ----------------------------------------------------------------------
phase "smoke suite (vitest.smoke.config.ts) on $(node --version)"
set +e
TALLY_SMOKE_NODE=$line TALLY_SMOKE_REPORT=$report node node_modules/vitest/vitest.mjs run --config vitest.smoke.config.ts
status=$?
set -e
phase_done
exit "$status"
