from bot.chat.terminal import TerminalChat, run_repl
from bot.messages import Choice, InboundMessage, Reply, TurnResult


class Echo:
    def __init__(self) -> None:
        self.seen: list[InboundMessage] = []

    def handle(self, message: InboundMessage) -> TurnResult:
        self.seen.append(message)
        return TurnResult("c", replies=(Reply(text=f"got {message.text}", voice_text=f"heard {message.text}",
                                              choices=(Choice("Station 12", "charger:CP-1042"),)),))


def test_a_number_picks_the_offered_choice_and_the_deep_link_counts_once() -> None:
    engine = Echo()
    chat = TerminalChat(engine, charger="CP-1042")
    assert chat.say("it won't start") == "got it won't start\n  [1] Station 12"
    chat.say("1")
    first, second = engine.seen
    assert first.charger_hint == "CP-1042" and first.channel == "webchat"
    assert second.button == "charger:CP-1042" and second.text == "Station 12" and second.charger_hint is None


def test_the_repl_stops_on_quit_and_skips_empty_lines() -> None:
    lines = iter(["hello", "", "quit", "never read"])
    out: list[str] = []
    engine = Echo()
    run_repl(TerminalChat(engine), read=lambda prompt: next(lines), write=out.append)
    assert out == [TerminalChat.intro, "got hello\n  [1] Station 12"]
    assert [m.text for m in engine.seen] == ["hello"]
