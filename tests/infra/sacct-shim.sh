#!/usr/bin/env bash
# sacct stand-in for a Slurm without slurmdbd (copied by tests/infra/slurm-up.sh; adapted from ../shared/tools).
# Answers the common read-only query shape
#   sacct [-o|--format F1,F2..] [--parsable2|-P|--parsable|-p] [-n] [-X] -j ID[,ID..] ...
# from squeue, which knows jobs until MinJobAge after they end.
# Fields: JobID JobIDRaw JobName State NodeList Partition User ArrayJobID
# ArrayTaskID Reason (others print empty). Enough for submitit's polling.
fmt="JobID,JobName,Partition,State"; delim=" "; trail=""; header=1; ids=()
while [ $# -gt 0 ]; do
    case "$1" in
        -o|--format) fmt=$2; shift ;;
        --format=*) fmt=${1#*=} ;;
        -P|--parsable2) delim="|" ;;
        -p|--parsable) delim="|"; trail="|" ;;
        -n|--noheader) header= ;;
        -j|--jobs) IFS=, read -ra a <<<"$2"; ids+=("${a[@]}"); shift ;;
        --jobs=*) IFS=, read -ra a <<<"${1#*=}"; ids+=("${a[@]}") ;;
        -S|-E|--starttime|--endtime|-u|--user|-M|--clusters|-s|--state|-A|--accounts|-r|--partition) shift ;;
        *) ;;
    esac
    shift
done
IFS=, read -ra fields <<<"$fmt"
codes=""; hdr=""; i=0
for f in "${fields[@]}"; do
    name=${f%%%*}
    case "${name,,}" in
        jobid) c=%i ;; jobidraw) c=%A ;; jobname) c=%j ;; state) c=%T ;;
        nodelist) c=%N ;; partition) c=%P ;; user) c=%u ;;
        arrayjobid) c=%F ;; arraytaskid) c=%K ;; reason) c=%r ;;
        *) c="" ;;
    esac
    if [ $i -gt 0 ]; then codes+=$'\x1f'; hdr+=$delim; fi
    codes+=$c; hdr+=$name; i=$((i + 1))
done
[ -n "$header" ] && echo "$hdr$trail"
sel=(); [ ${#ids[@]} -gt 0 ] && sel=(-j "$(IFS=,; echo "${ids[*]}")")
squeue -h -r -t all "${sel[@]}" -o "$codes" 2>/dev/null | tr '\037' "$delim" | sed "s/[[:space:]]*\$/$trail/; s/[[:space:]]*|/|/g" || true
exit 0
