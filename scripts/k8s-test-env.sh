#!/usr/bin/env bash
# A real Kubernetes control plane (etcd + kube-apiserver) for nhiscan's
# integration tests, built from the Go module proxy only.
#
#   scripts/k8s-test-env.sh build        build or reuse the binaries; prints their directory
#   scripts/k8s-test-env.sh start [DIR]  start them on loopback in DIR (default: a new
#                                        temporary directory); prints the kubeconfig path
#   scripts/k8s-test-env.sh stop DIR     stop what start started in DIR
#
# The binaries come from the tools module scanners/k8s/k8stest/tools (its
# go.mod pins k8s.io/kubernetes and go.etcd.io/etcd/server/v3) and are cached
# in $NHISCAN_KUBE_CACHE (default .cache/k8s, ignored by git) under
# <kubernetes version>-etcd-<etcd version>/, rebuilt when the tools module or
# the Go version changes. A cold build takes minutes (see README,
# Development); tests use the directory through NHISCAN_KUBE_BIN:
#
#   NHISCAN_KUBE_BIN=$(scripts/k8s-test-env.sh build) go test ./scanners/k8s/...
#
# start generates a CA, a serving certificate for 127.0.0.1/localhost, a
# service-account signing key and an admin client certificate (group
# system:masters), picks free loopback ports and waits for /readyz.
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
tools="$root/scanners/k8s/k8stest/tools"

die() { echo "k8s-test-env: $*" >&2; exit 1; }

modversion() { # the version go.mod requires of module $1
  awk -v m="$1" '$1 == m && $2 ~ /^v/ {print $2; exit}' "$tools/go.mod"
}

build() {
  local kube etcd cache dir stamp want
  kube=$(modversion k8s.io/kubernetes)
  etcd=$(modversion go.etcd.io/etcd/server/v3)
  [ -n "$kube" ] && [ -n "$etcd" ] || die "$tools/go.mod: cannot read the k8s.io/kubernetes and go.etcd.io/etcd/server/v3 versions"
  cache="${NHISCAN_KUBE_CACHE:-$root/.cache/k8s}"
  dir="$cache/$kube-etcd-$etcd"
  stamp="$dir/stamp"
  want="$(go env GOVERSION) $(cat "$tools/go.mod" "$tools/go.sum" | sha256sum | cut -d' ' -f1)"
  if [ -x "$dir/etcd" ] && [ -x "$dir/kube-apiserver" ] && [ "$(cat "$stamp" 2>/dev/null)" = "$want" ]; then
    echo "k8s-test-env: reusing $dir" >&2
    echo "$dir"
    return
  fi
  mkdir -p "$dir"
  rm -f "$stamp"
  local minor=${kube#v1.}; minor=${minor%%.*}
  local started=$SECONDS
  echo "k8s-test-env: building etcd $etcd and kube-apiserver $kube into $dir (a cold build takes minutes)" >&2
  (
    cd "$tools"
    export GOWORK=off GOFLAGS="${GOFLAGS:-} -mod=readonly"
    go build -trimpath -ldflags "-s -w" -o "$dir/etcd" go.etcd.io/etcd/server/v3
    go build -trimpath -ldflags "-s -w -X k8s.io/component-base/version.gitVersion=$kube -X k8s.io/component-base/version.gitMajor=1 -X k8s.io/component-base/version.gitMinor=$minor" \
      -o "$dir/kube-apiserver" k8s.io/kubernetes/cmd/kube-apiserver
  ) >&2
  echo "$want" > "$stamp"
  echo "k8s-test-env: built in $((SECONDS - started)) s" >&2
  echo "$dir"
}

freeport() { # a loopback port nothing listens on, not in $* (best effort)
  local p
  while :; do
    p=$((20000 + RANDOM % 20000))
    case " $* " in *" $p "*) continue ;; esac
    if ! (exec 3<>"/dev/tcp/127.0.0.1/$p") 2>/dev/null; then echo "$p"; return; fi
  done
}

