# Shared helpers for scripts/storage-host-up and scripts/storage-host-down. Source it; do not run it.
# shellcheck shell=bash disable=SC2034  # variables are used by the scripts that source this

log() { printf '%s: %s\n' "${PROG:-storage-host}" "$*" >&2; }
die() { log "error: $*"; exit 1; }

DIR='' NET=0 SHIFT=1
# common_arg ARGS...: takes one option shared by both scripts; sets SHIFT to the words it used.
common_arg() {
  case "$1" in
    --dir) DIR=${2:?--dir needs a value}; SHIFT=2 ;;
    --dir=*) DIR=${1#*=}; SHIFT=1 ;;
    --net) NET=${2:?--net needs a value}; SHIFT=2 ;;
    --net=*) NET=${1#*=}; SHIFT=1 ;;
    -h|--help) usage; exit 0 ;;
    *) usage >&2; exit 2 ;;
  esac
}

# Checks the shared options and derives the names and addresses of storage host NET.
check_common_args() {
  [[ -n $DIR ]] || die "--dir is required"
  [[ $DIR == /* ]] || DIR=$(pwd)/$DIR
  DIR=${DIR%/}
  case "$DIR" in ''|/|/tmp|/var|/var/tmp|/usr|/etc|/root|/home|/run|/mnt|/opt|/srv) die "refusing to use --dir '$DIR'" ;; esac
  [[ $DIR =~ ^[A-Za-z0-9/._-]+$ ]] || die "--dir '$DIR' must not contain spaces or special characters"
  [[ $NET =~ ^[0-9]{1,2}$ && $NET -le 63 ]] || die "--net must be 0..63, not '$NET'"
  NS=mooring-s$NET
  VETH=veth-ms$NET
  # The service address lives on the storage host's loopback, the veth pair is a transfer net: a
  # link taken down at the storage host (ip -n NS link set eth0 down) then cuts clients off while
  # its servers keep talking to each other, and this side keeps its route (flagged linkdown), so
  # packets are dropped on the veth instead of taking the default route off the machine.
  HOST_IP=198.18.0.$((4 * NET + 2))
  LINK_IP=198.18.1.$((4 * NET + 2))
  PEER_IP=198.18.1.$((4 * NET + 1))
}

# A last guard: nothing for 198.18.0.0/15 ever leaves this machine, whatever the veths do.
GUARD_ROUTE=(blackhole 198.18.0.0/15 metric 4000)

holder_pid() { [[ -s $DIR/holder.pid ]] && cat "$DIR/holder.pid"; }

# The holder is alive and is still the process that keeps our namespace.
holder_alive() {
  local h
  h=$(holder_pid) || return 1
  [[ -d /proc/$h && $(readlink "/proc/$h/ns/net" 2>/dev/null) == "$(ns_inode)" ]]
}
ns_inode() { [[ -e /run/netns/$NS ]] && readlink /proc/self/fd/3 3</run/netns/"$NS" 2>/dev/null; }

in_host() { nsenter -t "$(holder_pid)" -m -n -- "$@"; }

# sshd on the storage host: its own host key (pinned in DIR/ssh/known_hosts for the controller),
# one client key whose every login runs the management gate (forced command, `restrict`).
start_sshd() {
  local ssh=$DIR/ssh
  command -v /usr/sbin/sshd >/dev/null || die "sshd is missing: run scripts/install-deps storage"
  mkdir -p "$ssh"
  chmod 700 "$ssh"
  [[ -f $ssh/host_ed25519 ]] || ssh-keygen -q -t ed25519 -N '' -C "mooring-storage-host" -f "$ssh/host_ed25519"
  [[ -f $ssh/client ]] || ssh-keygen -q -t ed25519 -N '' -C "mooring-controller" -f "$ssh/client"
  printf 'command="%s --log %s",restrict %s\n' "$HERE/mooring-gluster-gate" "$DIR/log/gate.log" \
    "$(cut -d' ' -f1,2 "$ssh/client.pub")" >"$ssh/authorized_keys"
  chmod 600 "$ssh/authorized_keys"
  cat >"$ssh/sshd_config" <<EOC
ListenAddress $HOST_IP
HostKey $ssh/host_ed25519
AuthorizedKeysFile $ssh/authorized_keys
PermitRootLogin forced-commands-only
PasswordAuthentication no
KbdInteractiveAuthentication no
StrictModes no
UsePAM no
MaxSessions 64
LogLevel VERBOSE
PidFile /run/sshd-mooring.pid
EOC
  in_host /usr/sbin/sshd -f "$ssh/sshd_config" -E "$DIR/log/sshd.log" || die "sshd did not start (see $DIR/log/sshd.log)"
  echo "$HOST_IP $(cut -d' ' -f1,2 "$ssh/host_ed25519.pub")" >"$ssh/known_hosts"
}
