"""A recording stand-in for the conversation engine, to test one adapter's contract alone.

Whole conversations run against the real engine in the integration tests.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from bot.messages import Choice, InboundMessage, Reply, TurnResult


@dataclass
class RecordingEngine:
    seen: list[InboundMessage] = field(default_factory=list)
    replies: tuple[Reply, ...] = (Reply(text="Which charger are you at?",
                                        choices=(Choice("Station 12", "charger:CP-1042"),)),)
    fail: bool = False
    agent_mode: bool = False

    def handle(self, message: InboundMessage) -> TurnResult:
        if self.fail:
            raise RuntimeError("database went away")
        duplicate = any(m.delivery_id == message.delivery_id and m.channel == message.channel for m in self.seen)
        self.seen.append(message)
        if duplicate:
            return TurnResult("c1", duplicate=True)
        return TurnResult("c1", replies=self.replies, agent_mode=self.agent_mode, charger_id="CP-1042")
