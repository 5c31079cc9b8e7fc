"""A turn within its budget is answered at once; a slower one is handed over later, exactly once."""

from __future__ import annotations

import threading

from bot.channels.deferred import DeferredTurns
from bot.messages import Reply, TurnResult

DONE = TurnResult("c1", replies=(Reply(text="Done."),))


def test_a_quick_turn_is_answered_within_the_budget() -> None:
    turns = DeferredTurns(budget=5)
    delivered: list[TurnResult] = []
    assert turns.run("k", lambda: DONE, then=delivered.append) is DONE
    assert delivered == []


def test_a_slow_turn_is_delivered_later_exactly_once() -> None:
    turns = DeferredTurns(budget=0.01)
    release, delivered = threading.Event(), threading.Event()
    got: list[TurnResult] = []

    def slow() -> TurnResult:
        assert release.wait(10)
        return DONE

    def deliver(result: TurnResult) -> None:
        got.append(result)
        delivered.set()

    assert turns.run("k", slow, then=deliver) is None
    release.set()
    assert delivered.wait(10)
    assert got == [DONE]


def test_a_slow_turn_is_waited_for_by_the_next_request() -> None:
    turns = DeferredTurns(budget=0.01, wait_budget=0.01)
    release = threading.Event()
    assert turns.run("k", lambda: DONE if release.wait(10) else DONE) is None
    assert turns.wait("k", stored=lambda: None) is None  # still running
    release.set()
    turns.wait_budget = 10
    assert turns.wait("k", stored=lambda: None) is DONE  # from memory: the database is not asked


def test_another_process_reads_the_stored_replies() -> None:
    turns = DeferredTurns(budget=0.01, wait_budget=10)
    answers = iter([None, None, DONE])
    assert turns.wait("unknown", stored=lambda: next(answers)) is DONE


def test_time_the_webhook_spent_before_the_turn_comes_off_the_budget() -> None:
    """A fresh worker that took most of Twilio's 15 s to load its engine answers 'checking' at once."""
    turns = DeferredTurns(budget=60)
    release = threading.Event()
    answered: list[TurnResult | None] = []

    def slow() -> TurnResult:
        assert release.wait(10)
        return DONE

    webhook = threading.Thread(target=lambda: answered.append(turns.run("k", slow, then=lambda _: True, spent=60)))
    webhook.start()
    webhook.join(5)  # with the whole budget left it would wait for the turn (60 s)
    release.set()
    assert answered == [None]
