#!/usr/bin/env bash
# Builds envtest-style assets (kube-apiserver + etcd) from the Go module proxy into a cache folder outside
# the repo, so the e2e suites can run a real API server on loopback. Idempotent: exits at once when both
# binaries already exist and report the pinned versions. Prints the asset folder on its last line.
#
#   bash scripts/kube-assets.sh            # build (or reuse) the assets
#   KUBEBUILDER_ASSETS=$(bash scripts/kube-assets.sh | tail -n1) npx vitest run --project e2e
#
# Environment: K8S_VERSION (default v1.32.4), ETCD_VERSION (default v3.5.21), KUBE_ASSETS_DIR (default
# ${XDG_CACHE_HOME:-$HOME/.cache}/albatross/kubebuilder-assets/<k8s-version>), NICE (default 10).
set -euo pipefail

K8S_VERSION="${K8S_VERSION:-v1.32.4}"
ETCD_VERSION="${ETCD_VERSION:-v3.5.21}"
CACHE_ROOT="${XDG_CACHE_HOME:-$HOME/.cache}/albatross/kubebuilder-assets"
OUT="${KUBE_ASSETS_DIR:-$CACHE_ROOT/$K8S_VERSION}"
NICE="${NICE:-10}"

log() { printf '[kube-assets] %s\n' "$*" >&2; }

apiserver_ok() {
  [[ -x "$OUT/kube-apiserver" ]] && "$OUT/kube-apiserver" --version 2>/dev/null | grep -qx "Kubernetes $K8S_VERSION"
}
etcd_ok() {
  [[ -x "$OUT/etcd" ]] || return 1
  # The Debian fallback is accepted as it is (its version is Debian's, not ours).
  if [[ -f "$OUT/.etcd-from-debian" ]]; then "$OUT/etcd" --version >/dev/null 2>&1; return; fi
  "$OUT/etcd" --version 2>/dev/null | grep -q "^etcd Version: ${ETCD_VERSION#v}$"
}

if apiserver_ok && etcd_ok; then
  log "assets present ($K8S_VERSION, etcd $ETCD_VERSION)"
  echo "$OUT"
  exit 0
fi

command -v go >/dev/null || { log "go is not on PATH: install Go >= 1.23 to build the assets"; exit 1; }
mkdir -p "$OUT"
WORK="$(mktemp -d)"
trap 'rm -rf "$WORK"' EXIT
export CGO_ENABLED=0 GOFLAGS="${GOFLAGS:+$GOFLAGS }-mod=mod"
start=$SECONDS

build_apiserver() {
  local minor="${K8S_VERSION#v1.}" staging="v0.${K8S_VERSION#v1.}"
  local dir="$WORK/apiserver"
  mkdir -p "$dir"
  log "fetching k8s.io/kubernetes@$K8S_VERSION go.mod"
  # `go mod download -json` gives the path of the module's go.mod in the module cache.
  local modfile
  modfile="$(cd "$dir" && go mod download -json "k8s.io/kubernetes@$K8S_VERSION" | sed -n 's/^\s*"GoMod": "\(.*\)",\{0,1\}$/\1/p')"
  [[ -f "$modfile" ]] || { log "could not download k8s.io/kubernetes@$K8S_VERSION"; return 1; }
  local gover
  gover="$(sed -n 's/^go \([0-9.]*\)$/\1/p' "$modfile" | head -n1)"
  {
    echo "module albatross.dev/kube-assets"
    echo
    echo "go ${gover:-1.23}"
    echo
    echo "require k8s.io/kubernetes $K8S_VERSION"
    echo
    echo "replace ("
    # Every staging module k8s.io/kubernetes replaces with ./staging/… is published as k8s.io/<name> v0.X.Y.
    sed -n 's#^\s*\(k8s\.io/[A-Za-z0-9._-]*\) => \./staging/src/.*$#\1#p' "$modfile" | sort -u |
      while read -r m; do echo "	$m => $m $staging"; done
    echo ")"
  } >"$dir/go.mod"
  log "staging modules replaced: $(grep -c '=>' "$dir/go.mod")"
  local date
  date="$(date -u +%Y-%m-%dT%H:%M:%SZ)"
  local pkg="k8s.io/component-base/version"
  local ldflags="-s -w -checklinkname=0"
  ldflags+=" -X $pkg.gitVersion=$K8S_VERSION -X $pkg.gitMajor=1 -X $pkg.gitMinor=${minor%%.*}"
  ldflags+=" -X $pkg.gitTreeState=clean -X $pkg.buildDate=$date"
  ldflags+=" -X k8s.io/client-go/pkg/version.gitVersion=$K8S_VERSION"
  log "building kube-apiserver $K8S_VERSION (slow the first time)"
  (cd "$dir" && nice -n "$NICE" go build -trimpath -ldflags "$ldflags" -o "$OUT/kube-apiserver.tmp" \
    k8s.io/kubernetes/cmd/kube-apiserver)
  mv "$OUT/kube-apiserver.tmp" "$OUT/kube-apiserver"
}

build_etcd() {
  local dir="$WORK/etcd"
  mkdir -p "$dir"
  printf 'module albatross.dev/etcd-assets\n\ngo 1.23\n\nrequire go.etcd.io/etcd/server/v3 %s\n' "$ETCD_VERSION" >"$dir/go.mod"
  log "building etcd $ETCD_VERSION"
  # In 3.5 the etcd main package is the module root of go.etcd.io/etcd/server/v3; its go.mod pins the
  # sibling modules (api, client, pkg, raft) to the same release, so MVS keeps them consistent.
  (cd "$dir" && nice -n "$NICE" go build -trimpath \
    -ldflags "-s -w -X go.etcd.io/etcd/api/v3/version.GitSHA=albatross" \
    -o "$OUT/etcd.tmp" go.etcd.io/etcd/server/v3)
  rm -f "$OUT/etcd" "$OUT/.etcd-from-debian"
  mv "$OUT/etcd.tmp" "$OUT/etcd"
}

etcd_from_debian() {
  log "falling back to Debian's etcd-server package"
  command -v apt-get >/dev/null || return 1
  apt-get update -qq >&2 && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq etcd-server >&2
  ln -sf /usr/bin/etcd "$OUT/etcd"
  touch "$OUT/.etcd-from-debian"
}

if ! etcd_ok; then
  if ! build_etcd; then
    etcd_from_debian || { log "etcd: Go build and Debian fallback both failed"; exit 1; }
  fi
fi
apiserver_ok || build_apiserver

if ! apiserver_ok; then
  log "kube-apiserver built but reports: $("$OUT/kube-apiserver" --version 2>&1 || true)"
  exit 1
fi
[[ -x "$OUT/etcd" ]] || { log "etcd missing"; exit 1; }
log "done in $((SECONDS - start)) s: $("$OUT/kube-apiserver" --version), $("$OUT/etcd" --version | head -n1)"
echo "$OUT"
