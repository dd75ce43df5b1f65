"""The patient's own menu, and routines from a USB stick: a folder stands in for its mount point."""

from __future__ import annotations

import errno
import shutil
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner

from coach import stick
from coach.cli import cli
from coach.clock import VIRTUAL_WALL_START
from coach.device import Device
from coach.errors import FolderNotWritable, SettingsError
from coach.events import Event
from coach.rig import RunOptions, ScriptedPress, build_rig
from coach.settings import Settings, parse
from coach.stick import StickWatch, copy_routines, summary

KNEE = "name: Knee rehab\nexercises:\n  - name: Quad sets\n    hold_seconds: 5\n"
BACK = "name: McKenzie extensions.\nexercises:\n  - name: Press-ups\n    hold_seconds: 2\n"
NECK = "name: Neck break\nexercises:\n  - name: Chin tucks\n    hold_seconds: 5\n"
BAD = "name: Knee\nexercises:\n  - name: Quad sets\n    hold_seconds: twenty\n"

SUMMARY = (
    "Two new routines from the stick: Knee rehab, McKenzie extensions. "
    "One routine on the stick is wrong: wrong.yaml, line 4: hold seconds must be a number "
    "of seconds from 1 to 3600, got twenty. It was not copied."
)


def write(folder: Path, files: dict[str, str]) -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    for name, text in files.items():
        (folder / name).write_text(text, encoding="utf-8")
    return folder


def plug_in(mounts: Path, label: str = "STICK", **files: str) -> Path:
    """A stick mounted at ``mounts/label``, its routines in ``voice-coach/``."""
    return write(
        mounts / label / stick.STICK_FOLDER, {k.replace("_", "."): v for k, v in files.items()}
    )


@pytest.fixture
def patient(data_folder: Path) -> Path:
    """The patient's routines folder, as the settings find it."""
    return data_folder / "routines"


# -- the patient's menu ------------------------------------------------------------


def invoke(*args: str, config: Path) -> tuple[int, str, str]:
    result = CliRunner().invoke(cli, list(args), env={"COACH_CONFIG": str(config)})
    return result.exit_code, result.stdout, result.stderr


def listed(out: str) -> list[str]:
    lines = out.splitlines()[1:]
    return [line.split()[0] for line in lines if line and not line.startswith("default")]


def test_the_patients_menu_hides_the_bundled_routines_in_coach_list(
    tmp_path: Path, patient: Path
) -> None:
    write(patient, {"knee-rehab.yaml": KNEE, "mckenzie.yaml": BACK, "neck.yaml": NECK})
    config = tmp_path / "config.yaml"
    config.write_text("menu_routines: [mckenzie, knee-rehab]\n")
    code, out, err = invoke("list", config=config)
    assert code == 0, err
    # The physio's order, then the patient's other routine; no bundled one.
    assert listed(out) == ["mckenzie", "knee-rehab", "neck"]
    assert out.splitlines()[-1] == "default: mckenzie"


def test_bundled_routines_off_leaves_the_patients_own(tmp_path: Path, patient: Path) -> None:
    write(patient, {"neck.yaml": NECK, "knee-rehab.yaml": KNEE})
    config = tmp_path / "config.yaml"
    config.write_text("bundled_routines: false\n")
    code, out, err = invoke("list", config=config)
    assert code == 0, err
    assert listed(out) == ["knee-rehab", "neck"]
    assert out.splitlines()[-1] == "default: knee-rehab"


def test_a_menu_routine_not_copied_yet_is_passed_over_as_the_default(
    tmp_path: Path, patient: Path
) -> None:
    write(patient, {"knee-rehab.yaml": KNEE})
    config = tmp_path / "config.yaml"
    config.write_text("menu_routines: [nothere, knee-rehab]\n")
    warning = "coach: menu_routines: 'nothere' is in no routine folder"
    code, out, err = invoke("list", config=config)
    assert code == 0, err
    assert listed(out) == ["knee-rehab"]
    assert out.splitlines()[-1] == "default: knee-rehab"
    assert warning in err
    code, out, err = invoke("run", "--instant", "--no-tones", config=config)
    assert code == 0, err
    assert "Knee rehab" in out
    assert warning in err
    code, out, err = invoke("preview", config=config)
    assert code == 0, err
    assert "Knee rehab" in out
    assert warning in err
    assert Settings.from_values(menu_routines=["nothere", "knee-rehab"]).library.default == (
        "knee-rehab"
    )