start() {
  local bin dir
  command -v openssl >/dev/null || die "openssl is needed to generate the certificates"
  command -v curl >/dev/null || die "curl is needed to wait for /readyz"
  bin=${NHISCAN_KUBE_BIN:-$(build)}
  [ -x "$bin/etcd" ] && [ -x "$bin/kube-apiserver" ] || die "$bin: no etcd and kube-apiserver (run: $0 build)"
  dir=${1:-$(mktemp -d "${TMPDIR:-/tmp}/k8s-test-env.XXXXXX")}
  mkdir -p "$dir"
  dir=$(cd "$dir" && pwd)
  [ ! -e "$dir/pids" ] || die "$dir: already started (run: $0 stop $dir)"
  cd "$dir"

  # credentials
  local ext
  ext=$(mktemp)
  openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes -keyout ca.key -out ca.crt \
    -days 1 -subj /CN=nhiscan-k8s-test-env-ca 2>/dev/null
  openssl req -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes -keyout apiserver.key -out apiserver.csr \
    -subj /CN=kube-apiserver 2>/dev/null
  printf 'subjectAltName=IP:127.0.0.1,DNS:localhost\nextendedKeyUsage=serverAuth\n' > "$ext"
  openssl x509 -req -in apiserver.csr -CA ca.crt -CAkey ca.key -CAcreateserial -days 1 -extfile "$ext" -out apiserver.crt 2>/dev/null
  openssl req -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes -keyout admin.key -out admin.csr \
    -subj "/O=system:masters/CN=admin" 2>/dev/null
  printf 'extendedKeyUsage=clientAuth\n' > "$ext"
  openssl x509 -req -in admin.csr -CA ca.crt -CAkey ca.key -CAcreateserial -days 1 -extfile "$ext" -out admin.crt 2>/dev/null
  rm -f "$ext" ./*.csr
  openssl genrsa -out sa.key 2048 2>/dev/null
  openssl rsa -in sa.key -pubout -out sa.pub 2>/dev/null
  chmod 600 ./*.key

  local client peer api
  client=$(freeport); peer=$(freeport "$client"); api=$(freeport "$client" "$peer")
  "$bin/etcd" --name=k8s-test-env --data-dir="$dir/etcd" \
    --listen-client-urls="http://127.0.0.1:$client" --advertise-client-urls="http://127.0.0.1:$client" \
    --listen-peer-urls="http://127.0.0.1:$peer" --initial-advertise-peer-urls="http://127.0.0.1:$peer" \
    --initial-cluster="k8s-test-env=http://127.0.0.1:$peer" --unsafe-no-fsync --log-level=warn \
    > etcd.log 2>&1 &
  echo $! > pids
  "$bin/kube-apiserver" --etcd-servers="http://127.0.0.1:$client" \
    --bind-address=127.0.0.1 --advertise-address=127.0.0.1 --secure-port="$api" --endpoint-reconciler-type=none \
    --tls-cert-file=apiserver.crt --tls-private-key-file=apiserver.key --client-ca-file=ca.crt \
    --service-account-issuer=https://kubernetes.default.svc --service-account-key-file=sa.pub \
    --service-account-signing-key-file=sa.key --service-cluster-ip-range=10.0.0.0/24 \
    --authorization-mode=RBAC --enable-priority-and-fairness=false \
    > kube-apiserver.log 2>&1 &
  echo $! >> pids

  cat > kubeconfig <<EOF
apiVersion: v1
kind: Config
clusters:
- name: k8s-test-env
  cluster:
    server: https://127.0.0.1:$api
    certificate-authority-data: $(base64 -w0 ca.crt)
users:
- name: admin
  user:
    client-certificate-data: $(base64 -w0 admin.crt)
    client-key-data: $(base64 -w0 admin.key)
contexts:
- name: k8s-test-env
  context:
    cluster: k8s-test-env
    user: admin
current-context: k8s-test-env
EOF
  chmod 600 kubeconfig

  local started=$SECONDS
  until [ "$(curl -s --max-time 5 --cacert ca.crt --cert admin.crt --key admin.key "https://127.0.0.1:$api/readyz" 2>/dev/null)" = ok ]; do
    local pid
    for pid in $(cat pids); do
      kill -0 "$pid" 2>/dev/null || { tail -n 20 etcd.log kube-apiserver.log >&2; stop "$dir"; die "a process exited before /readyz was ok (logs in $dir)"; }
    done
    if [ $((SECONDS - started)) -gt 90 ]; then
      tail -n 20 etcd.log kube-apiserver.log >&2; stop "$dir"; die "/readyz not ok after 90 s (logs in $dir)"
    fi
    sleep 0.5
  done
  echo "k8s-test-env: ready in $((SECONDS - started)) s on https://127.0.0.1:$api; stop with: $0 stop $dir" >&2
  echo "$dir/kubeconfig"
}

stop() {
  local dir=${1:-} pid
  [ -n "$dir" ] && [ -f "$dir/pids" ] || die "usage: $0 stop DIR (the directory start used)"
  # the API server first, then etcd
  for pid in $(tac "$dir/pids"); do
    kill "$pid" 2>/dev/null || continue
    for _ in $(seq 100); do kill -0 "$pid" 2>/dev/null || break; sleep 0.1; done
    kill -9 "$pid" 2>/dev/null || true
  done
  rm -f "$dir/pids"
}

case "${1:-}" in
  build) build ;;
  start) shift; start "$@" ;;
  stop) shift; stop "$@" ;;
  *) sed -n '2,21s/^# \{0,1\}//p' "$0" >&2; exit 2 ;;
esac
