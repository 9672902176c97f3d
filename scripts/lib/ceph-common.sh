# Shared helpers for scripts/ceph-up and scripts/ceph-down. Source it; do not run it.
# shellcheck shell=bash disable=SC2034  # variables are used by the scripts that source this

CEPH_DIR_DEFAULT=/tmp/mooring-ceph
CEPH_FS_DEFAULT=cephfs
CEPH_V1_PORT_DEFAULT=6789
CEPH_V2_PORT_DEFAULT=3300
CEPH_ADDR_DEFAULT=127.0.0.1
CEPH_OSD_GB_DEFAULT=10
# Daemon ids: one of each.
MON_ID=a MGR_ID=x MDS_ID=a OSD_ID=0
# /usr/bin/python3 has Debian's rados bindings; a pyenv/venv python3 earlier in PATH does not.
# (Only the standard json module is used here, but use the same interpreter as the ceph CLI.)
PY=/usr/bin/python3
[[ -x $PY ]] || PY=python3

log() { printf '%s: %s\n' "${PROG:-ceph}" "$*" >&2; }
die() { log "error: $*"; exit 1; }

# Parse the options shared by ceph-up and ceph-down. Sets DIR, FS_NAME, ADDR, V1_PORT, V2_PORT,
# OSD_GB, SMOKE and the *_SET flags (whether an option was given explicitly).
parse_common_args() {
  DIR=$CEPH_DIR_DEFAULT FS_NAME=$CEPH_FS_DEFAULT V1_PORT=$CEPH_V1_PORT_DEFAULT V2_PORT=$CEPH_V2_PORT_DEFAULT
  ADDR=$CEPH_ADDR_DEFAULT
  OSD_GB=$CEPH_OSD_GB_DEFAULT SMOKE=1 PORTS_SET=0 FS_SET=0
  while (($#)); do
    case "$1" in
      --dir) DIR=${2:?--dir needs a value}; shift 2 ;;
      --dir=*) DIR=${1#*=}; shift ;;
      --fs) FS_NAME=${2:?--fs needs a value}; FS_SET=1; shift 2 ;;
      --fs=*) FS_NAME=${1#*=}; FS_SET=1; shift ;;
      --addr) ADDR=${2:?--addr needs a value}; shift 2 ;;
      --addr=*) ADDR=${1#*=}; shift ;;
      --port) V1_PORT=${2:?--port needs a value}; PORTS_SET=1; shift 2 ;;
      --port=*) V1_PORT=${1#*=}; PORTS_SET=1; shift ;;
      --v2-port) V2_PORT=${2:?--v2-port needs a value}; PORTS_SET=1; shift 2 ;;
      --v2-port=*) V2_PORT=${1#*=}; PORTS_SET=1; shift ;;
      --osd-size-gb) OSD_GB=${2:?--osd-size-gb needs a value}; shift 2 ;;
      --osd-size-gb=*) OSD_GB=${1#*=}; shift ;;
      --no-smoke-test) SMOKE=0; shift ;;
      -h|--help) usage; exit 0 ;;
      *) usage >&2; exit 2 ;;
    esac
  done
  [[ "$FS_NAME" =~ ^[A-Za-z0-9_-]{1,64}$ ]] || die "bad --fs '$FS_NAME'"
  [[ "$V1_PORT" =~ ^[0-9]{1,5}$ && "$V2_PORT" =~ ^[0-9]{1,5}$ && "$V1_PORT" != "$V2_PORT" ]] \
    || die "bad --port/--v2-port '$V1_PORT'/'$V2_PORT'"
  [[ "$ADDR" =~ ^[0-9]{1,3}(\.[0-9]{1,3}){3}$ ]] || die "bad --addr '$ADDR' (an IPv4 address)"
  [[ "$OSD_GB" =~ ^[0-9]+$ && "$OSD_GB" -ge 1 ]] || die "bad --osd-size-gb '$OSD_GB'"
  [[ "$DIR" == /* ]] || DIR=$(pwd)/$DIR
  DIR=${DIR%/}
  case "$DIR" in ''|/|/tmp|/var|/var/tmp|/usr|/etc|/root|/home|/run|/mnt|/opt|/srv) die "refusing to use --dir '$DIR'" ;; esac
  [[ "$DIR" =~ ^[A-Za-z0-9/._-]+$ ]] || die "--dir '$DIR' must not contain spaces or special characters"
  CONF=$DIR/ceph.conf
  STATE_FILE=$DIR/state
  ADMIN_KEY_FILE=$DIR/admin.key
}

# Serialise ceph-up/ceph-down runs on the same DIR (tests may call them concurrently).
take_lock() {
  local lock
  lock="${TMPDIR:-/tmp}/mooring-ceph.$(printf '%s' "$DIR" | md5sum | cut -c1-12).lock"
  exec 9>"$lock"
  flock -w 300 9 || die "timed out waiting for $lock"
}

# Read DIR/state (KEY=VALUE lines) without executing it.
read_state() {
  STATE_COMPLETE=0 STATE_V1_PORT='' STATE_V2_PORT='' STATE_FS='' STATE_FSID=''
  [[ -f "$STATE_FILE" ]] || return 0
  local k v
  while IFS='=' read -r k v; do
    case "$k" in
      COMPLETE) STATE_COMPLETE=$v ;;
      V1_PORT) STATE_V1_PORT=$v ;;
      V2_PORT) STATE_V2_PORT=$v ;;
      FS_NAME) STATE_FS=$v ;;
      FSID) STATE_FSID=$v ;;
    esac
  done <"$STATE_FILE"
}

# alive PID: true while the process exists and is not a zombie (daemons are reparented to
# PID 1; an init that reaps lazily leaves exited daemons as zombies for a while).
alive() {
  local st
  [[ "$1" =~ ^[0-9]+$ ]] || return 1
  st=$(sed 's/.*) //' "/proc/$1/stat" 2>/dev/null | cut -d' ' -f1) || return 1
  [[ -n $st && $st != Z && $st != X ]]
}

# wait_gone PID SECONDS: 0 once the process is gone, 1 on timeout.
wait_gone() {
  local pid=$1 deadline=$((SECONDS + $2))
  while alive "$pid"; do
    ((SECONDS >= deadline)) && return 1
    sleep 0.1
  done
  return 0
}

# daemon_pid TYPE ID: the PID of our running ceph-TYPE -i ID (per its pid file, checked against
# /proc so that a reused PID is never taken for ours), or nothing.
daemon_pid() {
  local type=$1 id=$2 pf pid exe
  pf=$DIR/run/$type.$id.pid
  [[ -s $pf ]] || return 0
  pid=$(<"$pf")
  alive "$pid" || return 0
  exe=$(readlink "/proc/$pid/exe" 2>/dev/null || true)
  [[ $exe == */ceph-$type ]] || return 0
  local -a args=()
  mapfile -d '' -t args <"/proc/$pid/cmdline" 2>/dev/null || return 0
  local a prev='' conf=''
  for a in "${args[@]}"; do
    case $prev in -c|--conf) conf=$a ;; esac
    case $a in --conf=*) conf=${a#--conf=} ;; esac
    prev=$a
  done
  [[ $conf == "$CONF" ]] && echo "$pid"
  return 0
}

