#!/usr/bin/env bash
# slurm-down.sh - stop what tests/infra/slurm-up.sh started: cancel every job, then stop each
# slurmd, slurmctld and (only if slurm-up.sh started it) munged, each by the pid recorded under
# $SLURM_CI_DIR/run. Never kills by name. Safe to run when nothing is up.
#   SLURM_CI_DIR      same as for slurm-up.sh (default /tmp/harness-slurm)
#   SLURM_CONF_FILE   same as for slurm-up.sh (default /etc/slurm/slurm.conf)
#   SLURM_DOWN_KEEP=1 keep $SLURM_CI_DIR (logs) and slurm.conf
set -uo pipefail

DIR=${SLURM_CI_DIR:-/tmp/harness-slurm}
CONF=${SLURM_CONF_FILE:-/etc/slurm/slurm.conf}
export SLURM_CONF="$CONF"
log() { echo "[slurm-down] $*"; }

alive_pid() { # file comm
    local f=$1 comm=$2 p
    [ -s "$f" ] || return 1
    p=$(tr -dc 0-9 <"$f")
    [ -n "$p" ] && [ -r "/proc/$p/comm" ] || return 1
    [ "$(cat "/proc/$p/comm" 2>/dev/null)" = "$comm" ] || return 1
    echo "$p"
}

stop_pid() { # name pid
    local name=$1 p=$2
    kill -TERM "$p" 2>/dev/null || return 0
    for _ in $(seq 100); do
        [ -d "/proc/$p" ] || { log "$name (pid $p) stopped"; return 0; }
        sleep 0.1
    done
    kill -KILL "$p" 2>/dev/null || true
    log "$name (pid $p) killed"
}

ctld=$(alive_pid "$DIR/run/slurmctld.pid" slurmctld || true)
slurmds=()
for f in "$DIR"/run/slurmd-*.pid; do
    [ -e "$f" ] || continue
    p=$(alive_pid "$f" slurmd || true)
    [ -z "$p" ] || slurmds+=("$(basename "$f" .pid):$p")
done

# 1. cancel every job while the slurmds are still there to kill the job processes
if [ -n "$ctld" ] && [ ${#slurmds[@]} -gt 0 ]; then
    jobs=$(squeue -h -o %F 2>/dev/null | sort -u)
    if [ -n "$jobs" ]; then
        # shellcheck disable=SC2086
        scancel --full $jobs >/dev/null 2>&1 || true
        for _ in $(seq 75); do
            [ -z "$(squeue -h -t PD,R,CG,CF,S -o %i 2>/dev/null)" ] && break
            sleep 0.2
        done
        log "jobs cancelled"
    fi
fi

# 2. daemons, compute side first
for entry in "${slurmds[@]}"; do stop_pid "${entry%%:*}" "${entry#*:}"; done
[ -z "$ctld" ] || stop_pid slurmctld "$ctld"
mung=$(alive_pid "$DIR/run/munged.pid" munged || true)
[ -z "$mung" ] || stop_pid munged "$mung"

rm -f "$DIR/run/"*.pid "$DIR/run/shape" 2>/dev/null
if [ -z "${SLURM_DOWN_KEEP:-}" ]; then
    rm -rf "$DIR"
    # only remove config files that slurm-up.sh wrote
    if [ -f "$CONF" ] && head -n1 "$CONF" | grep -q 'written by harness tests/infra/slurm-up.sh'; then
        rm -f "$CONF" "$(dirname "$CONF")/gres.conf"
    fi
fi
log "done"
