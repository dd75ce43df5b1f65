"""Finding routines: the bundled library, plus any path a person names."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from coach.errors import RoutineNotFound
from coach.yamltree import printable

DEFAULT_ROUTINE = "pinched-nerve-leg"
ROUTINE_SUFFIXES = (".yaml", ".yml")


def bundled_dir() -> Path:
    """The routine folder: ``routines/`` in a checkout, ``coach/_routines`` in a wheel."""
    package = Path(__file__).resolve().parent
    checkout = package.parent / "routines"
    if (checkout / f"{DEFAULT_ROUTINE}.yaml").is_file():
        return checkout
    return package / "_routines"


@dataclass(frozen=True)
class Entry:
    """A routine file in the library.

    :param slug: its name in the library: the file name without ``.yaml``.
    :param path: the file.
    """

    slug: str
    path: Path


def entries(folders: list[Path] | None = None) -> list[Entry]:
    """Every routine file in the library, by name; earlier folders win on a clash."""
    found: dict[str, Entry] = {}
    for folder in folders if folders is not None else [bundled_dir()]:
        if not folder.is_dir():
            continue
        for path in sorted(folder.iterdir()):
            if path.suffix in ROUTINE_SUFFIXES and path.is_file():
                found.setdefault(path.stem, Entry(path.stem, path))
    return sorted(found.values(), key=lambda e: e.slug)


def resolve(name_or_path: str | None, folders: list[Path] | None = None) -> Path:
    """A library name (``quick-demo``) or a path to a routine file."""
    name = name_or_path or DEFAULT_ROUTINE
    library = entries(folders)
    for entry in library:
        if entry.slug == name:
            return entry.path
    path = Path(name)
    if path.suffix in ROUTINE_SUFFIXES or path.exists() or "/" in name:
        return path  # the loader reports a missing or unreadable file with its name
    names = ", ".join(printable(e.slug) for e in library) or "none"
    raise RoutineNotFound(f"no routine named {name!r}; the library has: {names}")


@dataclass(frozen=True)
class Library:
    """The routine folders, which routine is the default, and what the device menu offers.

    :param extra_folders: searched before the bundled routines, in order; default none.
    :param default: the routine used when none is named; default ``pinched-nerve-leg``.
    :param bundled: whether the bundled routines are in the library; default yes.
    :param menu: the routines the menu offers, in this order (a physio's list);
        default none: every routine, by name.
    :param patient_folder: the patient's own routines (those copied from a USB
        stick land here), searched first; default none.
    """

    extra_folders: tuple[Path, ...] = ()
    default: str = DEFAULT_ROUTINE
    bundled: bool = True
    menu: tuple[str, ...] = ()
    patient_folder: Path | None = None

    @property
    def folders(self) -> list[Path]:
        """The folders searched, in order: the patient's, the extra ones, then the bundled."""
        own = [] if self.patient_folder is None else [self.patient_folder]
        return [*own, *self.extra_folders, *([bundled_dir()] if self.bundled else [])]

    def entries(self) -> list[Entry]:
        """Every routine file in the folders, by name; earlier folders win on a clash."""
        return entries(self.folders)

    def offered(self) -> list[Entry]:
        """What ``coach list`` and the device menu offer, in order.

        With a ``menu``: its routines in its order, then the rest of the
        patient's own (and the extra folders'), by name; the bundled routines
        only where the menu names them. Without: every routine, by name. A
        menu none of whose routines is here yet (before the first USB stick)
        offers every routine, so the box can start and take the stick.
        """
        found = self.entries()
        if not self.menu:
            return found
        by_slug = {e.slug: e for e in found}
        listed = [by_slug[name] for name in dict.fromkeys(self.menu) if name in by_slug]
        bundled = bundled_dir().resolve()
        rest = [e for e in found if e.slug not in self.menu and e.path.parent.resolve() != bundled]
        return (listed + rest) or found

    def missing_from_menu(self) -> list[str]:
        """The routines the ``menu`` names that are in no folder (not copied yet)."""
        slugs = {e.slug for e in self.entries()}
        return [name for name in self.menu if name not in slugs]

    def menu_warnings(self) -> list[str]:
        """A line for each routine the menu names that is in no folder: it is passed over."""
        return [
            f"menu_routines: {printable(name)!r} is in no routine folder (not copied yet?)"
            for name in self.missing_from_menu()
        ]

    def resolve(self, name_or_path: str | None) -> Path:
        """The file of a library name or a path, as :func:`resolve`; ``None`` is the default.

        :raises RoutineNotFound: for a name that is in no folder and is not a path.
        """
        return resolve(name_or_path or self.default, self.folders)
