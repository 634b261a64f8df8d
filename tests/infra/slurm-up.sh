#!/usr/bin/env bash
# slurm-up.sh - a throw-away Slurm cluster on this one machine, for the cluster tests.
#
# Adapted from ../shared/tools/slurm-up.sh for the harness tests:
#   munged       Debian default socket /run/munge/munge.socket.2
#   slurmctld    one controller
#   slurmd x N   N virtual nodes on this host (SLURM_CI_NODES, default 2), each with the
#                host's CPUs and memory, so `--nodes=2` jobs (multi-node models) are scheduled
#                and `srun` starts one task per node, as on a real cluster
#   GPUs         SLURM_CI_GPUS (default 4) per node declared as gres `gpu` whose File= are
#                stand-in device nodes under $SLURM_CI_DIR/dev (character devices equal to
#                /dev/null: no driver, no hardware). Slurm schedules and checks `--gres=gpu:N`
#                and sets CUDA_VISIBLE_DEVICES in the job; nothing can compute on them.
#   sacct shim   $SLURM_CI_DIR/bin/sacct answers from squeue (no slurmdbd here); put that
#                folder first on PATH for submitit
#
# Needs root and Debian 12's slurmctld slurmd slurm-client munge (apt-get installs them when
# missing, ~10 s). No systemd, no cgroups, no slurmdbd. Idempotent: a healthy cluster started
# by this script is reused; a stale one is stopped and redone. Prints `ready in N s` at the end.
#
# Env knobs: SLURM_CI_DIR (default /tmp/harness-slurm), SLURM_CONF_FILE (default
# /etc/slurm/slurm.conf), SLURM_CI_NODES, SLURM_CI_GPUS, SLURM_PARTITION (default debug),
# SLURM_UP_TIMEOUT (default 60), SLURM_UP_NO_INSTALL=1 (fail instead of apt-get).
# Teardown: slurm-down.sh with the same SLURM_CI_DIR.
set -euo pipefail

T0=$(date +%s.%N)
elapsed() { awk -v a="$T0" -v b="$(date +%s.%N)" 'BEGIN{printf "%.1f", b-a}'; }
log() { echo "[slurm-up +$(elapsed)s] $*"; }
die() { echo "[slurm-up +$(elapsed)s] ERROR: $*" >&2; exit 1; }

[ "$(id -u)" = 0 ] || die "must run as root (it starts munged, slurmctld and slurmd)"

DIR=${SLURM_CI_DIR:-/tmp/harness-slurm}
CONF=${SLURM_CONF_FILE:-/etc/slurm/slurm.conf}
TIMEOUT=${SLURM_UP_TIMEOUT:-60}
PART=${SLURM_PARTITION:-debug}
NNODES=${SLURM_CI_NODES:-2}
NGPUS=${SLURM_CI_GPUS:-4}
case "$DIR" in /?*) ;; *) die "SLURM_CI_DIR must be an absolute path, not '$DIR'" ;; esac
[ "$DIR" != / ] || die "SLURM_CI_DIR must not be /"
HOST=$(hostname -s)
[ -n "$HOST" ] || die "empty hostname"
export SLURM_CONF="$CONF"
HERE=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
NODES=()
for i in $(seq 1 "$NNODES"); do NODES+=("ci$i"); done

alive_pid() { # file comm -> pid, only if alive and the expected program
    local f=$1 comm=$2 p
    [ -s "$f" ] || return 1
    p=$(tr -dc 0-9 <"$f")
    [ -n "$p" ] && [ -r "/proc/$p/comm" ] || return 1
    [ "$(cat "/proc/$p/comm" 2>/dev/null)" = "$comm" ] || return 1
    echo "$p"
}
idle_nodes() { sinfo -h -N -o '%N %t' 2>/dev/null | awk '$2 ~ /^(idle|mix|alloc)/' | wc -l; }

started=
on_exit() {
    local rc=$?
    if [ "$rc" != 0 ] && [ -n "$started" ]; then
        echo "[slurm-up] failed (rc $rc): stopping what was started; logs kept in $DIR/log" >&2
        SLURM_DOWN_KEEP=1 SLURM_CI_DIR="$DIR" SLURM_CONF_FILE="$CONF" bash "$HERE/slurm-down.sh" >&2 || true
    fi
}
trap on_exit EXIT

# ---------------------------------------------------------------- 1. packages
need=()
for c in slurmctld:slurmctld slurmd:slurmd sbatch:slurm-client munged:munge; do
    command -v "${c%%:*}" >/dev/null 2>&1 || need+=("${c#*:}")
