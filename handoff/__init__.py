"""Handoff: escalation rules, tickets, network-wide incidents and the helpdesk export."""
