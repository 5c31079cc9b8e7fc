"""OCPP 2.0.1 action names and the 1.6 names the bridge, the policy and the audit use for them."""

from __future__ import annotations

ALIASES = {"RequestStartTransaction": "RemoteStartTransaction", "RequestStopTransaction": "RemoteStopTransaction",
           "GetVariables": "GetConfiguration"}

