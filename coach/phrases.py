"""Every fixed phrase the coach says, in one place.

Keeping them together lets a speech backend render all of them ahead of time
and keeps the wording consistent across the plan and the engine.
"""

from __future__ import annotations

from coach.tones import ToneName

#: What a voice is asked to say: the words and the tone before them, if any.
Phrase = tuple[str, "ToneName | None"]

HOLD = "Hold still."
RELEASE = "Release."
BEGIN = "Begin now."
TIME_UP = "Time."
REST = "Rest."
GET_READY = "Get ready."
PRESS_WHEN_READY = "Press the button when you are ready."
PRESS_WHEN_DONE = "Press the button when you are done."
SWITCH_SIDES = "Switch sides."
HALFWAY = "Halfway."
TEN_SECONDS_LEFT = "10 seconds left."
TEN_SECONDS_LEFT_SHORT = "10 seconds."
COUNTDOWN = ("3", "2", "1")
BREATHE_IN = "Breathe in."
BREATHE_OUT = "And breathe out."
BREATHE_WITH_ME = "Now take slow breaths with me."
COME_BACK = "Slowly come back."
LAST_ONE = "Last one."
#: Said as a counted exercise's last rep of a side ends: the work is done.
REPS_DONE = "And relax."
#: After the last rep when each rep ends on "Relax." already.
LAST_REP_DONE = "That was the last one."
#: What each phase of a counted rep says as it starts (the first joins the rep's number).
#: "Hold still." as for a timed hold: "Hold." alone is easily misheard ("Fold.").
PHASE_WORDS = {
    "up": "up",
    "hold": "hold still",
    "down": "down",
    "in": "in",
    "out": "out",
    "relax": "relax",
}

PAUSED = "We are paused. Press the button to go on."
RESUMING = "Resuming."
SESSION_ENDED = "Session ended."
#: Said after "Session ended." when the person stopped before the end.
STOPPED_EARLY = "If the pain grows or spreads, rest, and talk to your doctor."
#: The stop gesture's words, said as one phrase.
SESSION_ENDED_EARLY = f"{SESSION_ENDED} {STOPPED_EARLY}"
#: Said when a pause or a wait has lasted too long, as the session ends.
LONG_PAUSE_END = "We'll stop here for today. Rest, and come back to it another time."
STILL_PAUSED = "Still paused. Press to go on, or hold to end."
#: After a long pause a hold starts again: said after where the person is.
HOLD_AGAIN = "starting this hold again."
#: After a pause in a counted rep, the rep starts again: said after where the person is.
REP_AGAIN = "starting this rep again."
THRESHOLD_LONG = "Next step."
THRESHOLD_SKIP_EXERCISE = "Next exercise."
THRESHOLD_STOP = "Stop."
READY_TO_START = "Press the button to start."
READY = "Ready."
MENU_HINT = "Press to start, hold to choose another."
MENU_NEXT = "Next routine."
MENU_REPEAT = "Repeat the menu."
#: A held button while the carry-on offer waits: it goes to the menu.
CARRY_ON_MENU = "Back to the menu."
#: Said in the menu at a reminder time (and once more a quarter of an hour later).
REMINDER = "Time for your stretches. Press to start."
#: Said after the greeting at boot when the last session was the day before.
LAST_SESSION_YESTERDAY = "Your last session was yesterday."

# -- check-ins: questions answered with the button ----------------------------

PAIN_QUESTION = (
    "How is your pain right now? Press once for each point, from one to ten. "
    "Hold if you have no pain."
)
#: Each press of a pain answer is counted aloud; more than ten stay at ten.
#: "Points", as the question says: a number said alone is easily misheard.
PAIN_COUNT = (
    "One point.",
    "Two points.",
    "Three points.",
    "Four points.",
    "Five points.",
    "Six points.",
    "Seven points.",
    "Eight points.",
    "Nine points.",
    "Ten points.",
)
#: The long threshold in the pain question, before any press: what letting go means.
NO_PAIN = "No pain."
#: After a question that was answered too early, while it was still being said.
PAIN_NOW = "Press now, once for each point."
HURT_NOW = "Press now if it felt fine, or hold if it hurt."
GO_ON_NOW = "Press now to go on gently, or hold to end."
HURT_QUESTION = "Did that hurt? Press if it felt fine, hold if it hurt."
#: The long threshold in "did that hurt?": what letting go means.
IT_HURT = "It hurt."
FELT_FINE = "Good."
NO_ANSWER = "No answer. We will carry on."
#: No answer to the last pain question, as the session ends.
NO_ANSWER_END = "No answer."
#: The confirmation of a pain answer whose word the held button has said already.
THANK_YOU = "Thank you."
SKIP_THE_REST = "We will skip the rest of this exercise."
#: The safety line after "it hurt", and at the end when pain has grown.
PAIN_ADVICE = "If pain runs down your leg, or numbness grows, stop for today and tell your doctor."
GO_ON_OR_END = "Press to go on gently, hold to end the session."
#: The long threshold in the offer to go on: what letting go means.
END_SESSION = "End the session."
GO_ON_GENTLY = "Going on gently. Move slowly, and stop if it hurts."
#: Said as the session ends after a second "it hurt".
HURT_AGAIN_END = f"It hurt again, so we will stop here. {PAIN_ADVICE}"
#: Said before the summary when pain after is at least two points above pain before.
PAIN_GREW = f"Your pain is higher than when we started. {PAIN_ADVICE}"

