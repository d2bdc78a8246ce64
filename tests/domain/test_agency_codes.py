"""Agency codes and login ids compare in one form, whatever the case and spaces."""

from __future__ import annotations

from domain.agency_codes import agency_pair, canonical_code, same_agency
from domain.staff import StaffMember


def test_a_code_in_any_case_and_with_spaces_has_one_form() -> None:
    assert canonical_code(" loc 001234 ") == canonical_code("LOC001234") == "LOC001234"
    assert agency_pair("aglyon/ soc01") == ("AGLYON", "SOC01")


def test_an_agency_is_the_same_whatever_the_case_its_codes_are_written_in() -> None:
    assert same_agency(("aglyon", "soc01"), "AGLYON", "SOC01")
    assert not same_agency(("AGLYON", "SOC01"), "AGLYON", "SOC02")
    member = StaffMember("Agence", "agency", "AGLYON", "SOC01", "n")
    assert member.sees_agency("aglyon", " soc01") and not member.sees_agency("AGPARIS", "SOC01")