def test_a_default_the_menu_hides_is_a_settings_error(tmp_path: Path, patient: Path) -> None:
    write(patient, {"knee-rehab.yaml": KNEE})
    config = tmp_path / "config.yaml"
    config.write_text("menu_routines: [knee-rehab]\ndefault_routine: quick-demo\n")
    code, _, err = invoke("list", config=config)
    assert code == 3
    assert (
        "default_routine: 'quick-demo' is not in menu_routines (knee-rehab), so the menu "
        "would hide it; name one of them, or leave default_routine out to start with the "
        "menu's first routine"
    ) in err
    with pytest.raises(SettingsError):
        Settings.from_values(menu_routines=["a"], default_routine="b").library  # noqa: B018


def test_the_menu_setting_in_the_file() -> None:
    values = parse("menu_routines: [knee-rehab, mckenzie]\nstick_mounts: [/mnt/*]\n", "c.yaml")
    assert values["menu_routines"] == ("knee-rehab", "mckenzie")
    assert values["stick_mounts"] == (Path("/mnt/*"),)
    with pytest.raises(SettingsError, match="menu_routines: must be a list of routine names"):
        parse("menu_routines: knee-rehab\n", "c.yaml")


def device_run(
    presses: list[tuple[float, str]], quit_at: float, **values: Any
) -> tuple[Any, list[Event], Device]:
    events: list[Event] = []
    settings = Settings.from_values({"tones": False, **values})
    rig = build_rig(
        settings,
        RunOptions(
            instant=True,
            presses=[ScriptedPress(t, g) for t, g in presses],  # type: ignore[arg-type]
            listeners=[events.append],
            start_at=VIRTUAL_WALL_START,
        ),
    )
    rig.clock.call_at(quit_at, rig.quit)
    return rig, events, Device(rig, settings.library)


def said(events: list[Event]) -> list[tuple[float, str]]:
    return [(e.to_json()["t"], e.data["text"]) for e in events if e.type == "say"]


def offers(events: list[Event]) -> list[str]:
    return [text.split(",")[0] for _, text in said(events) if "Press to start" in text]


def test_the_patients_menu_hides_the_bundled_routines_on_the_device(patient: Path) -> None:
    write(patient, {"knee-rehab.yaml": KNEE, "mckenzie.yaml": BACK})
    presses = [(10.0, "long"), (20.0, "long"), (30.0, "long")]
    _, events, device = device_run(
        presses, quit_at=40.0, menu_routines=("mckenzie", "knee-rehab"), stick_mounts=()
    )
    assert device.run() == 0
    assert offers(events) == [
        "Ready. McKenzie extensions",  # the first is the default
        "Knee rehab",
        "McKenzie extensions",  # and round again: nothing bundled
        "Knee rehab",
    ]


# -- the stick on the device ---------------------------------------------------------


def test_a_stick_with_two_good_routines_and_a_bad_one(tmp_path: Path, patient: Path) -> None:
    mounts = tmp_path / "media"
    mounts.mkdir()
    presses = [(40.0, "long"), (50.0, "long"), (60.0, "long"), (70.0, "long")]
    rig, events, device = device_run(
        presses, quit_at=100.0, stick_mounts=(mounts / "*",), bundled_routines=False,
        routines_dirs=(write(tmp_path / "mine", {"neck.yaml": NECK}),),
    )  # fmt: skip
    sticks = []
    rig.clock.call_at(
        10.0,
        lambda: sticks.append(
            plug_in(mounts, knee_yaml=KNEE, mckenzie_yaml=BACK, wrong_yaml=BAD, notes_txt="hi")
        ),
    )
    assert device.run() == 0
    timed = said(events)
    assert timed[0][1].startswith("Ready. Neck break")
    at = next(t for t, text in timed if text == SUMMARY)
    assert 10.0 <= at <= 10.0 + stick.POLL_SECONDS
    # The box stays where it was, and says so once the summary is heard.
    after = timed[[text for _, text in timed].index(SUMMARY) + 1]
    assert after[1] == "Neck break, under a minute. Press to start, hold to choose another."
    assert after[0] == pytest.approx(at + rig.voice.duration(SUMMARY), abs=0.001)
    assert sorted(p.name for p in patient.iterdir()) == ["knee.yaml", "mckenzie.yaml"]
    assert (patient / "knee.yaml").read_text() == KNEE
    # The stick stays in: said once. The menu offers the new routines at once.
    assert [text for _, text in timed].count(SUMMARY) == 1
    assert offers(events)[-4:] == [
        "Knee rehab",
        "McKenzie extensions",
        "Neck break",
        "Knee rehab",
    ]
    assert [e.data["state"] for e in events if e.type == "state"] == ["idle"]


