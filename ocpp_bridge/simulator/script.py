"""What a charger does by itself after its first boot: a simulated driver, or a flapping link."""

from __future__ import annotations

import asyncio
import logging
from typing import TYPE_CHECKING

from ocpp.exceptions import OCPPError
from websockets.exceptions import ConnectionClosed

if TYPE_CHECKING:
    from ocpp_bridge.simulator.charger import SimulatedCharger

log = logging.getLogger("ocpp_bridge.simulator")


async def run_script(charger: SimulatedCharger) -> None:
    """Play the behaviour's unattended part: flapping, or a driver arriving after start_after seconds."""
    b = charger.behaviour
    if b.name == "offline_flapping":
        await _flap(charger)
        return
    if b["start_after"] is None or b.name in ("cable_locked", "silent"):
        return
    await asyncio.sleep(b["start_after"])
    attempts = b["attempts"] if b.name == "failed_starts" else 1
    for attempt in range(attempts):
        try:
            await charger.wait_connected(60)
            await charger.plug_in(b["connector"])
            answer = await charger.present_card(b["id_tag"], b["connector"])
            log.info("%s: simulated driver attempt %d: %s", charger.id, attempt + 1, answer)
        except (TimeoutError, OCPPError, ConnectionClosed, OSError) as exc:
            log.warning("%s: simulated driver could not act: %r", charger.id, exc)
        if attempt + 1 < attempts:
            await asyncio.sleep(b["interval"])


async def _flap(charger: SimulatedCharger) -> None:
    b = charger.behaviour
    while True:
        await asyncio.sleep(b["online_for"])
        log.info("%s: going offline for %.0f s", charger.id, b["offline_for"])
        await charger.go_offline()
        await asyncio.sleep(b["offline_for"])
        await charger.come_back(60)