#: Said during pauses and threshold crossings; rendered ahead like plan cues.
ENGINE_PHRASES = (
    PAUSED,
    RESUMING,
    SESSION_ENDED,
    SESSION_ENDED_EARLY,
    LONG_PAUSE_END,
    STILL_PAUSED,
    PRESS_WHEN_READY,
    PRESS_WHEN_DONE,
    THRESHOLD_LONG,
    THRESHOLD_STOP,
    READY_TO_START,
    *COUNTDOWN,
)


_ONES = (
    *("zero", "one", "two", "three", "four", "five", "six", "seven", "eight", "nine"),
    *("ten", "eleven", "twelve", "thirteen", "fourteen", "fifteen", "sixteen"),
    *("seventeen", "eighteen", "nineteen"),
)
_TENS = ("", "", "twenty", "thirty", "forty", "fifty", "sixty", "seventy", "eighty", "ninety")


def number_word(n: int) -> str:
    """A whole number from 0 to 100 in words, as a rep is counted: "seven", "twenty-one"."""
    if n < 20:
        return _ONES[n]
    if n == 100:
        return "one hundred"
    tens, ones = divmod(n, 10)
    return _TENS[tens] + (f"-{_ONES[ones]}" if ones else "")


def rep_count_text(
    rep: int, reps: int, side: str | None = None, phase: str = "", named: bool = False
) -> list[str]:
    """What starts a counted rep, longest first: "Right side, three, up." ... "Three.".

    The last rep of several is "Last one."; shorter forms leave out the phase,
    then the side, so the count itself is what stays. ``named``: a count said
    alone is "Number three." before "Three.", as a number said alone is easily
    misheard ("One." is heard as "Well.").
    """
    count = "last one" if reps > 1 and rep == reps else number_word(rep)
    head = f"{spoken_side(side)}, {count}" if side else count
    alone = [f"number {count}", count] if named and count != "last one" else [count]
    forms = [f"{head}, {phase}" if phase else head, head, *alone] if side or phase else alone
    return list(dict.fromkeys(sentence(form) for form in forms))


def spoken_side(side: str) -> str:
    """``right`` reads as "right side"; ``right leg`` is left as written."""
    return side if " " in side.strip() else f"{side} side"


def sentence(text: str) -> str:
    """Capitalise the first letter and make sure the phrase ends like a sentence."""
    text = text.strip()
    if not text:
        return text
    text = text[0].upper() + text[1:]
    return text if text[-1] in ".!?" else text + "."


def seconds_text(seconds: float) -> str:
    """Seconds as a phrase says them: ``30``, not ``30.0``."""
    return f"{seconds:g}"


def minutes_text(seconds: float) -> str:
    """A length in whole minutes as a phrase says it: "under a minute", "1 minute", "12 minutes"."""
    minutes = round(seconds / 60)
    if minutes < 1:
        return "under a minute"
    return "1 minute" if minutes == 1 else f"{minutes} minutes"


def carry_on_offer(exercise: str) -> str:
    """The offer after a power cut: "Last time, you stopped at the side stretch. ..."."""
    the = "" if exercise.lower().startswith("the ") else "the "
    return f"Last time, you stopped at {the}{exercise}. Press to carry on, hold for the menu."


def days_ago_text(days: str) -> str:
    """The greeting's line for a last session ``days`` (a word) days ago."""
    return f"Your last session was {days} days ago."


def streak_text(days: str) -> str:
    """The end of a session on a run of ``days`` (a word) days: "That is three days in a row."."""
    return f"That is {days} days in a row."


def times_today_text(ordinal: str, times: str) -> str:
    """Today's count of prescribed sessions: "That was your second of three sessions today."."""
    return f"That was your {ordinal} of {times} sessions today."


def times_today_streak_text(ordinal: str, times: str, days: str) -> str:
    """Today's count and a run of days, in one line: "That was your first of three
    sessions today, and four days in a row."."""
    return f"That was your {ordinal} of {times} sessions today, and {days} days in a row."


def more_than_prescribed_text(ordinal: str, times: str) -> str:
    """One session past the prescription: "That was your fourth session today; three
    times a day is all you need."."""
    return f"That was your {ordinal} session today; {times} a day is all you need."


def summary_text(done: int, count: int, seconds: float) -> str:
    """What the closing summary says was done: "You did 4 of 6 exercises, in 6 minutes."."""
    noun = "exercise" if count == 1 else "exercises"
    return f"You did {done} of {count} {noun}, in {minutes_text(seconds)}."


def pain_confirm_text(value: int) -> str:
    """What confirms a pain answer: "No pain. Thank you." or "Four points. Thank you."."""
    if value == 0:
        return f"{NO_PAIN} {THANK_YOU}"
    return f"{PAIN_COUNT[value - 1]} {THANK_YOU}"


def fetch_text(prop: str) -> str:
    """What asks for a prop before an exercise: "Fetch a rolled towel, then press."."""
    return f"Fetch {prop}, then press."


def carrying_on_text(exercise: str) -> str:
    """What opens a session that carries on after an interruption: "Carrying on with Lunge."."""
    return f"Carrying on with {sentence(exercise)}"
