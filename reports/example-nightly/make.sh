#!/usr/bin/env bash
# Regenerates this folder: two real nightly runs of the bundled example (examples/marketing-engine: redis.conf,
# PostgreSQL and Kubernetes manifests) against the local Redis and PostgreSQL, and a Kubernetes API that is not
# there (its source is down, its checks unknown). The first night's redis.conf says `protected-mode no`, the
# second is the example as committed, with a baseline accepting the idle-timeout drift: the second report has a
# fixed finding, a newly accepted one, a failed source and a trend of two runs. Then headless Chromium takes the
# screenshot. Run from the repository root: reports/example-nightly/make.sh
set -euo pipefail
out="$(cd "$(dirname "$0")" && pwd)"
work="$(mktemp -d)"
trap 'rm -rf "$work"' EXIT
cp -r examples/marketing-engine "$work/"
cat > "$work/kubeconfig" <<'YAML'
apiVersion: v1
kind: Config
clusters: [{name: prod-eu, cluster: {server: "https://127.0.0.1:1"}}]
users: [{name: reader, user: {token: not-a-real-token}}]
contexts: [{name: prod-eu, context: {cluster: prod-eu, user: reader}}]
current-context: prod-eu
YAML
cat > "$work/baseline.yaml" <<'YAML'
accepted:
  - policy: SD-DRIFT
    resource: redis.conf
    fact: redis_timeout
    owner: team-cache
    reason: idle clients are closed by the proxy in front of Redis
    expires: 2099-01-01
YAML
night() {  # $1: extra configuration lines
  cat > "$work/nightly.yaml" <<YAML
scope: marketing-engine
iac: [marketing-engine/redis, marketing-engine/postgres, marketing-engine/kubernetes]
sources:
  - {name: redis, options: {redis: [redis://127.0.0.1:6379]}}
  - {name: postgres, options: {postgres: [postgresql://postgres@127.0.0.1:5432/postgres]}}
  - {name: kubernetes, options: {kubeconfig: kubeconfig, timeout: 2}}
store: history.db
output_dir: .
$1
YAML
  (cd "$work" && python3 -m scanner nightly --config nightly.yaml) || [ $? -eq 1 ]  # 1: there are findings
}
conf="$work/marketing-engine/redis/redis.conf"
cp "$conf" "$work/redis.conf.orig"
sed -i 's/^protected-mode yes$/protected-mode no/' "$conf"
night ""
cp "$work/redis.conf.orig" "$conf"
night "baseline: baseline.yaml"
cp "$work"/reports/*/report.html "$out/report.html"
chromium --headless --no-sandbox --disable-gpu --disable-quic --no-first-run --disable-background-networking \
  --disable-component-update --disable-sync --user-data-dir="$work/profile" --hide-scrollbars \
  --screenshot="$out/report.png" --window-size=1280,1600 "file://$out/report.html" 2>/dev/null
echo "wrote $out/report.html and $out/report.png"
