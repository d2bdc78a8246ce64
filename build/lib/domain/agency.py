"""Agency: how one agency's clients know it — its name, logo and accent colour.

The portal is white-label: a person who opens the sign-in address of their
agency, or reads one of their contracts, sees that agency's name, logo and
colour. The colour must stay within the portal's accessible palette: it is
used for white text on buttons and the banner, and for links on the page's
light background, so it must contrast at least 4.5:1 (WCAG 2.2 AA) with both.
A colour too light is refused, with the nearest darker one that passes.

An agency is addressed by its codes (client, company): its id is derived
from them, so setting its look again updates the same aggregate. The logo,
checked and cleaned by the application, travels in the event: a logo is a few
kilobytes and an agency changes it rarely.
"""

from __future__ import annotations

import re
from uuid import NAMESPACE_URL, UUID, uuid5

from eventsourcing.domain import Aggregate, event

from domain.errors import DomainError

BACKGROUNDS = ("#ffffff", "#f2f4f7")  # the card, and the page around it (web/static/sesame.css)
MIN_CONTRAST = 4.5
MAX_NAME = 120
COLOUR = re.compile(r"#[0-9a-fA-F]{6}")
LOGO_TYPES = ("image/png", "image/svg+xml")


class InvalidLook(DomainError):
    code = "invalid_request"


def canonical_codes(client_code: str, company_code: str) -> tuple[str, str]:
    return client_code.strip().upper(), company_code.strip().upper()


def _luminance(colour: str) -> float:
    """Relative luminance (WCAG 2.2, definition)."""
    channels = [int(colour[i:i + 2], 16) / 255 for i in (1, 3, 5)]
    linear = [c / 12.92 if c <= 0.04045 else ((c + 0.055) / 1.055) ** 2.4 for c in channels]
    return 0.2126 * linear[0] + 0.7152 * linear[1] + 0.0722 * linear[2]


def contrast(first: str, second: str) -> float:
    """WCAG contrast ratio of two #rrggbb colours, 1 to 21."""
    high, low = sorted((_luminance(first), _luminance(second)), reverse=True)
    return (high + 0.05) / (low + 0.05)


def worst_contrast(colour: str) -> float:
    """The colour's contrast with the lightest text or background it meets."""
    return min(contrast(colour, background) for background in BACKGROUNDS)


def darker(colour: str, factor: float) -> str:
    """The colour with each channel scaled by ``factor`` (0..1)."""
    return "#" + "".join(f"{round(int(colour[i:i + 2], 16) * factor):02x}" for i in (1, 3, 5))


def darkest_passing(colour: str) -> str:
    """The lightest shade of ``colour`` that passes: the suggestion for a refused one."""
    factor = 1.0
    while worst_contrast(darker(colour, factor)) < MIN_CONTRAST:
        factor -= 0.02
    return darker(colour, factor)


def check_colour(colour: str) -> str:
    """The accent colour in lower case, or InvalidLook saying what to choose."""
    if not COLOUR.fullmatch(colour):
        raise InvalidLook(f"couleur « {colour[:20]} » invalide : écrivez-la #RRGGBB (par exemple #0b4f8a)")
    colour = colour.lower()
    ratio = worst_contrast(colour)
    if ratio < MIN_CONTRAST:
        shown = f"{ratio:.1f}".replace(".", ",")
        raise InvalidLook(
            f"la couleur {colour} est trop claire : contraste de {shown}:1 avec le blanc et le fond des pages, "
            f"il en faut au moins 4,5:1 pour qu'un texte reste lisible ; essayez {darkest_passing(colour)}"
        )
    return colour


def hover_colour(colour: str) -> str:
    """The accent's darker shade, for buttons under the pointer."""
    return darker(colour, 0.75)


class Agency(Aggregate):
    """One agency's look; codes in their canonical form (upper case, trimmed)."""

    @staticmethod
    def create_id(client_code: str, company_code: str, **_: object) -> UUID:
        client, company = canonical_codes(client_code, company_code)
        return uuid5(NAMESPACE_URL, f"sesame:agency:{client}/{company}")

    class Registered(Aggregate.Created):
        client_code: str
        company_code: str
        name: str
        colour: str
        logo_type: str
        logo: str

    class Restyled(Aggregate.Event):
        name: str
        colour: str
        logo_type: str
        logo: str

    @event(Registered)
    def __init__(
        self, client_code: str, company_code: str, name: str, colour: str, logo_type: str, logo: str
    ) -> None:
        self.client_code, self.company_code = canonical_codes(client_code, company_code)
        self._apply(name, colour, logo_type, logo)

    @classmethod
    def register(
        cls, client_code: str, company_code: str, name: str, colour: str = "", logo_type: str = "", logo: str = ""
    ) -> Agency:
        """A new agency look, its values checked."""
        client, company = canonical_codes(client_code, company_code)
        if not client or not company:
            raise InvalidLook("l'agence s'écrit CLIENT/SOCIETE")
        return cls(client, company, *_checked(name, colour, logo_type, logo))

    def restyle(self, name: str, colour: str = "", logo_type: str = "", logo: str = "") -> bool:
        """Set the look again, exactly as given; False when nothing changed."""
        values = _checked(name, colour, logo_type, logo)
        if values == (self.name, self.colour, self.logo_type, self.logo):
            return False
        self._restyled(*values)
        return True

    @event(Restyled)
    def _restyled(self, name: str, colour: str, logo_type: str, logo: str) -> None:
        self._apply(name, colour, logo_type, logo)

    def _apply(self, name: str, colour: str, logo_type: str, logo: str) -> None:
        self.name = name
        self.colour = colour
        self.logo_type = logo_type
        self.logo = logo


def _checked(name: str, colour: str, logo_type: str, logo: str) -> tuple[str, str, str, str]:
    name = " ".join(name.split())
    if not name:
        raise InvalidLook("le nom de l'agence est obligatoire (--name)")
    if len(name) > MAX_NAME or "\x00" in name:
        raise InvalidLook(f"le nom de l'agence compte {MAX_NAME} caractères au plus")
    if bool(logo) != bool(logo_type) or (logo_type and logo_type not in LOGO_TYPES):
        raise InvalidLook("le logo est une image PNG ou SVG")
    return name, check_colour(colour) if colour else "", logo_type, logo
