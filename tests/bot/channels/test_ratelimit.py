from bot.channels.ratelimit import ContactRateLimiter


def test_a_contact_over_its_budget_is_held_back_until_the_window_passes() -> None:
    now = [0.0]
    limiter = ContactRateLimiter(limit=3, window=60, clock=lambda: now[0])
    assert [limiter.allow("sms", "+491") for _ in range(4)] == [True, True, True, False]
    assert limiter.allow("sms", "+492") is True  # others are not affected
    assert limiter.allow("telegram", "+491") is True
    now[0] = 61.0
    assert limiter.allow("sms", "+491") is True


def _contact() -> str:
    import uuid

    return f"+4915{uuid.uuid4().int % 10**9:09d}"


def test_processes_sharing_redis_share_one_budget(redis_url_or_skip: str) -> None:
    from bot.channels.ratelimit import RedisRateLimiter

    now = [1_000_000.0]
    first, second = (RedisRateLimiter(redis_url_or_skip, limit=3, window=60, clock=lambda: now[0])
                     for _ in range(2))  # two web workers
    driver = _contact()
    assert [first.allow("sms", driver), second.allow("sms", driver), first.allow("sms", driver)] == [True] * 3
    assert second.allow("sms", driver) is False and first.allow("sms", driver) is False
    assert second.allow("sms", _contact()) is True  # others are not affected
    assert second.allow("whatsapp", driver) is True
    now[0] += 61
    assert second.allow("sms", driver) is True  # the window moved on


def test_without_redis_each_process_still_counts() -> None:
    import socket

    from bot.channels.ratelimit import RedisRateLimiter

    with socket.socket() as s:  # a port where nothing listens
        s.bind(("127.0.0.1", 0))
        dead = f"redis://127.0.0.1:{s.getsockname()[1]}/0"
    limiter = RedisRateLimiter(dead, limit=2, window=60)
    driver = _contact()
    assert [limiter.allow("sms", driver) for _ in range(3)] == [True, True, False]


def test_over_the_budget_wait_says_when_the_oldest_message_leaves_the_window() -> None:
    now = [100.0]
    limiter = ContactRateLimiter(limit=2, window=10, clock=lambda: now[0])
    assert limiter.wait("webchat", "s1") == 0.0
    now[0] = 103.0
    assert limiter.wait("webchat", "s1") == 0.0
    now[0] = 104.5
    assert limiter.wait("webchat", "s1") == 5.5  # the first message counts until 110
    assert limiter.wait("webchat", "s1") == 5.5  # a refused message is not counted
    now[0] = 110.0
    assert limiter.wait("webchat", "s1") == 0.0


def test_redis_says_how_long_to_wait_too(redis_url_or_skip: str) -> None:
    from bot.channels.ratelimit import RedisRateLimiter

    now = [2_000_000.25]
    limiter = RedisRateLimiter(redis_url_or_skip, limit=2, window=10, clock=lambda: now[0])
    driver = _contact()
    assert [limiter.wait("webchat", driver), limiter.wait("webchat", driver)] == [0.0, 0.0]
    now[0] += 4.5
    assert abs(limiter.wait("webchat", driver) - 5.5) < 1e-6
    now[0] += 5.5
    assert limiter.wait("webchat", driver) == 0.0
