"""The one exception tree of Sunlight.

Every error a user can cause is a `SunlightError`; the CLI maps each class to an exit
code in one place (`EXIT_CODES`). Anything else escaping is a bug in Sunlight itself.
"""

from __future__ import annotations


class SunlightError(Exception):
    """Base of every expected failure; its message is shown to the user as is."""


class UsageError(SunlightError):
    """The command was called wrongly (unknown task, missing option...)."""


class ValidationFailed(SunlightError):
    """The data has error-level findings; the findings were already reported."""


class DrawRefused(SunlightError):
    """A draw step was refused because doing it would break a rule of the draw."""


class VerificationFailed(SunlightError):
    """A published draw does not recompute to what was published."""


class BuildFailed(SunlightError):
    """The site or the packages could not be produced; nothing was replaced."""


EXIT_CODES: dict[type[SunlightError], int] = {
    ValidationFailed: 1,
    VerificationFailed: 1,
    BuildFailed: 1,
    UsageError: 2,
    DrawRefused: 3,
}


def exit_code_for(error: SunlightError) -> int:
    for cls in type(error).__mro__:
        if cls in EXIT_CODES:
            return EXIT_CODES[cls]
    return 1