# cephc ARGS...: the ceph CLI on our cluster, with a hard timeout.
cephc() { timeout "${CMD_TIMEOUT:-60}" ceph -c "$CONF" --connect-timeout 15 "$@"; }

json_check() { "$PY" -c "import json,sys; d=json.load(sys.stdin); sys.exit(0 if ($1) else 1)"; }

mon_up() { timeout 8 ceph -c "$CONF" --connect-timeout 5 mon stat >/dev/null 2>&1; }
mgr_up() {
  local j
  j=$(timeout 8 ceph -c "$CONF" --connect-timeout 5 mgr stat -f json 2>/dev/null) && json_check 'd["available"]' <<<"$j"
}
osd_up() {
  local j
  j=$(timeout 8 ceph -c "$CONF" --connect-timeout 5 osd stat -f json 2>/dev/null) \
    && json_check 'd["num_up_osds"]>=1 and d["num_in_osds"]>=1' <<<"$j"
}
mds_up() {
  local j
  j=$(timeout 8 ceph -c "$CONF" --connect-timeout 5 fs dump -f json 2>/dev/null) \
    && json_check 'any(i["state"]=="up:active" for f in d["filesystems"] if f["mdsmap"]["fs_name"]=="'"$FS_NAME"'" for i in f["mdsmap"]["info"].values())' <<<"$j"
}
pgs_active() {
  local j
  j=$(timeout 8 ceph -c "$CONF" --connect-timeout 5 pg stat -f json 2>/dev/null) \
    && json_check 'd["pg_summary"]["num_pgs"]>0 and sum(s["num"] for s in d["pg_summary"]["num_pg_by_state"] if s["name"].startswith("active"))==d["pg_summary"]["num_pgs"]' <<<"$j"
}

