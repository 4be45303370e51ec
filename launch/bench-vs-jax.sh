#!/usr/bin/env bash
# Runs `eprop bench step` (e-prop, Float, one thread) and the JAX peer
# (../shared/bench/jax_eprop_bench.py: sparse forward-mode e-prop and BPTT, jit on CPU, all
# cores) on the same shapes, in alternation, and prints the median samples/s of each and
# the ratios. Not part of the test run.
#
# usage: launch/bench-vs-jax.sh [--models "lif alif"] [--hidden "256 512 1024"] [--steps 100]
#                               [--batch 32] [--rounds 3] [--budget 10] [--jax PATH] [--eprop BINARY]
#                               [--ceilings GFLOPS,GBPS] [--json FILE]
#
# Needs python3 with jax, jaxlib and optax (`pip install jax jaxlib optax`; installed on
# first use if missing). The two implementations use the same sizes (N_in = 700, C = 20,
# input rate 0.03, batch, T, H) and the same kind of neuron (LIF k = 1, ALIF k = 2); their
# neuron equations differ in detail (see each program), which does not change the work.
# "% ceiling" is ours against the one-core compute ceiling, measured once at the start
# unless given with --ceilings (e.g. 110,40 from ../shared/PLATFORM.md on a busy machine).
set -euo pipefail
cd "$(dirname "$0")/.."

models="lif alif"
hidden="256 512 1024"
steps=100
batch=32
rounds=3
budget=10
jax_bench="../shared/bench/jax_eprop_bench.py"
json_out=""
eprop=""
ceilings=""
while [ $# -gt 0 ]; do
    case "$1" in
        --models) models="$2"; shift 2 ;;
        --hidden) hidden="$2"; shift 2 ;;
        --steps) steps="$2"; shift 2 ;;
        --batch) batch="$2"; shift 2 ;;
        --rounds) rounds="$2"; shift 2 ;;
        --budget) budget="$2"; shift 2 ;;
        --jax) jax_bench="$2"; shift 2 ;;
        --json) json_out="$2"; shift 2 ;;
        --eprop) eprop="$2"; shift 2 ;;
        --ceilings) ceilings="$2"; shift 2 ;;
        -h|--help) sed -n '2,16p' "$0"; exit 0 ;;
        *) echo "unknown argument: $1" >&2; exit 2 ;;
    esac
done
[ -f "$jax_bench" ] || { echo "JAX benchmark not found: $jax_bench (use --jax PATH)" >&2; exit 1; }

if ! python3 -c "import jax, jaxlib, optax" 2>/dev/null; then
    echo "installing jax, jaxlib, optax with pip" >&2
    python3 -m pip install --quiet jax jaxlib optax
fi

if [ -z "$eprop" ]; then
    swift build -c release --product eprop >&2
    eprop="$(swift build -c release --show-bin-path)/eprop"
fi

results="$(mktemp)"
trap 'rm -f "$results"' EXIT

# The ceilings once, so every run of ours is compared with the same ones.
[ -n "$ceilings" ] || ceilings="$("$eprop" bench step --model lif --hidden 8 --steps 2 --batch 1 --repetitions 1 --budget-seconds 0 --json \
    | python3 -c 'import json,sys; c=json.loads(sys.stdin.readline())["ceilings"]; print("%.3f,%.3f" % (c["gflops"], c["gbps"]))')"
echo "ceilings (one core): $ceilings (GFLOP/s, GB/s)" >&2

ours() {
    "$eprop" bench step --model "$1" --hidden "$2" --steps "$steps" --batch "$batch" --budget-seconds "$budget" \
        --ceilings "$ceilings" --json | python3 -c '
import json, sys
d = json.loads(sys.stdin.readline())
print(json.dumps({"impl": "ours", "method": "eprop", "model": sys.argv[1], "H": int(sys.argv[2]), "samples_per_s": d["samples_per_second"],
                  "percent_of_compute_ceiling": d["percent_of_compute_ceiling"], "peak_rss_mib": d["peak_rss_bytes"] / 2**20}))' "$1" "$2"
}
jax() {
    python3 "$jax_bench" --mode bench --model "$1" --H "$2" --T "$steps" --B "$batch" --method "$3" --budget-s "$budget" 2>/dev/null \
        | tail -n 1 | python3 -c '
import json, sys
d = json.loads(sys.stdin.readline())
print(json.dumps({"impl": "jax", "method": d["method"], "model": d["model"], "H": d["H"], "samples_per_s": d["samples_per_s"],
                  "cpu_util_cores": d["cpu_util_cores"], "other_procs_cores": d["other_procs_cores"], "peak_rss_mib": d["VmHWM_MiB"]}))'
}

for round in $(seq 1 "$rounds"); do
    for model in $models; do
        for h in $hidden; do
            echo "round $round/$rounds: $model H=$h" >&2
            # Alternate which side goes first, so slow drifts of the machine hit both alike.
            if [ $((round % 2)) -eq 1 ]; then
                ours "$model" "$h" >>"$results"; jax "$model" "$h" eprop >>"$results"; jax "$model" "$h" bptt >>"$results"
            else
                jax "$model" "$h" bptt >>"$results"; jax "$model" "$h" eprop >>"$results"; ours "$model" "$h" >>"$results"
            fi
        done
    done
done

python3 - "$results" "$json_out" "$steps" "$batch" <<'EOF'
import json, statistics, sys
rows = [json.loads(line) for line in open(sys.argv[1]) if line.strip()]
out, steps, batch = sys.argv[2], sys.argv[3], sys.argv[4]
def median(impl, method, model, h, key="samples_per_s"):
    v = [r[key] for r in rows if (r["impl"], r["method"], r["model"], r["H"]) == (impl, method, model, h)]
    return statistics.median(v) if v else float("nan")
configs = sorted({(r["model"], r["H"]) for r in rows}, key=lambda c: (c[0] != "lif", c[1]))
table = []
print(f"T={steps}, batch {batch}, N_in=700; samples/s, median over rounds (ours: one thread; JAX: all cores)")
print(f"{'model':6} {'H':>5} {'ours e-prop':>12} {'% ceiling':>10} {'JAX e-prop':>11} {'JAX BPTT':>9} {'ours/JAX e-prop':>16} {'ours/JAX BPTT':>14}")
for model, h in configs:
    o, j, b = median("ours", "eprop", model, h), median("jax", "eprop", model, h), median("jax", "bptt", model, h)
    pct = median("ours", "eprop", model, h, "percent_of_compute_ceiling")
    table.append({"model": model, "H": h, "ours_eprop": o, "percent_of_compute_ceiling": pct, "jax_eprop": j, "jax_bptt": b,
                  "ratio_jax_eprop": o / j, "ratio_jax_bptt": o / b})
    print(f"{model:6} {h:>5} {o:>12.1f} {pct:>9.0f}% {j:>11.1f} {b:>9.1f} {o / j:>15.1f}x {o / b:>13.2f}x")
if out:
    json.dump({"rows": table, "runs": rows}, open(out, "w"), indent=1)
EOF
