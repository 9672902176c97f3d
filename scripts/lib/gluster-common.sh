# Shared helpers for scripts/gluster-up and scripts/gluster-down. Source it; do not run it.
# shellcheck shell=bash disable=SC2034  # variables are used by the scripts that source this

GLUSTER_DIR_DEFAULT=/tmp/mooring-gluster
GLUSTER_VOLUME_DEFAULT=mooring-test
# Address clients use to reach glusterd (glusterd listens on 0.0.0.0:24007).
GLUSTER_SERVER_ADDR=127.0.0.1
# Host bricks are registered under. The gluster CLI refuses "localhost" and
# "127.0.0.1" for bricks, but accepts any other 127.x.y.z (glusterd treats all
# of 127/8 as local) - unlike the hostname, it does not depend on /etc/hosts.
GLUSTER_BRICK_HOST_DEFAULT=127.0.0.2
GLUSTERD_PIDFILE=/run/glusterd.pid

log() { printf '%s: %s\n' "${PROG:-gluster}" "$*" >&2; }
die() { log "error: $*"; exit 1; }

# Parse the options shared by gluster-up and gluster-down.
# Sets DIR, VOLUME, BRICK_HOST, GLUSTER_SERVER_ADDR, QUOTA_TIMEOUT, ALL_MOUNTS.
parse_common_args() {
  DIR=$GLUSTER_DIR_DEFAULT VOLUME=$GLUSTER_VOLUME_DEFAULT
  BRICK_HOST=${GLUSTER_BRICK_HOST:-$GLUSTER_BRICK_HOST_DEFAULT}
  QUOTA_TIMEOUT=0 ALL_MOUNTS=0
  while (($#)); do
    case "$1" in
      --dir) DIR=${2:?--dir needs a value}; shift 2 ;;
      --dir=*) DIR=${1#*=}; shift ;;
      --volume) VOLUME=${2:?--volume needs a value}; shift 2 ;;
      --volume=*) VOLUME=${1#*=}; shift ;;
      --brick-host) BRICK_HOST=${2:?--brick-host needs a value}; shift 2 ;;
      --brick-host=*) BRICK_HOST=${1#*=}; shift ;;
      --server) GLUSTER_SERVER_ADDR=${2:?--server needs a value}; shift 2 ;;
      --server=*) GLUSTER_SERVER_ADDR=${1#*=}; shift ;;
      --quota-timeout) QUOTA_TIMEOUT=${2:?--quota-timeout needs a value}; shift 2 ;;
      --quota-timeout=*) QUOTA_TIMEOUT=${1#*=}; shift ;;
      --all-mounts) ALL_MOUNTS=1; shift ;;
      -h|--help) usage; exit 0 ;;
      *) usage >&2; exit 2 ;;
    esac
  done
  [[ "$VOLUME" =~ ^[A-Za-z0-9_-]+$ ]] || die "bad volume name '$VOLUME'"
  [[ "$DIR" == /* ]] || DIR=$(pwd)/$DIR
  DIR=${DIR%/}
  case "$DIR" in ''|/|/tmp|/var|/usr|/etc|/root|/home|/run|/mnt) die "refusing to use --dir '$DIR'" ;; esac
  STATE_FILE=$DIR/state
}

# Serialise gluster-up/gluster-down runs (tests may call them concurrently).
take_lock() {
  exec 9>"${TMPDIR:-/tmp}/mooring-gluster.lock"
  flock -w 120 9 || die "timed out waiting for ${TMPDIR:-/tmp}/mooring-gluster.lock"
}

# gcli ARGS...: run `gluster --mode=script ARGS`, retrying while glusterd
# answers "Another transaction is in progress" / "Locking failed".
# Output goes to stdout (both streams); returns gluster's exit status.
gcli() {
  local out rc i
  for i in $(seq 1 30); do
    rc=0
    out=$(gluster --mode=script --timeout=120 "$@" 2>&1) || rc=$?
    if grep -qE 'Another transaction is in progress|Locking failed|Please try again after some time' <<<"$out"; then
      sleep 0.5
      continue
    fi
    break
  done
  if [[ -n "$out" ]]; then printf '%s\n' "$out"; fi
  return "$rc"
}

glusterd_answers() { gluster --mode=script --timeout=10 pool list >/dev/null 2>&1; }

# live_pids NAME: PIDs of processes named exactly NAME (not a command-line
# match), zombies excluded.
live_pids() {
  local pid st
  for pid in $(pgrep -x "$1" 2>/dev/null); do
    st=$(ps -o stat= -p "$pid" 2>/dev/null) || continue
    [[ -n "$st" && "$st" != Z* ]] && echo "$pid"
  done
  return 0
}
glusterd_pids() { live_pids glusterd; }

volume_exists() { gluster --mode=script --timeout=30 volume info "$1" >/dev/null 2>&1; }

# Prints Started / Stopped / Created.
volume_status_str() {
  gluster --mode=script --timeout=30 --xml volume info "$1" 2>/dev/null \
    | sed -n 's:.*<statusStr>\(.*\)</statusStr>.*:\1:p' | head -n1
}

# Prints "total online" brick counts of a started volume.
volume_brick_online() {
  local xml
  xml=$(gluster --mode=script --timeout=30 --xml volume status "$1" 2>/dev/null) || true
  # Brick <node>s have a <path> starting with '/'; daemons (shd, quotad) have path "localhost".
  awk '
    /<node>/ {in_node=1; path=""; st=""}
    in_node && /<path>/ {p=$0; sub(/.*<path>/,"",p); sub(/<\/path>.*/,"",p); path=p}
    in_node && /<status>/ {s=$0; sub(/.*<status>/,"",s); sub(/<\/status>.*/,"",s); st=s}
    /<\/node>/ {if (path ~ /^\//) {total++; if (st=="1") on++}; in_node=0}
    END {printf "%d %d\n", total, on}' <<<"$xml"
}

# Brick paths of a volume, one per line.
volume_bricks() {
  gluster --mode=script --timeout=30 --xml volume info "$1" 2>/dev/null \
    | sed -n 's:.*<name>[^<]*\:\(/[^<]*\)</name>.*:\1:p'
}

# Mount points (deepest first) of glusterfs FUSE mounts - including bind
# mounts of them - whose source is *:/VOLUME or *:VOLUME. With a second
# argument of 1, all of them; otherwise only those under DIR, /tmp or
# /run/gluster (glusterd's quota aux mounts).
volume_mounts() {
  local vol=$1 all=${2:-0} src mp fstype rest
  while read -r src mp fstype rest; do
    [[ "$fstype" == fuse.glusterfs ]] || continue
    [[ "$src" == *":/$vol" || "$src" == *":$vol" ]] || continue
    mp=$(printf '%b' "$mp")   # /proc/mounts escapes spaces etc. as \040
    if [[ "$all" == 1 || "$mp" == "$DIR" || "$mp" == "$DIR"/* || "$mp" == /tmp/* \
          || "$mp" == /run/gluster/* || "$mp" == /var/run/gluster/* ]]; then
      printf '%s\n' "$mp"
    fi
  done </proc/mounts | awk '{print length($0) "\t" $0}' | sort -rn | cut -f2- | uniq
}

# Read DIR/state (KEY=VALUE lines) without executing it.
read_state() {
  STATE_STARTED_GLUSTERD=0 STATE_GLUSTERD_HOW='' STATE_GLUSTERD_PID='' STATE_CREATED_VOLUME=0
  [[ -f "$STATE_FILE" ]] || return 0
  local k v
  while IFS='=' read -r k v; do
    case "$k" in
      STARTED_GLUSTERD) STATE_STARTED_GLUSTERD=$v ;;
      GLUSTERD_HOW) STATE_GLUSTERD_HOW=$v ;;
      GLUSTERD_PID) STATE_GLUSTERD_PID=$v ;;
      CREATED_VOLUME) STATE_CREATED_VOLUME=$v ;;
    esac
  done <"$STATE_FILE"
}

have_systemd() { [[ -d /run/systemd/system ]] && command -v systemctl >/dev/null 2>&1; }

# Start glusterd. Sets GLUSTERD_HOW (systemd|direct) and GLUSTERD_PID.
start_glusterd() {
  GLUSTERD_PID=
  # 9>&-: do not let the daemon inherit the lock fd of take_lock.
  if have_systemd && systemctl start glusterd >/dev/null 2>&1 9>&-; then
    GLUSTERD_HOW=systemd
  else
    GLUSTERD_HOW=direct
    # Same invocation as Debian's glusterd.service; it daemonizes itself.
    glusterd -p "$GLUSTERD_PIDFILE" --log-level INFO 9>&- || die "glusterd failed to start (see /var/log/glusterfs/glusterd.log)"
  fi
  local i
  for i in $(seq 1 300); do
    glusterd_answers && break
    ((i == 300)) && die "glusterd does not answer 'gluster pool list' after 30 s (see /var/log/glusterfs/glusterd.log)"
    sleep 0.1
  done
  if [[ -s "$GLUSTERD_PIDFILE" ]]; then GLUSTERD_PID=$(<"$GLUSTERD_PIDFILE"); fi
  [[ -n "$GLUSTERD_PID" ]] || GLUSTERD_PID=$(glusterd_pids | head -n1)
}

# kill_and_wait PID...: SIGTERM, then SIGKILL after ~5 s. Never fails.
kill_and_wait() {
  local pids=() p i
  for p in "$@"; do
    if [[ -n "$p" ]] && kill -0 "$p" 2>/dev/null; then pids+=("$p"); fi
  done
  ((${#pids[@]})) || return 0
  kill -TERM "${pids[@]}" 2>/dev/null || true
  for i in $(seq 1 50); do
    local alive=0
    for p in "${pids[@]}"; do
      # a zombie (state Z) counts as gone
      if kill -0 "$p" 2>/dev/null && [[ $(ps -o stat= -p "$p" 2>/dev/null) != Z* ]]; then alive=1; fi
    done
    ((alive)) || return 0
    sleep 0.1
  done
  kill -KILL "${pids[@]}" 2>/dev/null || true
  sleep 0.2
}
