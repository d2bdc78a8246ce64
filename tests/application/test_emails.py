"""The plain-ASCII fast path of ``normalize_email`` agrees with email-validator (issue 17)."""

from __future__ import annotations

from email_validator import EmailNotValidError, validate_email
from hypothesis import example, given, settings
from hypothesis import strategies as st

from application.emails import PLAIN, normalize_email, plain_email

LABEL = st.from_regex(r"[A-Za-z0-9-]{1,70}", fullmatch=True)
NEAR_PLAIN = st.builds(  # addresses close to the pattern's edges: dashes, long labels, reserved names
    "{}@{}.{}".format,
    st.from_regex(r"[A-Za-z0-9._+-]{1,70}", fullmatch=True),
    st.lists(LABEL, min_size=1, max_size=3).map(".".join),
    st.sampled_from(["fr", "com", "test", "local", "onion", "arpa", "invalid", "localhost", "x", "f1", "a" * 64]),
)


@settings(max_examples=1000, deadline=None)
@given(st.one_of(st.from_regex(PLAIN, fullmatch=True), NEAR_PLAIN, st.emails(), st.text(max_size=80)))
@example("Jean.Dupont@Exemple.FR")
@example("ab--cd@exemple.fr")
@example("jean@xn--exemple.fr")
@example("jean@mail.onion")
def test_every_address_the_fast_path_accepts_email_validator_accepts_alike(address: str) -> None:
    plain = plain_email(address)
    if plain is None:
        return
    try:
        checked = validate_email(address, check_deliverability=False)
    except EmailNotValidError as error:
        raise AssertionError(f"fast path accepted {address!r}, email-validator refused: {error}") from None
    assert plain == checked.normalized.casefold()


def test_the_fast_path_takes_the_common_case() -> None:
    assert plain_email("Client42@Exemple.fr") == "client42@exemple.fr"
    assert normalize_email("  Jean.Dupont+agence@Mail.Exemple.FR ") == "jean.dupont+agence@mail.exemple.fr"


def test_what_it_leaves_goes_through_email_validator() -> None:
    assert plain_email("jérôme@exemple.fr") is None
    assert normalize_email("Jérôme@Exemple.fr") == "jérôme@exemple.fr"
    assert plain_email("jean@exemple.test") is None
