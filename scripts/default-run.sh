#!/usr/bin/env bash
# The default model's training run, resumable from the repository.
#
#   scripts/default-run.sh command    print the exact training command (the recipe, from scratch)
#   scripts/default-run.sh start      build, restore training/default into runs/default if needed,
#                                     then start (or resume) the run in the background
#   scripts/default-run.sh stop       stop it (SIGTERM: it saves a checkpoint and exits; resumes exactly)
#   scripts/default-run.sh snapshot   copy the run's last/best checkpoints and metrics into
#                                     training/default (the one tracked copy, replaced in place)
#   scripts/default-run.sh status     the last progress line and the epochs finished
#   scripts/default-run.sh pick       compare the run's best and its last ten epochs (--keep-epochs 10)
#                                     as the served graph (flip TTA) on val; prints the table and,
#                                     last, the checkpoint to export (scripts/pick-checkpoint.ts)
#   scripts/default-run.sh export     export the best checkpoint (or CHECKPOINT=<dir>, e.g. the one
#                                     `pick` prints) into models/default: flip TTA if
#                                     it gains >= 0.5 points on val, a temperature fitted on val, the
#                                     model card with the run's cost, the recipe table
#                                     (bench/results/recipes.json) and `amft eval --model` of the export
#
# The run lives in runs/default (ignored); training/default is what the repository keeps of it:
# checkpoints/last (weights, optimizer, schedule position, RNG state) and checkpoints/best, and
# metrics.jsonl. A session on a new machine runs `start`, which resumes from there.
set -euo pipefail
cd "$(dirname "$0")/.."

RUN=runs/default
KEEP=training/default
LOG=runs/default.log
# The recipe. Changing anything but --epochs makes --resume refuse the checkpoint.
ARGS=(--data ../shared/data/fer2013/train --val-data ../shared/data/fer2013/val
  --variant lite --epochs 40 --balance sqrt-weighted --threads 2 --save-every 200 --keep-epochs 10 --out "$RUN")
EXTRA=(${AMFT_TRAIN_EXTRA:-})

# the run of this checkout only (another clone's run has another working directory)
pid_of_run() {
  local here p
  here=$(pwd -P)
  for p in $(pgrep -f "cli.js train .*--out $RUN" || true); do
    [ "$(readlink "/proc/$p/cwd" 2>/dev/null)" = "$here" ] && echo "$p"
  done
  return 0
}