def test_a_stick_is_noticed_once_per_insertion(tmp_path: Path) -> None:
    mounts = tmp_path / "media"
    watch = StickWatch([mounts / "*"])
    assert watch.poll() == []
    folder = plug_in(mounts, knee_yaml=KNEE)
    assert watch.poll() == [folder]
    assert watch.poll() == []  # left in
    shutil.rmtree(mounts / "STICK")
    assert watch.poll() == []
    plug_in(mounts, knee_yaml=KNEE)
    assert watch.poll() == [folder]  # plugged in again
    (mounts / "PHOTOS").mkdir()
    assert watch.poll() == []  # a stick without the folder is none of ours


def test_an_updated_routine_replaces_the_old_one_and_an_unchanged_one_is_left(
    tmp_path: Path,
) -> None:
    target = write(tmp_path / "patient", {"knee.yaml": KNEE.replace("5", "6")})
    folder = plug_in(tmp_path / "media", knee_yaml=KNEE)
    copied = copy_routines(folder, target)
    assert summary(copied) == "One routine updated from the stick: Knee rehab."
    assert (target / "knee.yaml").read_text() == KNEE
    before = (target / "knee.yaml").stat().st_mtime_ns
    again = copy_routines(folder, target)
    assert summary(again) == "The routines on the stick are already here."
    assert not again.changed
    assert (target / "knee.yaml").stat().st_mtime_ns == before


