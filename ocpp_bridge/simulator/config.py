"""A simulated charger's configuration keys (1.6 GetConfiguration / 2.0.1 variables by name)."""

from __future__ import annotations

from collections.abc import Callable


class ChargerConfig:
    """Key -> (value, read-only); writes to HeartbeatInterval reach the charger through a callback."""

    def __init__(self, heartbeat_interval: float, on_heartbeat: Callable[[float], None]) -> None:
        self._values: dict[str, tuple[str, bool]] = {
            "HeartbeatInterval": (str(int(heartbeat_interval)), False),
            "MeterValueSampleInterval": ("10", False),
            "ConnectionTimeOut": ("60", False),
            "AuthorizeRemoteTxRequests": ("false", False),
            "LocalAuthorizeOffline": ("true", False),
            "NumberOfConnectors": ("1", True),
            "SupportedFeatureProfiles": ("Core,RemoteTrigger", True),
        }
        self._on_heartbeat = on_heartbeat

    def get(self, keys: list[str] | None) -> tuple[dict[str, tuple[str, bool]], list[str]]:
        """Return the known keys asked for (all when None) and the unknown ones."""
        if not keys:
            return dict(self._values), []
        known = {k: self._values[k] for k in keys if k in self._values}
        return known, [k for k in keys if k not in self._values]

    def set(self, key: str, value: str) -> str:
        """Change a key; return Accepted, Rejected or NotSupported as OCPP 1.6 does."""
        if key not in self._values:
            return "NotSupported"
        if self._values[key][1]:
            return "Rejected"
        if key in ("HeartbeatInterval", "MeterValueSampleInterval", "ConnectionTimeOut"):
            try:
                if int(value) < 0:
                    return "Rejected"
            except ValueError:
                return "Rejected"
        self._values[key] = (value, False)
        if key == "HeartbeatInterval":
            self._on_heartbeat(float(value))
        return "Accepted"

    def set_value(self, key: str, value: str) -> None:
        """Set a key from inside the charger (e.g. its number of connectors)."""
        self._values[key] = (value, self._values.get(key, ("", False))[1])