case "${1:-}" in
  command)
    echo "node trainer/dist/cli.js train ${ARGS[*]}"
    ;;
  start)
    if [ -n "$(pid_of_run)" ]; then echo "already running: pid $(pid_of_run)"; exit 0; fi
    [ -f trainer/dist/cli.js ] || npx tsc -b
    mkdir -p "$RUN/checkpoints"
    if [ ! -f "$RUN/checkpoints/last/state.json" ] && [ -f "$KEEP/checkpoints/last/state.json" ]; then
      cp -r "$KEEP/checkpoints/last" "$RUN/checkpoints/last"
      [ -d "$KEEP/checkpoints/best" ] && cp -r "$KEEP/checkpoints/best" "$RUN/checkpoints/best"
      [ -f "$KEEP/metrics.jsonl" ] && cp "$KEEP/metrics.jsonl" "$RUN/metrics.jsonl"
      echo "restored $RUN from $KEEP"
    fi
    RESUME=()
    [ -f "$RUN/checkpoints/last/state.json" ] && RESUME=(--resume)
    nohup node trainer/dist/cli.js train "${ARGS[@]}" "${RESUME[@]}" "${EXTRA[@]}" >>"$LOG" 2>&1 &
    echo "started pid $! ${RESUME[*]} (log: $LOG)"
    ;;
  stop)
    pid=$(pid_of_run)
    [ -n "$pid" ] || { echo "not running"; exit 0; }
    kill -TERM $pid
    while kill -0 $pid 2>/dev/null; do sleep 1; done
    echo "stopped (checkpoint saved)"
    ;;
  snapshot)
    [ -f "$RUN/checkpoints/last/state.json" ] || { echo "no checkpoint in $RUN"; exit 1; }
    mkdir -p "$KEEP/checkpoints"
    for c in last best; do
      [ -d "$RUN/checkpoints/$c" ] || continue
      rm -rf "$KEEP/checkpoints/$c.new" && cp -r "$RUN/checkpoints/$c" "$KEEP/checkpoints/$c.new"
      rm -rf "$KEEP/checkpoints/$c" && mv "$KEEP/checkpoints/$c.new" "$KEEP/checkpoints/$c"
    done
    cp "$RUN/metrics.jsonl" "$KEEP/metrics.jsonl"
    node -e 'const s=require("./'"$KEEP"'/checkpoints/last/state.json");const h=s.history.at(-1);console.log(`snapshot: step ${s.globalStep}, epoch ${s.epoch} batch ${s.batch}; last finished epoch ${h?h.epoch:"-"} val ${h&&h.valAccuracy!=null?(h.valAccuracy*100).toFixed(2)+"%":"-"}`)'
    du -sh "$KEEP"
    ;;
  export)
    CK="$RUN/checkpoints/best"
    if [ -n "${CHECKPOINT:-}" ]; then
      # beside the run's own checkpoints, so that the export finds the run's curves
      [ -f "$CHECKPOINT/state.json" ] || { echo "no checkpoint in $CHECKPOINT"; exit 1; }
      CK="$RUN/checkpoints/selected"
      [ "$(realpath "$CHECKPOINT")" = "$(realpath -m "$CK")" ] || { rm -rf "$CK" && cp -r "$CHECKPOINT" "$CK"; }
    fi
    [ -f "$CK/state.json" ] || { echo "no best checkpoint in $RUN (run start first)"; exit 1; }
    VAL=../shared/data/fer2013/val
    W=$(mktemp -d)
    # the card: the command from scratch, the run's epochs and cost (wall time per epoch x the 2 cores it used)
    CMD="$("$0" command)" node -e '
      const fs = require("fs");
      const s = JSON.parse(fs.readFileSync(process.argv[1] + "/state.json", "utf8"));
      const epochs = fs.readFileSync(process.argv[2], "utf8").split(/\n/).filter(Boolean).map(JSON.parse).filter((r) => r.type === "epoch");
      const wall = epochs.reduce((t, r) => t + r.seconds, 0) / 3600;
      const cpu = require("os").cpus()[0].model.replace(/\s+/g, " ").trim();
      console.log(JSON.stringify({ command: process.env.CMD, epochs: epochs.length, cpuHours: 2 * wall,
        machine: `${wall.toFixed(1)} h wall on a shared 2-core machine (sessions differ: Intel Xeon or AMD EPYC; the last was ${cpu}), data-parallel on 2 workers, the wasm backend; CPU hours = 2 x wall, an upper bound; the exported weights are those of epoch ${s.epoch}, chosen on val` }));
    ' "$CK" "$RUN/metrics.jsonl" >"$W/card.json"
    [ -f bench/results/recipes.json ] && npx tsx bench/recipes.ts --report --card "$W/card.json" >/dev/null
    TUNE=(--name amft-lite-fer2013 --tta auto --calibrate --val-data "$VAL" --card "$W/card.json")
    node trainer/dist/cli.js export --checkpoint "$CK" --out "$W/first" "${TUNE[@]}"
    node trainer/dist/cli.js eval --model "$W/first" --data "$VAL" --out "$W/eval"
    node trainer/dist/cli.js export --checkpoint "$CK" --out "$W/model" "${TUNE[@]}" --eval-report "$W/eval/report.json"
    rm -rf models/default && cp -r "$W/model" models/default && rm -rf "$W"
    echo "models/default written; next: npm run readme:examples, and the README's default-model figures"
    ;;
  pick)
    npx tsx scripts/pick-checkpoint.ts --run "$RUN" --val ../shared/data/fer2013/val
    ;;
  status)
    tail -n 1 "$LOG" || true
    [ -f "$RUN/metrics.jsonl" ] && grep '"valAccuracy"' "$RUN/metrics.jsonl" | tail -n 3 || true
    ;;
  *)
    sed -n '2,22p' "$0"; exit 2 ;;
esac
