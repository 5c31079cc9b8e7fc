import logging

from bot.logs import MaskingFilter, mask_id_tag, mask_phone, mask_text


def test_phone_numbers_keep_country_code_and_last_three_digits() -> None:
    assert mask_phone("+4915112345789") == "+49******789"
    assert mask_phone("whatsapp:+4915112345789") == "whatsapp:+49******789"
    assert mask_phone("") == ""


def test_id_tags_keep_two_characters_at_each_end() -> None:
    assert mask_id_tag("04A2B3C4D5") == "04******D5"
    assert mask_id_tag("ABC") == "***"


def test_free_text_is_masked() -> None:
    assert mask_text("sms from +4915112345789 to +12025550123") == "sms from +49******789 to +12******123"
    assert mask_text("charger CP-1042 at 150 kW") == "charger CP-1042 at 150 kW"


def test_log_records_are_masked_before_they_are_written() -> None:
    record = logging.LogRecord("t", logging.INFO, __file__, 1, "inbound from %s", ("+4915112345789",), None)
    MaskingFilter().filter(record)
    assert record.getMessage() == "inbound from +49******789"