# wait_for SECONDS DESCRIPTION COMMAND...: poll every 0.25 s; never loops forever.
wait_for() {
  local t=$1 desc=$2
  shift 2
  local deadline=$((SECONDS + t))
  until "$@"; do
    if ((SECONDS >= deadline)); then
      log "timed out after ${t}s waiting for $desc"
      return 1
    fi
    sleep 0.25
  done
}

# port_busy PORT: something listens on 127.0.0.1:PORT or *:PORT.
port_busy() {
  if command -v ss >/dev/null; then
    ss -Hltn "sport = :$1" 2>/dev/null | grep -q .
  else
    (exec 3<>"/dev/tcp/127.0.0.1/$1") 2>/dev/null
  fi
}

# ---------------------------------------------------------------------------------------------
# Teardown (ceph-down, and ceph-up when it finds a broken cluster). Never fails.

# stop_pids SIGNAL LABEL PID...: signal, wait up to 15 s, then SIGKILL.
stop_pids() {
  local sig=$1 label=$2 pid
  shift 2
  for pid in "$@"; do kill "-$sig" "$pid" 2>/dev/null || true; done
  for pid in "$@"; do
    if ! wait_gone "$pid" 15; then
      log "$label pid $pid still alive after 15 s, sending SIGKILL"
      kill -KILL "$pid" 2>/dev/null || true
      wait_gone "$pid" 10 || log "warning: $label pid $pid is still alive"
    fi
  done
}

