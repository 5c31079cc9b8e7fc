"""The fleet: sites, chargers, connectors and id tags, loaded from the fleet file."""

from bot.fleet.loader import FleetFile, import_fleet, parse_fleet_file

__all__ = ["FleetFile", "import_fleet", "parse_fleet_file"]
