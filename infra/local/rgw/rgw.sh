#!/usr/bin/env bash
# rgw.sh - a throw-away single-host Ceph cluster (1 monitor, 1 memstore OSD, 1 radosgw) on
# 127.0.0.1, for a real S3 endpoint with real bucket notifications. No systemd, no docker.
#
#   bash infra/local/rgw/rgw.sh install   # apt-get the Debian packages if they are missing
#   bash infra/local/rgw/rgw.sh start     # start; prints "RGW_READY <endpoint>" and writes $RGW_DIR/env
#   bash infra/local/rgw/rgw.sh stop      # stop the daemons by PID, remove $RGW_DIR (unless RGW_KEEP_DIR=1)
#   bash infra/local/rgw/rgw.sh restart-gateway   # kill and restart radosgw only (data and notifications stay)
#
# Environment (all optional):
#   RGW_DIR       working dir: config, monitor store, logs, pid files   (default /tmp/s3od-rgw)
#   RGW_PORT      S3 port on 127.0.0.1                                 (default 7480)
#   RGW_MON_PORT  monitor port on 127.0.0.1 (msgr2)                    (default 3300)
#   RGW_ACCESS_KEY / RGW_SECRET_KEY   the S3 user's keys                 (local defaults)
#   RGW_MEMSTORE_BYTES  capacity the OSD reports                        (default 4 GiB; RAM is used only for data)
#   RGW_OWNER_PID the process the cluster belongs to; a later start removes clusters whose owner is gone
set -euo pipefail

RGW_DIR=${RGW_DIR:-/tmp/s3od-rgw}
RGW_PORT=${RGW_PORT:-7480}
RGW_MON_PORT=${RGW_MON_PORT:-3300}
RGW_ACCESS_KEY=${RGW_ACCESS_KEY:-S3ODLOCALACCESSKEY}
RGW_SECRET_KEY=${RGW_SECRET_KEY:-s3od-local-secret-key-0123456789}
RGW_MEMSTORE_BYTES=${RGW_MEMSTORE_BYTES:-4294967296}
PACKAGES=(radosgw ceph-mon ceph-osd)

started_ms=$(date +%s%3N)
say() { echo "[rgw $(( $(date +%s%3N) - started_ms )) ms] $*" >&2; }
have_ceph() { command -v radosgw >/dev/null && command -v ceph-mon >/dev/null && command -v ceph-osd >/dev/null; }

install_packages() {
  have_ceph && return 0
  local sudo=""
  if [ "$(id -u)" != 0 ]; then
    if command -v sudo >/dev/null && sudo -n true 2>/dev/null; then sudo="sudo -n"; else
      echo "s3od needs the Debian packages ${PACKAGES[*]} for its local S3 server (Ceph RGW)." >&2
      echo "Install them as root: apt-get update && apt-get install -y --no-install-recommends ${PACKAGES[*]}" >&2
      exit 3
    fi
  fi
  if ! command -v apt-get >/dev/null; then
    echo "No apt-get here: install Ceph ${PACKAGES[*]} (Pacific 16.2 or newer) with your package manager." >&2
    exit 3
  fi
  say "installing ${PACKAGES[*]} from Debian (about 40 s, once)"
  # Refresh the package lists only when they are missing or older than a day.
  if [ -z "$(find /var/lib/apt/lists -maxdepth 1 -name '*Packages*' -mtime -1 2>/dev/null | head -1)" ]; then
    $sudo apt-get update -qq >&2
  fi
  # Through env: sudo resets the environment, and a prompt would hang a CI run.
  $sudo env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends "${PACKAGES[@]}" >&2
}

