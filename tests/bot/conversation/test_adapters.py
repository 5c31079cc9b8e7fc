"""The adapters from the real packages: guides adapted to the charger without re-reading the fleet every turn."""

from __future__ import annotations

from sqlalchemy import event

from bot.conversation.adapters import KnowledgeAdapter
from bot.knowledge import load_knowledge
from bot.runtime import Runtime


def test_a_chargers_guide_context_is_read_once_within_the_ttl(sqlite_runtime: Runtime) -> None:
    reads: list[str] = []

    @event.listens_for(sqlite_runtime.engine, "before_cursor_execute")
    def _note(conn, cursor, statement, *args):  # type: ignore[no-untyped-def]
        if "FROM chargers" in statement:
            reads.append(statement)

    knowledge = KnowledgeAdapter(load_knowledge())
    with sqlite_runtime.sessions() as session:
        first = knowledge.guides(session, "how_to_pay", {}, "CP-2001")
        again = knowledge.guides(session, "how_to_pay", {}, "CP-2001")
        other = knowledge.guides(session, "how_to_pay", {}, "CP-1042")
    assert first and [g.text for g in first] == [g.text for g in again]
    assert other
    assert len(reads) == 2  # one per charger
    knowledge.ttl = 0
    with sqlite_runtime.sessions() as session:
        knowledge.guides(session, "how_to_pay", {}, "CP-2001")
    assert len(reads) == 3
