#!/usr/bin/env bash
# Builds the tools ci-stack's tests and local cluster need from Go modules (tracker issue #10 §1),
# pinned in tools/versions.env, into a cache OUTSIDE the clone, and reuses what is already there.
#
#   bash scripts/tools.sh build [tool...]  build what is missing (default: every tool), reuse the rest;
#                                          prints each build's wall time and binary sizes, and a total
#   bash scripts/tools.sh path             PATH fragment: every tool's bin dir + this repo's tools/bin
#   bash scripts/tools.sh env              `export` lines (PATH and the Pulumi settings) for eval
#   bash scripts/tools.sh list             what is cached (and whether the pins still select it)
#   bash scripts/tools.sh prune            remove cached dirs the pins no longer select
#   bash scripts/tools.sh tools            tool names, pinned versions and binaries
#   bash scripts/tools.sh gomod <tool>     print the wrapper go.mod a build would generate (debug aid)
#
# TOOLS_VERBOSE=1 streams the go output (to stderr) instead of only keeping it in <cache>/<tool>.build.log;
# TOOLS_GO_PARALLEL (default 2) is go build -p.
# Cache: ${CI_STACK_TOOLS_DIR:-${XDG_CACHE_HOME:-$HOME/.cache}/ci-stack/tools}/<tool>-<version>/bin/, a
# dir counts as built once its .complete marker exists. Go's own caches (GOMODCACHE, GOCACHE) are used as
# configured; nothing is written into the repository. Nothing upstream is committed: wrapper modules
# (a go.mod repeating the upstream `replace` lines) are generated into a temp dir at build time.
# Needs: bash, go (GOTOOLCHAIN=local, see GO_VERSION), a C compiler for gitea (cgo), coreutils, flock.
set -euo pipefail

SELF="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)/$(basename "${BASH_SOURCE[0]}")"
REPO="$(cd "$(dirname "$SELF")/.." && pwd)"
# shellcheck source=../tools/versions.env
source "$REPO/tools/versions.env"
CACHE="${CI_STACK_TOOLS_DIR:-${XDG_CACHE_HOME:-$HOME/.cache}/ci-stack/tools}"

# Build order: the Pulumi pieces first (the smoke tests need them), the big optional ones last.
TOOLS=(pulumi pulumi-language-nodejs pulumi-resource-kubernetes etcd kubernetes kwok helm kyverno gitea)

die() { echo "tools.sh: $*" >&2; exit 1; }

# ---------------------------------------------------------------------------------------------------
# What each tool is: its cache version (the dir name is <tool>-<version>) and the binaries it provides.

