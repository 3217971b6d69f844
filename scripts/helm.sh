#!/usr/bin/env bash
# Builds the `helm` binary from the Go module proxy (helm.sh/helm/v3 at a pinned version) into a cache folder
# outside the repo, for the chart tests (helm lint / template / install). No prebuilt binary is downloaded.
# Idempotent: exits at once when the binary exists and reports the pinned version. Prints its path last.
#
#   bash scripts/helm.sh                   # build (or reuse) helm
#   HELM=$(bash scripts/helm.sh | tail -n1) npx vitest run test/unit/helm-chart.test.ts
#
# Environment: HELM_VERSION (default v3.21.4), HELM_DIR (default
# ${XDG_CACHE_HOME:-$HOME/.cache}/albatross/helm/<version>), NICE (default 10).
set -euo pipefail

HELM_VERSION="${HELM_VERSION:-v3.21.4}"
OUT="${HELM_DIR:-${XDG_CACHE_HOME:-$HOME/.cache}/albatross/helm/$HELM_VERSION}"
NICE="${NICE:-10}"

log() { printf '[helm] %s\n' "$*" >&2; }

# The build stamp names the Kubernetes version compiled in as helm's default (see below).
helm_ok() {
  [[ -x "$OUT/helm" && -f "$OUT/.stamp" ]] &&
    "$OUT/helm" version --template '{{.Version}}' 2>/dev/null | grep -qx "$HELM_VERSION"
}

if helm_ok; then
  log "helm $HELM_VERSION present"
  echo "$OUT/helm"
  exit 0
fi

command -v go >/dev/null || { log "go is not on PATH: install Go to build helm"; exit 1; }
mkdir -p "$OUT"
WORK="$(mktemp -d)"
trap 'rm -rf "$WORK"' EXIT
export CGO_ENABLED=0 GOFLAGS="${GOFLAGS:+$GOFLAGS }-mod=mod"
start=$SECONDS

# helm's own go.mod names the Go version it needs and has no replace directives, so a module that only
# requires it resolves to exactly helm's dependency set.
modfile="$(cd "$WORK" && go mod download -json "helm.sh/helm/v3@$HELM_VERSION" | sed -n 's/^\s*"GoMod": "\(.*\)",\{0,1\}$/\1/p')"
[[ -f "$modfile" ]] || { log "could not download helm.sh/helm/v3@$HELM_VERSION"; exit 1; }
gover="$(sed -n 's/^go \([0-9.]*\)$/\1/p' "$modfile" | head -n1)"
printf 'module albatross.dev/helm\n\ngo %s\n\nrequire helm.sh/helm/v3 %s\n' "${gover:-1.24}" "$HELM_VERSION" >"$WORK/go.mod"

# helm's Makefile compiles in the Kubernetes version of its client-go as the default for `helm template` and
# `helm lint` (Capabilities.KubeVersion); without it they assume v1.20 and refuse charts needing more.
kminor="$(sed -n 's#^\s*k8s\.io/client-go v0\.\([0-9]*\)\..*$#\1#p' "$modfile" | head -n1)"
[[ -n "$kminor" ]] || { log "no k8s.io/client-go in helm's go.mod"; exit 1; }
ldflags="-s -w -X helm.sh/helm/v3/internal/version.version=$HELM_VERSION -X helm.sh/helm/v3/internal/version.gitTreeState=clean"
for pkg in helm.sh/helm/v3/pkg/lint/rules helm.sh/helm/v3/pkg/chartutil; do
  ldflags+=" -X $pkg.k8sVersionMajor=1 -X $pkg.k8sVersionMinor=$kminor"
done
log "building helm $HELM_VERSION (a minute or two the first time)"
(cd "$WORK" && nice -n "$NICE" go build -trimpath -ldflags "$ldflags" -o "$OUT/helm.tmp" helm.sh/helm/v3/cmd/helm)
mv "$OUT/helm.tmp" "$OUT/helm"
echo "kubernetes 1.$kminor" >"$OUT/.stamp"
helm_ok || { log "helm built but reports: $("$OUT/helm" version 2>&1 || true)"; exit 1; }
log "done in $((SECONDS - start)) s"
echo "$OUT/helm"
