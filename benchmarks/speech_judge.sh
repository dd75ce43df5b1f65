#!/bin/sh
# How well the coach's speech is understood: export every bundled routine's
# phrases with each engine and score them with the offline speech judge
# (../shared/tools/speech-judge/, a development tool: not a dependency, not in CI).
#
#   benchmarks/speech_judge.sh [OUT]      # default OUT: /tmp/speech-judge
#
# Needs the judge's venv (JUDGE_PYTHON, default /tmp/judge-venv/bin/python)
# and Piper for the piper rows. One judge at a time: it takes every core.
# ENGINES and ROUTINES (space-separated) measure fewer.
# Prints one line per routine and engine: overall WER, phrases, words;
# the judge's whole JSON is kept in OUT/ENGINE-ROUTINE.json.
set -eu
here=$(cd "$(dirname "$0")/.." && pwd)
out=${1:-/tmp/speech-judge}
python=${PYTHON:-python3}
judge_python=${JUDGE_PYTHON:-/tmp/judge-venv/bin/python}
judge=${JUDGE:-$here/../shared/tools/speech-judge/judge.py}
mkdir -p "$out"
for engine in ${ENGINES:-pyttsx3 piper}; do
  for routine in ${ROUTINES:-hip-piriformis pinched-nerve-leg quick-demo}; do
    dir="$out/$engine-$routine"
    PYTHONPATH="$here${PYTHONPATH:+:$PYTHONPATH}" COACH_CACHE_DIR="$out/cache" \
      "$python" -m coach speech-cache export "$routine" "$dir" --force --speech "$engine" >/dev/null
    "$judge_python" "$judge" "$dir" --out "$out/$engine-$routine.json" >/dev/null
    "$judge_python" - "$out/$engine-$routine.json" "$engine" "$routine" <<'PY'
import json, sys
d = json.load(open(sys.argv[1]))
print("%-8s %-18s WER %5.1f %%  %d phrases, %d words" % (
    sys.argv[2], sys.argv[3], d["overall_wer"] * 100, d["phrases"], d["ref_words"]))
PY
  done
done