def test_an_unreadable_file_is_named_and_the_rest_copied(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    folder = plug_in(tmp_path / "media", bad_yaml=KNEE, good_yaml=BACK)
    read = stick.read_file

    def failing(path: Path) -> bytes:
        if path.name == "bad.yaml":
            raise OSError(errno.EIO, "Input/output error")
        return read(path)

    monkeypatch.setattr(stick, "read_file", failing)
    copied = copy_routines(folder, tmp_path / "patient")
    assert summary(copied) == (
        "One new routine from the stick: McKenzie extensions. "
        "One file on the stick could not be read: bad.yaml."
    )
    assert [p.name for p in (tmp_path / "patient").iterdir()] == ["good.yaml"]


def test_a_stick_taken_out_between_listing_and_copying(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    folder = plug_in(tmp_path / "media", a_yaml=KNEE, b_yaml=BACK)
    read = stick.read_file

    def pulled_out(path: Path) -> bytes:
        if path.name == "b.yaml":
            shutil.rmtree(tmp_path / "media" / "STICK")
        return read(path)

    monkeypatch.setattr(stick, "read_file", pulled_out)
    copied = copy_routines(folder, tmp_path / "patient")
    assert summary(copied) == (
        "One new routine from the stick: Knee rehab. "
        "The stick was taken out too soon. Put it back in to copy the rest."
    )
    assert [p.name for p in (tmp_path / "patient").iterdir()] == ["a.yaml"]


def test_a_full_card_copies_nothing_and_says_so(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    folder = plug_in(tmp_path / "media", a_yaml=KNEE)

    def full(path: Path, data: bytes) -> None:
        error = OSError(errno.ENOSPC, "No space left on device")
        raise FolderNotWritable(path.parent, error) from error

    monkeypatch.setattr(stick, "write_atomically", full)
    copied = copy_routines(folder, tmp_path / "patient")
    assert summary(copied) == "Knee rehab was not copied, there is no room left on the box."
    assert not copied.changed


def test_a_wrong_file_is_said_with_why_in_plain_words(tmp_path: Path) -> None:
    typo = "name: Neck\nexercises:\n  - name: Tilt\n    hold_seconds: 5\n    hold_secnds: 5\n"
    top = "name: Back\nfoo_bar: 1\nexercises:\n  - name: Arch\n    hold_seconds: 5\n"
    folder = plug_in(tmp_path / "media", neck_yaml=typo, back_yaml=top, empty_yaml="")
    copied = copy_routines(folder, tmp_path / "patient")
    # The rule, without the file, the exercise, the list of allowed fields, the
    # suggestion, quote marks or underscores; the journal has the full messages.
    assert summary(copied) == (
        "Three routines on the stick are wrong: back.yaml, line 2: unknown field foo bar; "
        "empty.yaml: file is empty; neck.yaml, line 5: unknown field hold secnds. "
        "They were not copied."
    )
    assert any("'hold_secnds' (did you mean 'hold_seconds'?)" in p for p in copied.problems)
    assert not (tmp_path / "patient").exists()


def test_a_long_reason_is_cut_short_at_a_comma() -> None:
    problem = (
        "neck.yaml:6:12: exercise 1 (Tilt): tempo: must be seconds for each rep from 1 to "
        "60, or a mapping of phases (up, hold, down) to seconds, got 'very very fast indeed'"
    )
    reason = stick.spoken_reason("neck.yaml", problem)
    assert reason == "tempo must be seconds for each rep from 1 to 60"
    assert len(reason) <= stick.REASON_CHARS


def test_a_stick_that_cannot_be_read_or_has_nothing(tmp_path: Path) -> None:
    assert summary(copy_routines(tmp_path / "gone", tmp_path / "p")) == (
        "This stick could not be read."
    )
    empty = plug_in(tmp_path / "media", notes_txt="hello", _hidden_yaml=KNEE)
    assert summary(copy_routines(empty, tmp_path / "p")) == (
        "The stick has no routines in its voice-coach folder."
    )


def test_the_device_keeps_running_when_the_stick_goes_wrong(
    tmp_path: Path, patient: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    mounts = tmp_path / "media"
    plug_in(mounts, knee_yaml=KNEE)

    def broken(path: Path) -> bytes:
        raise OSError(errno.EIO, "Input/output error")

    monkeypatch.setattr(stick, "read_file", broken)
    _, events, device = device_run([(20.0, "long")], quit_at=30.0, stick_mounts=(mounts / "*",))
    assert device.run() == 0
    texts = [text for _, text in said(events)]
    assert "One file on the stick could not be read: knee.yaml." in texts
    assert texts[-1].startswith("Quick demo")  # the menu still answers the button


def test_a_menu_with_nothing_copied_yet_still_starts_and_takes_the_stick(
    tmp_path: Path, patient: Path
) -> None:
    mounts = tmp_path / "media"
    plug_in(mounts, knee_rehab_yaml=KNEE)
    _, events, device = device_run(
        [(20.0, "long")], quit_at=30.0, menu_routines=("knee.rehab",), stick_mounts=(mounts / "*",)
    )
    assert device.run() == 0
    texts = [text for _, text in said(events)]
    assert texts[0].startswith("Ready. Hip and seat relief")  # the bundled ones, until then
    assert "One new routine from the stick: Knee rehab." in texts
    assert texts[-1].startswith("Knee rehab")  # now the patient's menu, and only it
    assert device.library.offered()[0].slug == "knee.rehab"
    assert [c.slug for c in device.choices] == ["knee.rehab"]


def test_links_pipes_and_folders_on_the_stick_are_passed_over(tmp_path: Path) -> None:
    import os

    folder = plug_in(tmp_path / "media", good_yaml=KNEE)
    os.mkfifo(folder / "pipe.yaml")
    (folder / "folder.yaml").mkdir()
    secret = write(tmp_path / "box", {"secret.yaml": BACK})
    (folder / "link.yaml").symlink_to(secret / "secret.yaml")
    assert stick.routine_files(folder) == [folder / "good.yaml"]
    with pytest.raises(OSError):
        stick.read_file(folder / "pipe.yaml")  # a file that turned into a pipe does not block


def test_a_stick_plugged_in_during_a_session_is_read_when_the_menu_is_back(
    tmp_path: Path, patient: Path
) -> None:
    mounts = tmp_path / "media"
    mounts.mkdir()
    rig, events, device = device_run(
        [(2.0, "press"), (30.0, "stop")], quit_at=60.0, stick_mounts=(mounts / "*",)
    )
    rig.clock.call_at(10.0, lambda: plug_in(mounts, knee_yaml=KNEE))
    assert device.run() == 0
    timed = said(events)
    at = next(t for t, text in timed if text == "One new routine from the stick: Knee rehab.")
    back = next(e.to_json()["t"] for e in events if e.type == "state" and e.data["state"] == "idle"
                and e.to_json()["t"] > 0)  # fmt: skip
    assert at > back > 30.0


def test_with_real_speech_the_stick_summary_is_not_rendered_late(
    tmp_path: Path, patient: Path
) -> None:
    from coach.speech.voice import SpeechVoice

    mounts = tmp_path / "media"
    plug_in(mounts, knee_yaml=KNEE, wrong_yaml=BAD)
    events: list[Event] = []
    settings = Settings.from_values(
        {"tones": True, "speech": "pyttsx3", "stick_mounts": (mounts / "*",)}
    )
    rig = build_rig(
        settings,
        RunOptions(
            instant=True,
            presses=[ScriptedPress(t, "long") for t in (30.0, 40.0, 50.0)],
            listeners=[events.append],
            cache_dir=tmp_path / "cache",
            start_at=VIRTUAL_WALL_START,
        ),
    )
    rig.clock.call_at(70.0, rig.quit)
    voice = rig.voice
    assert isinstance(voice, SpeechVoice)
    Device(rig, settings.library).run()
    texts = [text for _, text in said(events)]
    assert (
        "One new routine from the stick: Knee rehab. "
        "One routine on the stick is wrong: wrong.yaml, line 4: hold seconds must be a number "
        "of seconds from 1 to 3600, got twenty. It was not copied."
    ) in texts
    assert any(text.startswith("Knee rehab,") for text in texts)  # offered, its line rendered
    assert voice.late_renders == 0
