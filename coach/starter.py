"""The starter routine that ``coach new`` writes: every field, each with what it does.

It is a routine as it is (it validates and runs), so a physiotherapist can
change it line by line rather than start from an empty file. The test beside
it checks that every field the loader knows is in it.
"""

from __future__ import annotations

__all__ = ["STARTER"]

#: The text of the starter routine.
STARTER = """\
# A routine for voice-coach. Check it with:   coach validate FILE
# Try it at once, on a virtual clock:          coach run FILE --instant
#
# Every field is shown here, with what it does and its default. Lines that
# start with '#' are comments and are ignored. Indent with spaces, never tabs:
# the fields of an exercise line up under its name. Times are in seconds.
# Text may use {rep}, {reps}, {set}, {sets}, {side}, {seconds} and {exercise}.

name: My stretches                # required; said first
description: Gentle stretches for the lower back.   # shown by 'coach list'
# said before the first exercise:
safety: Stop if the pain grows or spreads, and talk to your doctor.
tones: true                       # a tone as each hold starts and ends (default true)
speech: true                      # speak the cues; false plays the tones only (default true)
pain_check: false                 # ask for pain from 0 to 10 before and after (default false)
check_in: false                   # ask "did that hurt?" after every exercise (default false)
times_a_day: 2                    # sessions a day, 1 to 12; the closing line counts today's
phase: {number: 1, of: 3, name: early days}   # where this stands in a programme (optional)

defaults:                         # for every exercise that does not set its own; any field but name
  rest_seconds: 10                # here, the rest between reps of every exercise

exercises:                        # required; 1 to 200, done in this order
  - name: Knee to chest           # required; said as the exercise begins
    instructions: Lie on your back and hug one knee to your chest.   # said after the name
    sides: [right leg, left leg]  # optional; the same reps and time on each side, in this order
    sets: 1                       # 1 to 100 (default 1)
    reps: 2                       # 1 to 100, on each side (default 1)
    hold_seconds: 20              # a timed hold for each rep. Every exercise has exactly one of
                                  # hold_seconds, duration_seconds, until, breathe and tempo
    rest_seconds: 10              # between reps (default 10 after a hold, 0 otherwise)
    set_rest_seconds: 30          # between sets (default 0)
    ready: 5                      # a lead-in with 3-2-1 before the first hold of each side:
                                  # seconds, or button to wait for a press (default 5)
    after_set: Well done.         # said after each set
    breathe_after:                # slow breaths after each side and each set (optional)
      in_seconds: 4               #   each breath in, 2 to 10 seconds
      out_seconds: 6              #   each breath out, 2 to 10 seconds
      breaths: 2                  #   how many, 1 to 20
    calm: false                   # true for rests and relaxation: no numbers said (default false)
    check_in: true                # ask "did that hurt?" after this exercise (true or false),
                                  # whatever the routine's check_in says
    fetch: a pillow for your head # a prop: "Fetch a pillow for your head, then press." (optional)

  - name: Slow breathing
    instructions: Stay lying down, and breathe with my voice.
    breathe: {in_seconds: 4, out_seconds: 6, breaths: 3}   # paced breathing, 30 seconds
    calm: true

  - name: Getting up
    instructions: Roll onto your side and get up slowly. Press the button when you are standing.
    until: button                 # no timer: the coach waits for a press

  - name: Heel slides
    instructions: Slide the heel of the leg I name towards you, then out again.
                                  # {side} in a text says the side being worked; or give one
                                  # text for each side: {right leg: ..., left leg: ...}
    sides: [right leg, left leg]
    alternate: true               # sides in turn, rep by rep: right, left, right... (default false)
    reps: 5                       # on each side
    tempo: {in: 3, hold: 1, out: 3}   # counted reps, each rep's phases in order (up, hold, down,
                                  # in, out, relax), or one time for each rep: tempo: 3
    rest_seconds: 0               # counted reps follow one another: no rest (instead of defaults)

  - name: Marching on the spot
    instructions: Hold on to a chair, and march gently.
    duration_seconds: 30          # one activity of this many seconds
"""
