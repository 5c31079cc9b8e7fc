"""The judge: a dialogue passes only when its outcome matches and the bot never repeated an answer."""

from __future__ import annotations

from bot.evaluation.channels import Shown
from bot.evaluation.corpus import Dialogue, DriverTurn, Expected, TicketExpected
from bot.evaluation.judge import judge, summarise
from bot.evaluation.runner import DialogueRun, Exchange


def dialogue(expected: Expected, *, channel: str = "sms", turns: int = 2) -> Dialogue:
    return Dialogue(id=f"d-{channel}", category="loop", channel=channel,
                    turns=tuple(DriverTurn(text=f"t{n}") for n in range(turns)), expected=expected,
                    source="corpus.yml:1")


def played(d: Dialogue, *answers: str, tickets: list | None = None, actions: list | None = None,
           handoff: bool = False) -> DialogueRun:
    run = DialogueRun(d, tickets=tickets or [], actions=actions or [])
    run.exchanges = [Exchange(turn.text, Shown((answer,), handoff=handoff), 0.1)
                     for turn, answer in zip(d.turns, answers)]
    return run


NO_TICKET = Expected(ticket=None, actions=())


def test_the_same_answer_twice_is_a_loop_and_fails_the_dialogue() -> None:
    verdict = judge(played(dialogue(NO_TICKET), "Plug in first, then tap.", "plug in first,  then tap."))
    assert not verdict.success and verdict.failures == ()
    assert verdict.repeated == ("plug in first,  then tap.",)
    assert summarise([verdict])["loops"] == 1


def test_a_matching_outcome_with_different_answers_passes() -> None:
    expected = Expected(ticket=TicketExpected("tier1", None, "no_progress"), actions=(), says=("colleague",))
    ticket = {"id": "T-000001", "tier": "tier1", "priority": "P3", "rule": "no_progress"}
    verdict = judge(played(dialogue(expected), "Plug in first.", "I'm passing you to a colleague.",
                           tickets=[ticket], handoff=True))
    assert verdict.success


def test_each_mismatch_is_reported_in_words() -> None:
    expected = Expected(ticket=TicketExpected("tier2", "P2", "repeated_failed_sessions"), actions=("Reset",),
                        says=("Station 10",), not_says=("free and ready",), handoff=True)
    ticket = {"id": "T-000002", "tier": "tier1", "priority": "P3", "rule": "no_progress"}
    verdict = judge(played(dialogue(expected), "It is free and ready.", "Use it now.", tickets=[ticket]))
    assert verdict.failures == (
        "ticket T-000002 has tier tier1, priority P3, rule no_progress; expected tier2 P2 repeated_failed_sessions",
        "remote actions none, expected ['Reset']",
        "never said 'Station 10'",
        "said 'free and ready'",
        "did not hand the driver to a human",
    )


def test_a_ticket_where_none_was_expected_fails() -> None:
    ticket = {"id": "T-000003", "tier": "tier1", "priority": "P3", "rule": "driver_asked_for_human"}
    verdict = judge(played(dialogue(NO_TICKET), "a", "b", tickets=[ticket]))
    assert verdict.failures == ("opened ticket T-000003 (tier1 P3 driver_asked_for_human), expected none",)


def test_the_summary_breaks_success_down_by_channel_and_length() -> None:
    good = judge(played(dialogue(NO_TICKET, channel="voice", turns=1), "hello"))
    bad = judge(played(dialogue(NO_TICKET, channel="sms"), "x", "x"))
    summary = summarise([good, bad])
    assert (summary["n"], summary["task_success"], summary["loops"]) == (2, 0.5, 1)
    assert summary["per_channel"] == {"sms": {"n": 1, "passed": 0, "task_success": 0.0},
                                      "voice": {"n": 1, "passed": 1, "task_success": 1.0}}
    assert set(summary["per_turns"]) == {"1", "2"}
    assert [f["id"] for f in summary["failures"]] == ["d-sms"]