stop_cluster() {
  local d f pids=()
  # The data lives in the OSD's memory and is thrown away, so the daemons need no orderly
  # shutdown (radosgw alone takes ~6 s after SIGTERM): SIGKILL whatever is left after 0.5 s.
  for d in rgw.a osd.0 mon.a; do
    f=$RGW_DIR/run/$d.pid
    [ -f "$f" ] || continue
    pids+=("$(cat "$f")")
    rm -f "$f"
  done
  if [ ${#pids[@]} -gt 0 ]; then
    kill -TERM "${pids[@]}" 2>/dev/null || true
    sleep 0.5
    kill -KILL "${pids[@]}" 2>/dev/null || true
  fi
  [ "${RGW_KEEP_DIR:-0}" = 1 ] || rm -rf "$RGW_DIR"
}

port_taken() { (exec 3<>"/dev/tcp/127.0.0.1/$1") 2>/dev/null; }

# Clusters whose owner process (RGW_OWNER_PID, e.g. a test run killed with SIGKILL) is gone are
# stopped and removed, so daemons never pile up on a developer's machine or in CI.
reap_orphans() {
  local d owner f
  for d in "${RGW_DIR%/*}"/s3od-rgw-*; do
    [ -f "$d/owner.pid" ] || continue
    owner=$(cat "$d/owner.pid")
    kill -0 "$owner" 2>/dev/null && continue
    for f in "$d"/run/*.pid; do [ -f "$f" ] && { kill -KILL "$(cat "$f")" 2>/dev/null || true; }; done
    rm -rf "$d"
    say "removed the cluster of a process that is gone: $d"
  done
}

start_cluster() {
  install_packages
  reap_orphans
  for p in "$RGW_PORT" "$RGW_MON_PORT"; do
    if port_taken "$p"; then echo "port 127.0.0.1:$p is already in use (RGW_PORT/RGW_MON_PORT choose others)" >&2; exit 4; fi
  done
  if [ -d "$RGW_DIR/run" ]; then
    for f in "$RGW_DIR"/run/*.pid; do
      [ -e "$f" ] || continue
      if kill -0 "$(cat "$f")" 2>/dev/null; then echo "a cluster is already running in $RGW_DIR (stop it first)" >&2; exit 4; fi
    done
  fi
  rm -rf "$RGW_DIR"
  mkdir -p "$RGW_DIR"/{mon/a,osd/0,run,log,rgw}
  [ -n "${RGW_OWNER_PID:-}" ] && echo "$RGW_OWNER_PID" >"$RGW_DIR/owner.pid"
  export CEPH_CONF=$RGW_DIR/ceph.conf
  local fsid; fsid=$(cat /proc/sys/kernel/random/uuid)
  trap 'on_failure' ERR

  # Why these settings:
  # - auth none: a private loopback cluster needs no keyrings;
  # - one replica and 8 PGs per pool: one OSD, and RGW's ~8 pools must stay under the PG limit;
  # - paxos propose interval 0.05: every map change (pool create, ...) otherwise waits ~1 s, and a
  #   cold start takes ~14 s instead of ~2.5 s;
  # - mon data avail crit 0: the monitor must not shut down because /tmp is nearly full;
  # - ms mon client mode crc (radosgw): its default "secure" mode cannot work with auth none;
# - tcp_nodelay=1 (beast): without it every response body waits ~40 ms for delayed ACKs.
  cat >"$CEPH_CONF" <<EOF
[global]
fsid = $fsid
mon host = v2:127.0.0.1:$RGW_MON_PORT
public network = 127.0.0.1/32
ms bind ipv6 = false
auth cluster required = none
auth service required = none
auth client required = none
osd pool default size = 1
osd pool default min size = 1
osd pool default pg num = 8
osd pool default pgp num = 8
osd pool default pg autoscale mode = off
osd crush chooseleaf type = 0
mon allow pool size one = true
mon warn on pool no redundancy = false
mon max pg per osd = 1000
mon data avail crit = 0
mon data avail warn = 0
paxos propose interval = 0.05
run dir = $RGW_DIR/run
admin socket = $RGW_DIR/run/\$name.asok
log file = $RGW_DIR/log/\$name.log
keyring = $RGW_DIR/keyring

[mon]
mon data = $RGW_DIR/mon/\$id

[osd]
osd data = $RGW_DIR/osd/\$id
osd objectstore = memstore
memstore device bytes = $RGW_MEMSTORE_BYTES
osd memory target = 939524096

[client.rgw.a]
rgw frontends = beast endpoint=127.0.0.1:$RGW_PORT tcp_nodelay=1
rgw data = $RGW_DIR/rgw
ms mon client mode = crc
EOF

  monmaptool --create --addv a "[v2:127.0.0.1:$RGW_MON_PORT]" --fsid "$fsid" "$RGW_DIR/monmap" >/dev/null
  ceph-mon --mkfs -i a --monmap "$RGW_DIR/monmap"
  daemon mon.a ceph-mon -f -i a
  wait_until 30 "the monitor" timeout 10 ceph --connect-timeout 5 mon stat
  say "monitor up"

  local uuid id; uuid=$(cat /proc/sys/kernel/random/uuid)
  id=$(ceph osd new "$uuid")
  ceph-osd -i "$id" --mkfs --osd-uuid "$uuid" >"$RGW_DIR/log/osd.mkfs.out" 2>&1
  daemon osd.0 ceph-osd -f -i "$id"
  wait_until 60 "the OSD" osd_up
  say "osd up"

  daemon rgw.a radosgw -f -n client.rgw.a
  wait_until 120 "radosgw on 127.0.0.1:$RGW_PORT" curl -sf -o /dev/null "http://127.0.0.1:$RGW_PORT/"
  radosgw-admin user create --uid=s3od --display-name="s3od local" \
    --access-key="$RGW_ACCESS_KEY" --secret-key="$RGW_SECRET_KEY" >/dev/null
  cat >"$RGW_DIR/env" <<EOF
S3_ENDPOINT=http://127.0.0.1:$RGW_PORT
AWS_ACCESS_KEY_ID=$RGW_ACCESS_KEY
AWS_SECRET_ACCESS_KEY=$RGW_SECRET_KEY
EOF
  trap - ERR
  say "radosgw up"
  echo "RGW_READY http://127.0.0.1:$RGW_PORT"
}

daemon() { local name=$1; shift; nohup "$@" >"$RGW_DIR/log/$name.out" 2>&1 & echo $! >"$RGW_DIR/run/$name.pid"; }
osd_up() { ceph osd stat -f json | grep -q '"num_up_osds":1'; }
wait_until() {
  local secs=$1 what=$2; shift 2
  local end=$(( $(date +%s) + secs ))
  until "$@" >/dev/null 2>&1; do
    if [ "$(date +%s)" -ge "$end" ]; then echo "timed out after ${secs}s waiting for $what" >&2; return 1; fi
    sleep 0.1
  done
}
on_failure() {
  echo "starting Ceph RGW failed; the end of each log:" >&2
  for f in "$RGW_DIR"/log/*; do [ -f "$f" ] && { echo "== $f" >&2; tail -n 15 "$f" >&2; }; done
  RGW_KEEP_DIR=1 stop_cluster
}

# Restart only the gateway (the cluster and its data stay): for tests of S3 outages.
restart_gateway() {
  export CEPH_CONF=$RGW_DIR/ceph.conf
  local f=$RGW_DIR/run/rgw.a.pid
  [ -f "$f" ] && kill -KILL "$(cat "$f")" 2>/dev/null || true
  daemon rgw.a radosgw -f -n client.rgw.a
  wait_until 60 "radosgw on 127.0.0.1:$RGW_PORT" curl -sf -o /dev/null "http://127.0.0.1:$RGW_PORT/"
  say "radosgw restarted"
}

case "${1:-}" in
  install) install_packages ;;
  restart-gateway) restart_gateway ;;
  start) start_cluster ;;
  stop) stop_cluster ;;
  *) echo "usage: rgw.sh install|start|stop|restart-gateway" >&2; exit 2 ;;
esac
