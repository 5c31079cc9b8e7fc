from bot.channels.ratelimit import ContactRateLimiter


def test_a_contact_over_its_budget_is_held_back_until_the_window_passes() -> None:
    now = [0.0]
    limiter = ContactRateLimiter(limit=3, window=60, clock=lambda: now[0])
    assert [limiter.allow("sms", "+491") for _ in range(4)] == [True, True, True, False]
    assert limiter.allow("sms", "+492") is True  # others are not affected
    assert limiter.allow("telegram", "+491") is True
    now[0] = 61.0
    assert limiter.allow("sms", "+491") is True
