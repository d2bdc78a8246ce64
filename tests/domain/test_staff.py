"""Staff roles and agency scope; the access log of a person's data."""

from __future__ import annotations

from uuid import uuid4

import pytest

from domain.access_log import AccessLog, log_id
from domain.staff import InvalidStaff, StaffMember


def test_agency_staff_see_only_their_codes() -> None:
    agent = StaffMember("Agence Dupont", "agency", "AG1", "SOC1", "n")
    assert agent.sees_agency("AG1", "SOC1") and not agent.sees_agency("AG2", "SOC1")
    assert StaffMember("Support", "support", "", "", "n").sees_agency("AG2", "SOC1")


@pytest.mark.parametrize(
    ("role", "client", "company"), [("agency", "", ""), ("support", "AG1", "SOC1"), ("admin", "", "")]
)
def test_roles_and_agencies_must_agree(role: str, client: str, company: str) -> None:
    with pytest.raises(InvalidStaff):
        StaffMember("x", role, client, company, "n")


def test_a_renewed_token_replaces_the_nonce() -> None:
    member = StaffMember("Support", "support", "", "", "n1")
    member.renew_token("n2")
    assert member.token_nonce == "n2"
    assert [type(e).__name__ for e in member.collect_events()] == ["Added", "TokenRenewed"]


def test_the_access_log_of_an_identity_has_a_derived_id_and_records_reads() -> None:
    identity = uuid4()
    log = AccessLog(identity)
    assert log.id == log_id(identity)
    staff = uuid4()
    log.record_read(staff, "Claire Support", "support", "support profile")
    assert log.reads == [
        {"staff_id": str(staff), "staff_name": "Claire Support", "role": "support", "what": "support profile"}
    ]