langhost_hash() { # content hash of our language host's sources: a change rebuilds it
  (cd "$REPO/tools/langhost" && LC_ALL=C ls ./*.go | LC_ALL=C sort | xargs sha256sum) | sha256sum | cut -c1-10
}

tool_version() {
  case "$1" in
    pulumi) echo "$PULUMI_VERSION" ;;
    pulumi-language-nodejs) echo "$LANGHOST_SDK_VERSION-src.$(langhost_hash)" ;;
    pulumi-resource-kubernetes) echo "v$PULUMI_KUBERNETES_VERSION-${PULUMI_KUBERNETES_MODULE_VERSION##*-}" ;;
    etcd) echo "$ETCD_VERSION" ;;
    kubernetes) echo "$KUBERNETES_VERSION" ;;
    kwok) echo "$KWOK_VERSION" ;;
    helm) echo "$HELM_VERSION" ;;
    kyverno) echo "$KYVERNO_VERSION" ;;
    gitea) echo "$GITEA_VERSION" ;;
    *) return 1 ;;
  esac
}

tool_bins() {
  case "$1" in
    pulumi) echo pulumi ;;
    pulumi-language-nodejs) echo pulumi-language-nodejs ;;
    pulumi-resource-kubernetes) echo pulumi-resource-kubernetes ;;
    etcd) echo etcd ;;
    kubernetes) echo kube-apiserver kube-controller-manager kube-scheduler ;;
    kwok) echo kwok ;;
    helm) echo helm ;;
    kyverno) echo kubectl-kyverno ;;
    gitea) echo gitea ;;
  esac
}

tool_dir() { echo "$CACHE/$1-$(tool_version "$1")"; }

is_tool() { local t; for t in "${TOOLS[@]}"; do [ "$t" = "$1" ] && return 0; done; return 1; }

# ---------------------------------------------------------------------------------------------------
# Build helpers (run in the `__build <tool>` child process, with WORK = a temp dir and OUT = the bin dir).

# Prints one line per directive of a go.mod: "require <path> <ver>", "replace <old> [<ver>] => <new> [<ver>]",
# "exclude <path> <ver>", "godebug <k>=<v>", "go <ver>". Handles single-line and ( ) block forms.
parse_gomod() {
  awk '
    function emit(kw, s) { sub(/\/\/.*/, "", s); gsub(/^[ \t]+|[ \t]+$/, "", s); if (s != "") print kw, s }
    block != "" { if ($0 ~ /^[ \t]*\)/) { block = ""; next } emit(block, $0); next }
    /^[ \t]*(require|replace|exclude|godebug|retract|tool|ignore)[ \t]*\(/ {
      block = $0; sub(/^[ \t]*/, "", block); sub(/[ \t]*\(.*/, "", block); next }
    /^[ \t]*(require|replace|exclude|godebug|go)[ \t]/ { kw = $1; s = $0; sub(/^[ \t]*[a-z]+[ \t]+/, "", s); emit(kw, s) }
  ' "$1"
}

gomod_of() { # path of the go.mod of module@version in GOMODCACHE (downloads the module)
  go mod download -json "$1" | sed -n 's/^[[:space:]]*"GoMod": "\(.*\)",$/\1/p'
}
dir_of() { # source dir of module@version in GOMODCACHE (downloads the module)
  go mod download -json "$1" | sed -n 's/^[[:space:]]*"Dir": "\(.*\)",$/\1/p'
}

# write_wrapper <dir> <module> <version> <local_version_fn>
# A go.mod requiring <module>@<version> that repeats the upstream go.mod's `replace`, `exclude` and
# `godebug` directives (they only take effect in the main module). A replace pointing at a local path
# (../sdk, ./staging/src/...) is turned into the same module at the version <local_version_fn> prints,
# and dropped when the upstream go.mod does not require that module at all.
write_wrapper() {
  local dir="$1" mod="$2" ver="$3" mapfn="$4" gomod parsed old a b c d e new newv v
  gomod="$(gomod_of "$mod@$ver")"
  [ -n "$gomod" ] && [ -f "$gomod" ] || die "cannot download $mod@$ver"
  parsed="$(parse_gomod "$gomod")"
  mkdir -p "$dir"
  {
    echo "// Generated by scripts/tools.sh: builds $mod@$ver with the upstream go.mod's replace lines."
    echo "module cistack.local/tools/$TOOL"
    echo
    echo "go $(awk '$1 == "go" { print $2; exit }' <<<"$parsed")"
    awk '$1 == "godebug" { print "godebug", $2 }' <<<"$parsed"
    echo
    echo "require $mod $ver"
    while read -r _ a b c d e; do
      if [ "$b" = "=>" ]; then old="$a" new="$c" newv="$d"; else old="$a" new="$d" newv="$e"; fi
      case "$new" in
        ./* | ../* | /*)
          if grep -q "^require $old " <<<"$parsed"; then
            v="$("$mapfn" "$old")" || die "no version to replace $old => $new with"
            echo "replace $old => $old $v"
          else
            echo "// dropped: replace $old => $new (not required by $mod)"
          fi ;;
        *) if [ "$b" = "=>" ]; then echo "replace $old => $new $newv"; else echo "replace $old $b => $new $newv"; fi ;;
      esac
    done < <(grep '^replace ' <<<"$parsed" || true)
    grep '^exclude ' <<<"$parsed" || true
  } >"$dir/go.mod"
}

gobuild() { # gobuild <ldflags> <go build args and packages...>; writes into ${GO_OUT:-$OUT/}
  local ldflags="$1" t0 t1 t2; shift
  # Resolving the packages first downloads every module they need, so the log can tell the download
  # time (GOMODCACHE) from the compile time (GOCACHE).
  t0=$(date +%s)
  nice -n 10 go list -deps "$@" >/dev/null
  t1=$(date +%s)
  echo "tools.sh: $TOOL: modules resolved/downloaded in $((t1 - t0))s"
  nice -n 10 go build -trimpath -ldflags "$ldflags" -o "${GO_OUT:-$OUT/}" "$@"
  t2=$(date +%s)
  echo "tools.sh: $TOOL: compiled and linked in $((t2 - t1))s"
}

# local_version_fn helpers: print the version to use for the module path in $1 (or fail).
map_pulumi_sdk() { [ "$1" = github.com/pulumi/pulumi/sdk/v3 ] && echo "$PULUMI_VERSION"; }
map_etcd() { case "$1" in go.etcd.io/etcd/*) echo "$ETCD_VERSION" ;; *) return 1 ;; esac; }
map_k8s_staging() { case "$1" in k8s.io/*) echo "v0.${KUBERNETES_VERSION#v1.}" ;; *) return 1 ;; esac; }
map_none() { return 1; }

mod_time() { # the module version's commit time, as builds use for their build date
  go list -m -f '{{.Time.UTC.Format "2006-01-02T15:04:05Z"}}' "$1" 2>/dev/null || date -u +%Y-%m-%dT%H:%M:%SZ
}

build_pulumi() {
  write_wrapper "$WORK/w" github.com/pulumi/pulumi/pkg/v3 "$PULUMI_VERSION" map_pulumi_sdk
  cd "$WORK/w"
  CGO_ENABLED=0 gobuild "-s -w -X github.com/pulumi/pulumi/sdk/v3/go/common/version.Version=$PULUMI_VERSION" \
    github.com/pulumi/pulumi/pkg/v3/cmd/pulumi
}

build_pulumi-language-nodejs() {
  # Our own host (tools/langhost/*.go), as a module requiring sdk/v3 with sdk/v3's replace lines.
  write_wrapper "$WORK/w" github.com/pulumi/pulumi/sdk/v3 "$LANGHOST_SDK_VERSION" map_none
  sed -i "s|^module .*|module cistack.local/tools/langhost|" "$WORK/w/go.mod"
  cp "$REPO"/tools/langhost/*.go "$WORK/w/"
  cd "$WORK/w"
  CGO_ENABLED=0 GO_OUT="$OUT/pulumi-language-nodejs" \
    gobuild "-s -w -X github.com/pulumi/pulumi/sdk/v3/go/common/version.Version=$LANGHOST_SDK_VERSION" .
}

build_pulumi-resource-kubernetes() {
  # Upstream builds this in its own module dir after a generate step that writes schema-embed.json and
  # terraform-mapping-embed.json (Makefile: `VERSION=<v> go generate cmd/pulumi-resource-kubernetes/main.go`),
  # so: copy the module out of the read-only module cache into the temp dir, swap `../sdk` for the
  # served sdk/v4, generate, build.
  local src
  src="$(dir_of "github.com/pulumi/pulumi-kubernetes/provider/v4@$PULUMI_KUBERNETES_MODULE_VERSION")"
  [ -d "$src" ] || die "cannot download the kubernetes provider module"
  cp -R "$src" "$WORK/src"
  chmod -R u+w "$WORK/src"
  cd "$WORK/src"
  go mod edit -replace "github.com/pulumi/pulumi-kubernetes/sdk/v4=github.com/pulumi/pulumi-kubernetes/sdk/v4@$PULUMI_KUBERNETES_SDK_VERSION"
  (cd cmd/pulumi-resource-kubernetes && VERSION="$PULUMI_KUBERNETES_VERSION" nice -n 10 go generate ./main.go)
  [ -s cmd/pulumi-resource-kubernetes/schema-embed.json ] || die "generate step wrote no schema-embed.json"
  CGO_ENABLED=0 gobuild "-s -w -X github.com/pulumi/pulumi-kubernetes/provider/v4/pkg/version.Version=$PULUMI_KUBERNETES_VERSION" \
    ./cmd/pulumi-resource-kubernetes
}

build_etcd() {
  # go.etcd.io/etcd/server/v3's module root is etcd's main package (main.go calls etcdmain.Main(os.Args)).
  write_wrapper "$WORK/w" go.etcd.io/etcd/server/v3 "$ETCD_VERSION" map_etcd
  cd "$WORK/w"
  CGO_ENABLED=0 GO_OUT="$OUT/etcd" gobuild "-s -w" go.etcd.io/etcd/server/v3
}

build_kubernetes() {
  write_wrapper "$WORK/w" k8s.io/kubernetes "$KUBERNETES_VERSION" map_k8s_staging
  cd "$WORK/w"
  local v="$KUBERNETES_VERSION" minor ldflags="-s -w" key val date
  minor="${v#v1.}"; minor="${minor%%.*}"
  date="$(mod_time "k8s.io/kubernetes")"
  # hack/lib/version.sh sets these in both packages; hack/lib/golang.sh builds with -trimpath, -s -w,
  # tags selinux,notest,grpcnotrace and CGO_ENABLED=0 for these binaries (KUBE_STATIC_BINARIES).
  for key in "gitVersion=$v" "gitMajor=1" "gitMinor=$minor" "buildDate=$date"; do
    for val in k8s.io/client-go/pkg/version k8s.io/component-base/version; do ldflags+=" -X $val.$key"; done
  done
  CGO_ENABLED=0 gobuild "$ldflags" -tags selinux,notest,grpcnotrace \
    k8s.io/kubernetes/cmd/kube-apiserver k8s.io/kubernetes/cmd/kube-controller-manager k8s.io/kubernetes/cmd/kube-scheduler
}

build_kwok() {
  write_wrapper "$WORK/w" sigs.k8s.io/kwok "$KWOK_VERSION" map_none
  cd "$WORK/w"
  CGO_ENABLED=0 gobuild "-s -w -X sigs.k8s.io/kwok/pkg/consts.Version=$KWOK_VERSION" sigs.k8s.io/kwok/cmd/kwok
  # kwok has no built-in stages ("no stages found" without a config): keep the ones kwokctl uses by
  # default (node-initialize, node-heartbeat-with-lease, pod-ready/complete/delete) from the same
  # module version next to the binary, for scripts/cluster.ts to pass with --config.
  local src s
  src="$(dir_of "sigs.k8s.io/kwok@$KWOK_VERSION")"
  mkdir -p "$OUT/../share/kwok/stages"
  for s in node/fast/node-initialize node/heartbeat-with-lease/node-heartbeat-with-lease \
    pod/fast/pod-ready pod/fast/pod-complete pod/fast/pod-delete; do
    cp "$src/kustomize/stage/$s.yaml" "$OUT/../share/kwok/stages/"
  done
}

build_helm() {
  write_wrapper "$WORK/w" helm.sh/helm/v3 "$HELM_VERSION" map_none
  cd "$WORK/w"
  # Helm's Makefile: -w -s, the version, and the k8s version of its client-go for lint/chartutil.
  local cg major minor
  cg="$(awk '$1 == "require" && $2 == "k8s.io/client-go" { print $3 }' < <(parse_gomod "$(gomod_of "helm.sh/helm/v3@$HELM_VERSION")"))"
  minor="${cg#v0.}"; minor="${minor%%.*}"; major=1
  CGO_ENABLED=0 gobuild "-s -w -X helm.sh/helm/v3/internal/version.version=$HELM_VERSION -X helm.sh/helm/v3/internal/version.gitTreeState=clean \
-X helm.sh/helm/v3/pkg/lint/rules.k8sVersionMajor=$major -X helm.sh/helm/v3/pkg/lint/rules.k8sVersionMinor=$minor \
-X helm.sh/helm/v3/pkg/chartutil.k8sVersionMajor=$major -X helm.sh/helm/v3/pkg/chartutil.k8sVersionMinor=$minor" \
    helm.sh/helm/v3/cmd/helm
}

build_kyverno() {
  write_wrapper "$WORK/w" github.com/kyverno/kyverno "$KYVERNO_VERSION" map_none
  cd "$WORK/w"
  CGO_ENABLED=0 gobuild "-s -w -X github.com/kyverno/kyverno/pkg/version.BuildVersion=$KYVERNO_VERSION" \
    github.com/kyverno/kyverno/cmd/cli/kubectl-kyverno
}

build_gitea() {
  write_wrapper "$WORK/w" code.gitea.io/gitea "$GITEA_VERSION" map_none
  cd "$WORK/w"
  # Gitea's Makefile: TAGS="sqlite sqlite_unlock_notify" turns cgo on (mattn/go-sqlite3), with
  # CGO_CFLAGS += -DSQLITE_MAX_VARIABLE_NUMBER=32766, and -X main.Version/main.Tags. No `bindata` tag
  # (that needs the webpack-built web assets, which are not in the module zip): Gitea then reads
  # options/ (locales, licences, gitignores), templates/ and public/ from STATIC_ROOT_PATH at run time
  # and refuses to start without the locales, so they go next to the binary, in share/gitea
  # (set [server] STATIC_ROOT_PATH to it). The API and git endpoints work; the web UI has no JS/CSS.
  local tags="sqlite sqlite_unlock_notify" src d
  command -v "${CC:-cc}" >/dev/null || die "gitea needs a C compiler (cgo): ${CC:-cc} not found"
  CGO_ENABLED=1 CGO_CFLAGS="${CGO_CFLAGS:--O2 -g} -DSQLITE_MAX_VARIABLE_NUMBER=32766" \
    gobuild "-s -w -X 'main.Version=${GITEA_VERSION#v}' -X 'main.Tags=$tags'" -tags "$tags" code.gitea.io/gitea
  src="$(dir_of "code.gitea.io/gitea@$GITEA_VERSION")"
  mkdir -p "$OUT/../share/gitea"
  for d in options templates public; do cp -R "$src/$d" "$OUT/../share/gitea/"; done
  chmod -R u+w "$OUT/../share/gitea"
}

# Child process: builds one tool into $CACHE/.staging-*, then renames it into place and writes the marker.
build_one() {
  TOOL="$1"
  local dir start end
  dir="$(tool_dir "$TOOL")"
  staging="$CACHE/.staging-$(basename "$dir")-$$"
  WORK="$(mktemp -d "${TMPDIR:-/tmp}/ci-stack-tools-$TOOL.XXXXXX")"
  trap 'chmod -R u+w "$WORK" 2>/dev/null || true; rm -rf "$WORK" "$staging"' EXIT
  OUT="$staging/bin"
  mkdir -p "$OUT"
  cd "$WORK"
  export GOTOOLCHAIN=local GOWORK=off GOFLAGS="-p=${TOOLS_GO_PARALLEL:-2} -buildvcs=false -mod=mod"
  echo "tools.sh: $TOOL $(tool_version "$TOOL"): go $(go env GOVERSION), GOMODCACHE=$(go env GOMODCACHE), GOCACHE=$(go env GOCACHE)"
  start=$(date +%s)
  "build_$TOOL"
  end=$(date +%s)
  # CPU time of everything the build ran (the `times` builtin: children's user and system time), which,
  # unlike wall time, does not depend on what else the machine is doing.
  local cpu
  times >"$WORK/times" # not in $( ): a subshell's `times` would not count this shell's children
  cpu="$(awk 'NR == 2 { n = 0; for (i = 1; i <= 2; i++) { split($i, a, "m"); sub("s", "", a[2]); n += a[1] * 60 + a[2] } printf "%d", n }' "$WORK/times")"
  local b
  for b in $(tool_bins "$TOOL"); do [ -x "$OUT/$b" ] || die "$TOOL: expected binary $b was not built"; done
  cd "$CACHE"
  rm -rf "$dir"
  mv "$staging" "$dir"
  {
    echo "tool=$TOOL"
    echo "version=$(tool_version "$TOOL")"
    echo "go=$(go env GOVERSION)"
    echo "seconds=$((end - start))"
    echo "cpu_seconds=$cpu"
    echo "built=$(date -u +%Y-%m-%dT%H:%M:%SZ)"
  } >"$dir/.complete"
}

# ---------------------------------------------------------------------------------------------------
# Commands.

fmt_secs() { printf '%dm%02ds' $(($1 / 60)) $(($1 % 60)); }
fmt_size() { awk -v b="$1" 'BEGIN { printf "%.1f MiB", b / 1048576 }'; }

cmd_build() {
  local want=("$@") t
  [ ${#want[@]} -gt 0 ] || want=("${TOOLS[@]}")
  for t in "${want[@]}"; do is_tool "$t" || die "unknown tool '$t' (tools: ${TOOLS[*]})"; done
  command -v go >/dev/null || die "go not found on PATH (the pins were built with $GO_VERSION)"
  local gov; gov="$(GOTOOLCHAIN=local go env GOVERSION)"
  [ "$gov" = "$GO_VERSION" ] || echo "tools.sh: warning: go is $gov, tools/versions.env was measured with $GO_VERSION" >&2
  mkdir -p "$CACHE"
  exec 9>"$CACHE/.lock"
  if ! flock -n 9; then echo "tools.sh: waiting for another build to release $CACHE/.lock" >&2; flock 9; fi

  local total_start total_secs built=0 cached=0 failed=() dir log start secs bytes sizes b cpu
  total_start=$(date +%s)
  for t in "${want[@]}"; do
    dir="$(tool_dir "$t")"
    if [ -f "$dir/.complete" ]; then
      echo "==> $t $(tool_version "$t"): cached ($dir)"
      cached=$((cached + 1))
      continue
    fi
    echo "==> $t $(tool_version "$t"): building (log: $CACHE/$t.build.log)"
    log="$CACHE/$t.build.log"
    start=$(date +%s)
    if if [ "${TOOLS_VERBOSE:-}" = 1 ]; then bash "$SELF" __build "$t" 2>&1 | tee "$log" >&2; else bash "$SELF" __build "$t" >"$log" 2>&1; fi; then
      secs=$(($(date +%s) - start))
      sizes="" bytes=0
      for b in $(tool_bins "$t"); do
        sizes+=" $b $(fmt_size "$(stat -c %s "$dir/bin/$b")"),"
        bytes=$((bytes + $(stat -c %s "$dir/bin/$b")))
      done
      cp "$log" "$dir/build.log"
      cpu="$(sed -n 's/^cpu_seconds=//p' "$dir/.complete")"
      echo "    built in $(fmt_secs "$secs") (CPU $(fmt_secs "${cpu:-0}")); size $(fmt_size "$bytes"):${sizes%,}"
      built=$((built + 1))
    else
      secs=$(($(date +%s) - start))
      echo "    FAILED: $t $(tool_version "$t") after $(fmt_secs "$secs"); last lines of $log:" >&2
      tail -n 25 "$log" | sed 's/^/    | /' >&2
      failed+=("$t")
    fi
  done
  total_secs=$(($(date +%s) - total_start))
  echo "==> total $(fmt_secs "$total_secs"): ${built} built, ${cached} cached, ${#failed[@]} failed${failed:+ (${failed[*]})}"
  [ ${#failed[@]} -eq 0 ] || die "build failed for: ${failed[*]}"
}

path_fragment() {
  local t parts=() missing=()
  for t in "${TOOLS[@]}"; do
    parts+=("$(tool_dir "$t")/bin")
    [ -f "$(tool_dir "$t")/.complete" ] || missing+=("$t")
  done
  parts+=("$REPO/tools/bin")
  [ ${#missing[@]} -eq 0 ] || echo "tools.sh: not built yet: ${missing[*]} (bash scripts/tools.sh build)" >&2
  local IFS=:
  echo "${parts[*]}"
}

cmd_env() {
  # PULUMI_SKIP_UPDATE_CHECK: no version check against the Pulumi service (env.SkipUpdateCheck).
  # PULUMI_DISABLE_AUTOMATIC_PLUGIN_ACQUISITION: never download a missing plugin (env.DisableAutomaticPluginAcquisition
  # in sdk/go/common/env/env.go); every plugin comes from PATH ("ambient plugins",
  # workspace.getPluginInfoAndPath), so PULUMI_IGNORE_AMBIENT_PLUGINS must stay unset.
  printf 'export PATH="%s:$PATH"\n' "$(path_fragment)"
  echo "export PULUMI_SKIP_UPDATE_CHECK=true"
  echo "export PULUMI_DISABLE_AUTOMATIC_PLUGIN_ACQUISITION=true"
  echo "unset PULUMI_IGNORE_AMBIENT_PLUGINS"
}

cmd_list() {
  [ -d "$CACHE" ] || { echo "(empty: $CACHE does not exist)"; return 0; }
  local d name pinned t
  echo "cache: $CACHE"
  for d in "$CACHE"/*/; do
    [ -d "$d" ] || continue
    d="${d%/}"; name="$(basename "$d")"
    pinned="not pinned"
    for t in "${TOOLS[@]}"; do [ "$name" = "$t-$(tool_version "$t")" ] && pinned="pinned"; done
    if [ -f "$d/.complete" ]; then
      printf '%-58s %8s  built in %s  (%s)\n' "$name" "$(du -sh "$d" | cut -f1)" \
        "$(fmt_secs "$(sed -n 's/^seconds=//p' "$d/.complete")")" "$pinned"
    else
      printf '%-58s %8s  incomplete (no .complete marker)\n' "$name" "$(du -sh "$d" | cut -f1)"
    fi
  done
}

cmd_prune() {
  [ -d "$CACHE" ] || return 0
  exec 9>"$CACHE/.lock"
  flock -n 9 || die "a build is running (lock $CACHE/.lock); prune later"
  local d name t keep
  for d in "$CACHE"/*/ "$CACHE"/.staging-*/; do
    [ -d "$d" ] || continue
    d="${d%/}"; name="$(basename "$d")"; keep=""
    for t in "${TOOLS[@]}"; do [ "$name" = "$t-$(tool_version "$t")" ] && keep=1; done
    [ -n "$keep" ] && continue
    echo "removing $d ($(du -sh "$d" | cut -f1))"
    rm -rf "$d"
  done
}

cmd_tools() {
  local t
  for t in "${TOOLS[@]}"; do printf '%-28s %-36s %s\n' "$t" "$(tool_version "$t")" "$(tool_bins "$t")"; done
}

case "${1:-}" in
  build) shift; cmd_build "$@" ;;
  path) path_fragment ;;
  env) cmd_env ;;
  list) cmd_list ;;
  prune) cmd_prune ;;
  tools) cmd_tools ;;
  gomod)
    TOOL="${2:?usage: tools.sh gomod <tool>}"
    WORK="$(mktemp -d)"; trap 'rm -rf "$WORK"' EXIT; cd "$WORK"
    case "$TOOL" in
      pulumi) write_wrapper "$WORK" github.com/pulumi/pulumi/pkg/v3 "$PULUMI_VERSION" map_pulumi_sdk ;;
      pulumi-language-nodejs) write_wrapper "$WORK" github.com/pulumi/pulumi/sdk/v3 "$LANGHOST_SDK_VERSION" map_none ;;
      etcd) write_wrapper "$WORK" go.etcd.io/etcd/server/v3 "$ETCD_VERSION" map_etcd ;;
      kubernetes) write_wrapper "$WORK" k8s.io/kubernetes "$KUBERNETES_VERSION" map_k8s_staging ;;
      kwok) write_wrapper "$WORK" sigs.k8s.io/kwok "$KWOK_VERSION" map_none ;;
      helm) write_wrapper "$WORK" helm.sh/helm/v3 "$HELM_VERSION" map_none ;;
      kyverno) write_wrapper "$WORK" github.com/kyverno/kyverno "$KYVERNO_VERSION" map_none ;;
      gitea) write_wrapper "$WORK" code.gitea.io/gitea "$GITEA_VERSION" map_none ;;
      *) die "no wrapper module for '$TOOL'" ;;
    esac
    cat "$WORK/go.mod" ;;
  __build) build_one "$2" ;;
  *) sed -n '2,12p' "$SELF" | sed 's/^# \{0,1\}//'; [ -n "${1:-}" ] && exit 2 || exit 0 ;;
esac