# is_our_fuse PID: a ceph-fuse client of this cluster: started with our ceph.conf (-c/--conf or
# CEPH_CONF), or with our monitor address (-m / --mon-host ADDR:PORT), or mounted under DIR.
# Prints its mount point (as given on its command line, made absolute) if it has one.
is_our_fuse() {
  local pid=$1 a prev='' conf='' mon='' mp='' ours=1
  local -a args=()
  mapfile -d '' -t args <"/proc/$pid/cmdline" 2>/dev/null || return 1
  ((${#args[@]})) || return 1
  for a in "${args[@]:1}"; do
    case $prev in
      -c|--conf) conf=$a; prev=''; continue ;;
      -m|--mon-host|--mon_host) mon=$a; prev=''; continue ;;
      -n|--name|-i|--id|-k|--keyring|--keyfile|-r|--client_mountpoint|--client-mountpoint|-o|--admin-socket|--admin_socket|--log-file|--log_file|--client_fs|--client-fs)
        prev=''; continue ;;
    esac
    case $a in
      --conf=*) conf=${a#*=} ;;
      --mon-host=*|--mon_host=*) mon=${a#*=} ;;
      -*) prev=$a ;;
      *) mp=$a ;;
    esac
  done
  [[ -z $conf ]] && conf=$(tr '\0' '\n' <"/proc/$pid/environ" 2>/dev/null | sed -n 's/^CEPH_CONF=//p')
  if [[ -n $mp && $mp != /* ]]; then
    mp=$(readlink "/proc/$pid/cwd" 2>/dev/null)/$mp
  fi
  if [[ $conf == "$CONF" ]]; then
    ours=0
  elif [[ -n $mon && ( ",$mon," == *"$ADDR:$V1_PORT"[,\]]* || ",$mon," == *"$ADDR:$V2_PORT"[,\]]* ) ]]; then
    ours=0
  elif [[ -n $mp && ( $mp == "$DIR" || $mp == "$DIR"/* ) ]]; then
    ours=0
  fi
  ((ours == 0)) || return 1
  printf '%s\n' "$mp"
}

# unmount MOUNTPOINT: if it is a ceph-fuse mount point; lazily when busy.
unmount_fuse() {
  local mp=$1
  [[ -n $mp ]] || return 0
  findmnt -rn -t fuse.ceph-fuse -M "$mp" >/dev/null 2>&1 || return 0
  if umount "$mp" 2>/dev/null; then
    log "unmounted $mp"
  elif umount -l "$mp" 2>/dev/null; then
    log "lazily unmounted busy $mp"
  else
    log "warning: cannot unmount $mp"
  fi
}

# teardown: unmount and stop this cluster's ceph-fuse clients, stop its daemons (only the ones
# in DIR/run whose /proc entry proves they are ours), delete DIR.
teardown() {
  local d pid mp
  local -a fuse=()
  # 1. ceph-fuse clients (while the cluster is still up, so that they can flush and exit).
  for d in /proc/[0-9]*; do
    pid=${d#/proc/}
    [[ "$(readlink "$d/exe" 2>/dev/null)" == */ceph-fuse ]] || continue
    alive "$pid" || continue
    if mp=$(is_our_fuse "$pid"); then
      fuse+=("$pid")
      unmount_fuse "$mp"
    fi
  done
  # Any other ceph-fuse mount below DIR (deepest first).
  while read -r mp; do
    unmount_fuse "$(printf '%b' "$mp")"
  done < <(findmnt -rn -t fuse.ceph-fuse -o TARGET 2>/dev/null | awk -v d="$DIR" '$0==d || index($0, d "/")==1' | sort -r)
  # A client exits by itself once unmounted; stop the ones that do not (busy, lazily detached).
  local -a left=()
  for pid in "${fuse[@]}"; do
    wait_gone "$pid" 5 || left+=("$pid")
  done
  if ((${#left[@]})); then
    log "stopping ceph-fuse clients ${left[*]}"
    stop_pids TERM ceph-fuse "${left[@]}"
  fi
  # 2. Daemons: MDS and MGR first, then the OSD, the monitor last. SIGKILL: the data is
  # deleted right after, and an MDS can take > 30 s to stop on SIGTERM after a subvolume rm.
  local group type id
  for group in "mds:$MDS_ID mgr:$MGR_ID" "osd:$OSD_ID" "mon:$MON_ID"; do
    local -a pids=()
    for d in $group; do
      type=${d%%:*} id=${d#*:}
      pid=$(daemon_pid "$type" "$id")
      if [[ -n $pid ]]; then
        pids+=("$pid")
        log "stopping ceph-$type.$id (pid $pid)"
      fi
    done
    ((${#pids[@]})) && stop_pids KILL ceph-daemon "${pids[@]}"
  done
  # 3. The directory (never descending into a mount that is somehow still there), and only if
  # it is one ceph-up made.
  if [[ -e $DIR && ! -e $STATE_FILE && ! -e $CONF && -n "$(ls -A "$DIR" 2>/dev/null)" ]]; then
    log "warning: $DIR does not look like a ceph-up directory (no state, no ceph.conf); not removing it"
  elif [[ -e $DIR ]]; then
    if findmnt -rn -o TARGET 2>/dev/null | awk -v d="$DIR" '$0==d || index($0, d "/")==1 {f=1} END {exit !f}'; then
      findmnt -rn -o TARGET | awk -v d="$DIR" '$0==d || index($0, d "/")==1' | sort -r | while read -r mp; do
        umount -l "$(printf '%b' "$mp")" 2>/dev/null || true
      done
    fi
    rm -rf --one-file-system "$DIR" 2>/dev/null || log "warning: could not remove all of $DIR"
  fi
  return 0
}