done
if [ ${#need[@]} -gt 0 ]; then
    [ -z "${SLURM_UP_NO_INSTALL:-}" ] || die "missing packages: ${need[*]}"
    log "installing slurmctld slurmd slurm-client munge (apt)"
    made_policy=
    if [ ! -e /usr/sbin/policy-rc.d ]; then  # keep the packages' init scripts from starting daemons
        printf '#!/bin/sh\nexit 101\n' >/usr/sbin/policy-rc.d; chmod 755 /usr/sbin/policy-rc.d; made_policy=1
    fi
    export DEBIAN_FRONTEND=noninteractive
    pkgs=(slurmctld slurmd slurm-client munge)
    rc=0
    if ! apt-cache show slurmctld >/dev/null 2>&1; then apt-get update -qq || true; fi
    apt-get install -y -qq --no-install-recommends "${pkgs[@]}" >/dev/null || {
        apt-get update -qq && apt-get install -y -qq --no-install-recommends "${pkgs[@]}" >/dev/null
    } || rc=$?
    [ -z "$made_policy" ] || rm -f /usr/sbin/policy-rc.d
    [ "$rc" = 0 ] || die "apt-get install ${pkgs[*]} failed"
    log "packages installed"
fi

# ---------------------------------------------------------------- 2. already up?
if [ -f "$DIR/run/shape" ] && [ "$(cat "$DIR/run/shape")" = "$NNODES:$NGPUS:$PART" ] \
    && alive_pid "$DIR/run/slurmctld.pid" slurmctld >/dev/null; then
    ok=1
    for n in "${NODES[@]}"; do alive_pid "$DIR/run/slurmd-$n.pid" slurmd >/dev/null || ok=; done
    if [ -n "$ok" ] && [ "$(idle_nodes)" = "$NNODES" ]; then
        log "already up: $NNODES node(s) in partition $PART"
        echo "[slurm-up] cluster ready in $(elapsed)s"
        exit 0
    fi
fi
if [ -e "$DIR/run" ]; then
    log "stale or half-started cluster in $DIR: stopping it first"
    SLURM_DOWN_KEEP=1 SLURM_CI_DIR="$DIR" SLURM_CONF_FILE="$CONF" bash "$HERE/slurm-down.sh" || true
fi
rm -rf "$DIR"
mkdir -p "$DIR"/{state,log,run,bin,dev}
for n in "${NODES[@]}"; do mkdir -p "$DIR/spool/$n"; done
chmod 755 "$DIR"
started=1

# ---------------------------------------------------------------- 3. munge
if [ ! -s /etc/munge/munge.key ]; then
    log "creating munge key"
    mkdir -p /etc/munge
    mungekey --create --keyfile=/etc/munge/munge.key 2>/dev/null \
        || dd if=/dev/urandom of=/etc/munge/munge.key bs=1 count=1024 status=none
fi
chown munge:munge /etc/munge /etc/munge/munge.key
chmod 700 /etc/munge
chmod 400 /etc/munge/munge.key
install -d -o munge -g munge -m 755 /run/munge
install -d -o munge -g munge -m 700 /var/log/munge
install -d -o munge -g munge -m 711 /var/lib/munge
if munge -n 2>/dev/null | unmunge >/dev/null 2>&1; then
    log "munged already answering: reusing it"
else
    rm -f /run/munge/munge.socket.2 /run/munge/munge.socket.2.lock /run/munge/munged.pid
    runuser -u munge -- /usr/sbin/munged --force
    for _ in $(seq 50); do munge -n 2>/dev/null | unmunge >/dev/null 2>&1 && break; sleep 0.1; done
    munge -n | unmunge >/dev/null || die "munged did not come up (see /var/log/munge/munged.log)"
    cp /run/munge/munged.pid "$DIR/run/munged.pid"   # ours: slurm-down.sh stops it
    log "munged started (pid $(cat "$DIR/run/munged.pid"))"
fi

# ---------------------------------------------------------------- 4. slurm.conf, gres.conf
hw=$(slurmd -C 2>/dev/null | head -n1 || true)
get() { echo "$hw" | tr ' ' '\n' | sed -n "s/^$1=//p"; }
CPUS=$(get CPUs); MEM=$(get RealMemory)
[ -n "$CPUS" ] || CPUS=$(nproc)
[ -n "$MEM" ] || MEM=$(awk '/MemTotal/{print int($2/1024)}' /proc/meminfo)
MEM=$(( MEM * 95 / 100 ))   # head-room: a slightly lower reading must not drain a node

gres_line=""; gres_types=""
if [ "$NGPUS" -gt 0 ]; then
    gres_types="GresTypes=gpu"
    gres_line="Gres=gpu:$NGPUS"
    : >"$DIR/gres.conf"
    for n in "${NODES[@]}"; do
        mkdir -p "$DIR/dev/$n"
        for g in $(seq 0 $((NGPUS - 1))); do
            mknod -m 666 "$DIR/dev/$n/gpu$g" c 1 3   # same device as /dev/null: a name, no hardware
        done
        echo "NodeName=$n Name=gpu File=$DIR/dev/$n/gpu[0-$((NGPUS - 1))]" >>"$DIR/gres.conf"
    done
fi

mkdir -p "$(dirname "$CONF")"
{
cat <<EOC
# written by harness tests/infra/slurm-up.sh $(date -u +%FT%TZ) - $NNODES virtual node(s) on $HOST
ClusterName=harness-ci
SlurmctldHost=${HOST}(127.0.0.1)
SlurmUser=root
SlurmdUser=root
SlurmctldPort=6817
AuthType=auth/munge
CredType=cred/munge
StateSaveLocation=$DIR/state
SlurmdSpoolDir=$DIR/spool/%n
SlurmctldPidFile=$DIR/run/slurmctld.pid
SlurmdPidFile=$DIR/run/slurmd-%n.pid
SlurmctldLogFile=$DIR/log/slurmctld.log
SlurmdLogFile=$DIR/log/slurmd-%n.log
SlurmctldDebug=info
SlurmdDebug=info
MailProg=/bin/true
ProctrackType=proctrack/linuxproc
TaskPlugin=task/none
JobAcctGatherType=jobacct_gather/none
AccountingStorageType=accounting_storage/none
JobCompType=jobcomp/none
MpiDefault=none
SwitchType=switch/none
SchedulerType=sched/backfill
SchedulerParameters=batch_sched_delay=0
SelectType=select/cons_tres
SelectTypeParameters=CR_Core
ReturnToService=2
MinJobAge=3600
KillWait=5
InactiveLimit=0
SlurmdTimeout=60
MaxArraySize=10001
$gres_types
EOC
i=0
for n in "${NODES[@]}"; do
    echo "NodeName=$n NodeAddr=127.0.0.1 NodeHostname=$HOST Port=$((6818 + i)) CPUs=$CPUS RealMemory=$MEM $gres_line State=UNKNOWN"
    i=$((i + 1))
done
echo "PartitionName=$PART Nodes=$(IFS=,; echo "${NODES[*]}") Default=YES MaxTime=INFINITE State=UP OverSubscribe=NO"
} >"$CONF"
if [ -n "$gres_types" ]; then cp "$DIR/gres.conf" "$(dirname "$CONF")/gres.conf"; else rm -f "$(dirname "$CONF")/gres.conf"; fi
log "wrote $CONF: $NNODES node(s) x (CPUs=$CPUS RealMemory=${MEM}MB gpu=$NGPUS)"

# ---------------------------------------------------------------- 5. sacct shim
cp "$HERE/sacct-shim.sh" "$DIR/bin/sacct"
chmod 755 "$DIR/bin/sacct"

# ---------------------------------------------------------------- 6. daemons
slurmctld -f "$CONF" -c
for _ in $(seq 100); do scontrol ping >/dev/null 2>&1 && break; sleep 0.1; done
scontrol ping >/dev/null 2>&1 || { tail -n 30 "$DIR/log/slurmctld.log" >&2; die "slurmctld not answering"; }
log "slurmctld up (pid $(cat "$DIR/run/slurmctld.pid"))"
for n in "${NODES[@]}"; do slurmd -f "$CONF" -N "$n"; done
deadline=$(( $(date +%s) + TIMEOUT ))
while [ "$(idle_nodes)" != "$NNODES" ]; do
    if [ "$(date +%s)" -ge "$deadline" ]; then
        sinfo -N >&2 || true
        tail -n 20 "$DIR"/log/*.log >&2 || true
        die "nodes not idle after ${TIMEOUT}s"
    fi
    sleep 0.2
done
echo "$NNODES:$NGPUS:$PART" >"$DIR/run/shape"
log "slurmd up on ${NODES[*]}"
sinfo -N
echo "[slurm-up] cluster ready in $(elapsed)s"
