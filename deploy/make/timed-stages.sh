#!/usr/bin/env bash
# Runs each `make` stage in order, stops at the first failure, and always ends with every stage's duration:
# CI's time limit is the budget, so a slow stage should be visible on every run, passing or failing.
set -uo pipefail

declare -a names=() seconds=() verdicts=()
status=0
for stage in "$@"; do
  start=$(date +%s)
  make --no-print-directory "$stage"
  rc=$?
  names+=("$stage"); seconds+=($(( $(date +%s) - start )))
  if [ "$rc" -eq 0 ]; then verdicts+=("ok"); else verdicts+=("FAILED (exit $rc)"); status=$rc; break; fi
done

total=0
echo
echo "stage durations:"
for i in "${!names[@]}"; do
  printf '  %-18s %6ss  %s\n' "${names[$i]}" "${seconds[$i]}" "${verdicts[$i]}"
  total=$(( total + seconds[i] ))
done
stages=("$@")
for stage in "${stages[@]:${#names[@]}}"; do printf '  %-18s %6s   not run\n' "$stage" "-"; done
printf '  %-18s %6ss\n' "total" "$total"
exit "$status"
