"""Claiming GPIO pins through gpiozero: one place that turns its errors into ours.

Every part of the box (button, status LED, buzzer) is a gpiozero device made
through :func:`claim`, so a missing pin library, a pin in use or a busy chip
reads the same whichever part hit it.
"""

from __future__ import annotations

import warnings
from collections.abc import Callable
from typing import Any, TypeVar

from coach.errors import HardwareError

D = TypeVar("D")

#: What to do when this machine has no GPIO at all.
HINT_SIMULATE = "to try the coach without a Raspberry Pi, add --simulate"


def mock_factory() -> Any:
    """Simulated pins; PWM-capable, so a simulated LED can dim and a buzzer play notes."""
    from gpiozero.pins.mock import MockFactory, MockPWMPin

    return MockFactory(pin_class=MockPWMPin)


def check_pins(pins: dict[str, int | None]) -> None:
    """One role per pin: the same GPIO for two roles is a mistake to catch at start-up.

    :param pins: each role ("button", "status LED", ...) and its BCM pin, or
        ``None`` for a part that is not fitted.
    :raises HardwareError: when two roles share a pin.
    """
    seen: dict[int, str] = {}
    for role, pin in pins.items():
        if pin is None:
            continue
        if pin in seen:
            raise HardwareError(
                f"GPIO{pin} is set for both the {seen[pin]} and the {role}; "
                "give each its own pin (coach config show lists them)"
            )
        seen[pin] = role


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
