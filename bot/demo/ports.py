"""Whether the demo's ports are free, probed the way its servers bind them."""

from __future__ import annotations

import socket

from bot.config import Settings

# (what, Make variable, demo option, setting) for each port the demo listens on
PORTS = (("web", "WEB_PORT", "--web-port", "CHARGELINE_WEB_PORT"),
         ("OCPP", "OCPP_PORT", "--ocpp-port", "CHARGELINE_OCPP_PORT"),
         ("bridge control", "BRIDGE_PORT", "--bridge-port", "CHARGELINE_BRIDGE_PORT"))


def port_in_use(host: str, port: int) -> bool:
    """Whether something listens on (or holds) host:port; a port left in TIME_WAIT by a stopped server is free."""
    family = socket.AF_INET6 if ":" in host else socket.AF_INET
    with socket.socket(family, socket.SOCK_STREAM) as probe:
        # as werkzeug, websockets and aiohttp bind: a restart within a minute of Ctrl-C must find the port free
        probe.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        try:
            probe.bind((host, port))
        except OSError:
            return True
    return False


def busy_ports(settings: Settings) -> list[str]:
    """One line per port the demo needs that something else holds, saying how to choose another."""
    wanted = {"web": (settings.web_host, settings.web_port), "OCPP": (settings.ocpp_host, settings.ocpp_port),
              "bridge control": ("127.0.0.1", settings.bridge_port)}
    taken = {port for _, port in wanted.values()}
    problems = []
    for name, variable, option, setting in PORTS:
        host, port = wanted[name]
        if port_in_use(host, port):
            other = _free_near(host, port, taken)
            taken.add(other)
            problems.append(f"the {name} port {port} is in use by another program; choose another with "
                            f"`make demo {variable}={other}`, `chargeline demo {option} {other}` or {setting}={other}")
    return problems


def _free_near(host: str, port: int, taken: set[int]) -> int:
    """A free port above `port` to suggest (the next one not taken, if none of the next hundred is free)."""
    candidates = [p for p in range(port + 1, min(port + 101, 65536)) if p not in taken]
    return next((p for p in candidates if not port_in_use(host, p)), candidates[0] if candidates else 1024)
