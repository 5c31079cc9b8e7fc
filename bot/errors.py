"""One exception root for everything ChargeLine raises on purpose."""

from __future__ import annotations

from collections.abc import Sequence


class ChargeLineError(Exception):
    """Root of ChargeLine's own errors; anything else is a bug or a foreign error."""


class ProblemsError(ChargeLineError):
    """Something read from a file or the environment is invalid: every problem found, one line each."""

    def __init__(self, problems: Sequence[str]) -> None:
        self.problems = list(problems)
        super().__init__("\n".join(self.problems))


class ConfigError(ProblemsError):
    """The configuration has one or more problems, one line each."""


class FleetFileError(ProblemsError):
    """A fleet file is invalid; each problem names the file, line and field."""


class UnknownCharger(ChargeLineError):
    """No charger in the fleet has this id or label."""


class ChargerUnreachable(ChargeLineError):
    """The charger (or the bridge that holds it) did not answer."""


class PolicyRefused(ChargeLineError):
    """The approved-actions policy does not allow this remote action now."""

    def __init__(self, reason: str) -> None:
        self.reason = reason
        super().__init__(reason)


class NLUUnavailable(ChargeLineError):
    """The configured NLU backend cannot be reached or loaded."""
