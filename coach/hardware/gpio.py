"""Claiming GPIO pins through gpiozero: one place that turns its errors into ours.

Every part of the box (button, status LED, buzzer) is a gpiozero device made
through :func:`claim`, so a missing pin library, a pin in use or a busy chip
reads the same whichever part hit it.
"""

from __future__ import annotations

import warnings
from collections.abc import Callable, Mapping
from typing import Any, TypeVar

from coach.errors import HardwareError, SettingsError

D = TypeVar("D")

#: What to do when this machine has no GPIO at all.
HINT_SIMULATE = "to try the coach without a Raspberry Pi, add --simulate"


def mock_factory() -> Any:
    """Simulated pins; PWM-capable, so a simulated LED can dim and a buzzer play notes."""
    from gpiozero.pins.mock import MockFactory, MockPWMPin

    return MockFactory(pin_class=MockPWMPin)


def check_pins(pins: Mapping[str, int | None], origins: Mapping[str, str] | None = None) -> None:
    """One part per pin: the same GPIO for two parts is a mistake in the settings.

    :param pins: each part ("button", "status LED", ...) and its BCM pin, or
        ``None`` for a part that is not fitted.
    :param origins: where each part's pin was set (``--led-pin``,
        ``COACH_LED_PIN``, ``config.yaml:3:10``, ``default``), for the message.
    :raises SettingsError: when two parts share a pin.
    """
    seen: dict[int, str] = {}

    def named(part: str) -> str:
        return f"the {part} ({origins[part]})" if origins and part in origins else f"the {part}"

    for part, pin in pins.items():
        if pin is None:
            continue
        if pin in seen:
            raise SettingsError(
                [
                    f"GPIO{pin} is set for both {named(seen[pin])} and {named(part)}; "
                    "give each its own pin (coach config show lists them)"
                ]
            )
        seen[pin] = part


def claim(role: str, pin: int, make: Callable[[], D]) -> D:
    """Create a gpiozero device with ``make``, turning its errors into one :class:`HardwareError`.

    :param role: what the pin is for, as the message names it ("button").
    :param pin: the BCM pin number, for the message.
    :param make: creates the device, e.g. ``lambda: Button(17, pin_factory=factory)``.

    The error's ``__cause__`` is gpiozero's (or the pin library's) own.
    """
    from gpiozero.exc import BadPinFactory, GPIOPinInUse, GPIOZeroError

    try:
        with warnings.catch_warnings():
            # gpiozero warns for every pin library it tries before giving up.
            warnings.simplefilter("ignore")
            return make()
    except (BadPinFactory, ImportError) as exc:
        raise HardwareError(f"no GPIO found on this machine ({exc})", HINT_SIMULATE) from exc
    except GPIOPinInUse as exc:
        raise HardwareError(
            f"GPIO{pin} for the {role} is already in use (another program, or an overlay "
            f"in /boot/firmware/config.txt): {exc}"
        ) from exc
    except GPIOZeroError as exc:
        raise HardwareError(f"cannot use GPIO{pin} for the {role}: {exc}") from exc
    except (OSError, RuntimeError) as exc:  # a pin library that loads but finds no chip
        raise HardwareError(
            f"cannot open the GPIO chip for the {role} ({exc})",
            "on a machine without GPIO, add --simulate",
        ) from exc
    except Exception as exc:  # lgpio raises its own error type, e.g. "GPIO busy"
        raise HardwareError(
            f"cannot use GPIO{pin} for the {role}: {exc} (is another program, or the "
            "voice-coach service, using it?)"
        ) from exc
