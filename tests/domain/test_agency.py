"""Agency: an agency's look, its colour kept within the portal's accessible palette."""

from __future__ import annotations

import pytest

from domain.agency import Agency, InvalidLook, check_colour, worst_contrast


def test_the_same_codes_in_any_case_address_the_same_agency() -> None:
    assert Agency.create_id("aglyon ", "soc01") == Agency.create_id("AGLYON", "SOC01")


def test_setting_the_same_look_again_records_nothing() -> None:
    agency = Agency.register("AG1", "SOC1", "Agence du Parc", "#0B4F8A")
    assert agency.colour == "#0b4f8a"
    agency.collect_events()
    assert agency.restyle("Agence  du Parc", "#0b4f8a") is False
    assert agency.restyle("Agence du Parc", "") is True
    assert [type(e).__name__ for e in agency.collect_events()] == ["Restyled"] and agency.colour == ""


def test_a_colour_too_light_for_white_text_is_refused_with_a_darker_one_offered() -> None:
    with pytest.raises(InvalidLook) as refused:
        check_colour("#ffcc00")
    message = str(refused.value)
    assert "trop claire" in message and "4,5:1" in message
    offered = message.rsplit(" ", 1)[-1]
    assert worst_contrast(offered) >= 4.5 and check_colour(offered) == offered


@pytest.mark.parametrize("colour", ["0b4f8a", "#0b4f8", "#0b4f8g", "bleu"])
def test_a_colour_is_written_hash_and_six_hex_digits(colour: str) -> None:
    with pytest.raises(InvalidLook):
        check_colour(colour)


def test_an_agency_needs_a_name() -> None:
    with pytest.raises(InvalidLook):
        Agency.register("AG1", "SOC1", "  ")
