"""email-validator's reasons, in French: the one place a refused address is explained.

The library words its reasons in English (« The part after the @-sign is not
valid. It should have a period. »); a person reads them in French, on the
portal and in the API's ``message`` alike, since both go through
``emails.normalize_email``. Each reason is recognised by how it begins; one
not listed here (a newer version's) gets the general sentence, never English.
"""

from __future__ import annotations

LEAD = "Adresse email invalide : "
GENERAL = LEAD + "vérifiez-la (par exemple prenom.nom@exemple.fr)."

# (how the library's reason begins, what the person reads), most specific first.
REASONS: tuple[tuple[str, str], ...] = (
    (
        "An email address must have an @-sign",
        "Il manque le signe @ dans l'adresse email (par exemple prenom.nom@exemple.fr).",
    ),
    ("There must be something before the @-sign", "Il manque la partie avant le signe @."),
    ("There must be something after the @-sign", "Il manque la partie après le signe @ (par exemple exemple.fr)."),
    (
        "The part after the @-sign is not valid. It should have a period",
        "Le domaine après le signe @ doit comporter un point (par exemple exemple.fr).",
    ),
    (
        "The part after the @-sign is not valid. It is not within a valid top-level domain",
        "Le domaine après le signe @ ne se termine pas par une extension connue (.fr, .com…).",
    ),
    (
        "The part after the @-sign is a special-use or reserved name",
        "Le domaine après le signe @ est réservé : il ne peut pas recevoir d'email.",
    ),
    ("The part after the @-sign", "Le domaine après le signe @ contient des caractères non permis."),
    (
        "After the @-sign, periods cannot be separated by so many characters",
        "Une partie du domaine après le signe @ est trop longue.",
    ),
    (
        "An email address cannot have two periods in a row",
        "L'adresse email ne peut pas contenir deux points à la suite.",
    ),
    (
        "An email address cannot have a period and a hyphen next to each other",
        "L'adresse email ne peut pas contenir un point et un tiret côte à côte.",
    ),
    (
        "An email address cannot have two letters followed by two dashes",
        "L'adresse email ne peut pas contenir deux tirets à la suite à cet endroit.",
    ),
    ("An email address cannot start with a", "L'adresse email ne peut pas commencer par un point ou un tiret."),
    (
        "An email address cannot have a period immediately before the @-sign",
        "Il ne peut pas y avoir de point juste avant le signe @.",
    ),
    (
        "An email address cannot have a hyphen immediately before the @-sign",
        "Il ne peut pas y avoir de tiret juste avant le signe @.",
    ),
    (
        "An email address cannot have a period immediately after the @-sign",
        "Il ne peut pas y avoir de point juste après le signe @.",
    ),
    (
        "An email address cannot have a hyphen immediately after the @-sign",
        "Il ne peut pas y avoir de tiret juste après le signe @.",
    ),
    ("An email address cannot end with a", "L'adresse email ne peut pas se terminer par un point ou un tiret."),
    (
        "The email address is too long before the @-sign",
        "La partie avant le signe @ est trop longue (64 caractères au plus).",
    ),
    ("The email address is too long after the @-sign", "Le domaine après le signe @ est trop long."),
    ("The email address is too long", "L'adresse email est trop longue."),
    (
        'The email address has the "small commercial at" character',
        "L'adresse contient un « @ » qui n'est pas le signe @ habituel : retapez-le.",
    ),
    (
        "The email address contains invalid characters before the @-sign",
        "La partie avant le signe @ contient des caractères non permis (espaces, accents ou symboles).",
    ),
    (
        "Internationalized characters before the @-sign are not supported",
        "La partie avant le signe @ ne peut pas contenir d'accents.",
    ),
    (
        "The email address contains unsafe characters",
        "L'adresse email contient des caractères invisibles ou non permis.",
    ),
    ("The email address contains", "L'adresse email contient des caractères non permis."),
    ("There can't be anything after the email address", "Rien ne doit suivre l'adresse email."),
    ("A display name and angle brackets", "Saisissez l'adresse seule, sans nom ni chevrons < >."),
    ("An open angle bracket", "Saisissez l'adresse seule, sans nom ni chevrons < >."),
    (
        "Quoting the part before the @-sign is not allowed",
        "La partie avant le signe @ ne peut pas être entre guillemets.",
    ),
    (
        "A bracketed IP address after the @-sign is not allowed",
        "Le domaine après le signe @ doit être un nom, pas une adresse IP.",
    ),
    ("The email address is not valid ASCII", "L'adresse email contient des caractères non permis."),
)


def in_french(reason: str) -> str:
    """What a person reads for one of email-validator's reasons."""
    for english, french in REASONS:
        if reason.startswith(english):
            return LEAD + french[0].lower() + french[1:]
    return GENERAL
