"""Simulated OCPP 1.6J and 2.0.1 charge points with scriptable faults, for tests, the demo and benchmarks."""

from ocpp_bridge.simulator.charger import SimulatedCharger
from ocpp_bridge.simulator.fleet import (
    FleetThread,
    SimulatedFleet,
    load_chargers,
    run_fleet_in_thread,
)
from ocpp_bridge.simulator.scenario import (
    BEHAVIOURS,
    Behaviour,
    Scenario,
    ScenarioError,
    load_scenario,
    make_behaviour,
)
from ocpp_bridge.simulator.sessions import ChargerOffline
from ocpp_bridge.simulator.wire import Received, Sent

__all__ = [
    "BEHAVIOURS", "Behaviour", "ChargerOffline", "FleetThread", "Received", "Scenario", "ScenarioError", "Sent",
    "SimulatedCharger", "SimulatedFleet", "load_chargers", "load_scenario", "make_behaviour", "run_fleet_in_thread",
]
