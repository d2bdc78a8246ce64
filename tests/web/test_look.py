"""Issue 16, points 6, 7, 10, agencies' own colours and « Mes données »: the
portal as a tenant meets it, page by page (Starlette's test client)."""

from __future__ import annotations

import html
import re
from urllib.parse import quote

from application.account_import import AccountImport
from tests.application.test_logos import png
from tests.web.conftest import PASSWORD, Portal

SVG = b'<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 10 10" onload="x()"><rect width="10" height="10"/></svg>'


def named(
    portal: Portal, agency_name: str = "Agence du Parc", prop: str = "12 rue des Lilas, Lyon", **codes: str
) -> dict[str, str]:
    """A contract imported with the later columns, then activated through the pages."""
    creds = portal.activated(**codes)
    account = portal.container.directory.account(creds["client"], creds["societe"], creds["login_id"])
    assert account is not None
    row = {
        "client_code": creds["client"], "company_code": creds["societe"], "login_id": creds["login_id"],
        "provisional_password": creds["provisional_password"], "email": creds["email"],
        "holder_name": account.holder_name, "role": "tenant", "agency_name": agency_name, "property": prop,
    }
    assert portal.container.importer.run([(2, row)]).updated == 1
    return creds


def text(page: str) -> str:
    """The page's words as a person reads them: tags gone, entities read."""
    return html.unescape(re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", page)))


def main(page: str) -> str:
    return text(page.split("<main", 1)[1].split("</main>", 1)[0])


# -- 6. contracts people recognise -------------------------------------------

def test_a_contract_is_named_by_its_property_and_agency_everywhere(portal: Portal) -> None:
    creds = named(portal)
    portal.log_in(creds["email"])
    me = portal.container.sessions.me(portal.container.sessions.current(portal.client.cookies["sesame"]))  # type: ignore[arg-type]
    first = me["accounts"][0]
    assert first["property"] == "12 rue des Lilas, Lyon" and first["agency_name"] == "Agence du Parc"
    space = main(portal.client.get("/espace").text)
    assert "Vous consultez 12 rue des Lilas, Lyon Agence du Parc" in space and "agence AG1" not in space
    cards = main(portal.client.get("/biens").text)
    assert "12 rue des Lilas, Lyon Agence du Parc" in cards and "Codes de l'agence client AG1, société SOC1" in cards
    history = main(portal.client.get("/profil/historique").text)
    assert "Bien rattaché au compte : 12 rue des Lilas, Lyon · Agence du Parc" in history


def test_without_the_columns_a_contract_is_named_plainly_never_by_codes(portal: Portal) -> None:
    creds = portal.activated()
    portal.log_in(creds["email"])
    space = main(portal.client.get("/espace").text)
    assert f"Bien de l'identifiant {creds['login_id']} Votre agence" in space
    assert "agence AG1 / SOC1" not in space


def test_the_agencys_own_name_stands_in_for_an_empty_column(portal: Portal) -> None:
    portal.container.agencies.set("AG1/SOC1", "Immobilière du Rhône")
    creds = portal.activated()
    portal.log_in(creds["email"])
    assert "Immobilière du Rhône" in main(portal.client.get("/biens").text)


def test_switching_says_which_property_is_shown_and_linking_names_it(portal: Portal) -> None:
    creds = named(portal)
    other = portal.contract(client="AG2", company="SOC2")
    portal.log_in(creds["email"])
    linked = portal.submit("/biens/ajouter", **portal.provisional(other))
    notice = main(portal.client.get(linked.headers["location"]).text)
    assert f"Bien rattaché à votre compte : Bien de l'identifiant {other['login_id']} · votre agence." in notice
    mail = portal.wait_for_mail(creds["email"], count=2)
    body = mail.get_body(("plain",)).get_content()  # type: ignore[union-attr]
    assert "bien" in mail["Subject"] and f"Bien de l'identifiant {other['login_id']}" in body
    first = portal.container.directory.account("AG1", "SOC1", creds["login_id"])
    assert first is not None
    portal.submit("/biens", "/biens/afficher", account=str(first.id))
    shown = main(portal.client.get("/espace?info=consulte").text)
    assert "Vous consultez : 12 rue des Lilas, Lyon · Agence du Parc." in shown


def test_one_entry_point_named_mes_biens(portal: Portal) -> None:
    creds = portal.activated()
    portal.log_in(creds["email"])
    for path in ("/espace", "/biens", "/profil"):
        page = portal.client.get(path).text
        assert "Changement de bien" not in page and ">Mes biens<" in page, path


def test_old_csv_files_without_the_new_columns_still_import(portal: Portal) -> None:
    row = {
        "client_code": "AG9", "company_code": "SOC9", "login_id": "OLD1", "provisional_password": "123456", "email": "",
        "holder_name": "Ancien Format", "role": "owner",
    }
    importer: AccountImport = portal.container.importer
    assert importer.run([(2, row)]).added == 1
    report = importer.run([(2, {**row, "property": "x" * 201})])
    assert report.rejected[0]["reason"].startswith("bien invalide")


# -- 7. where am I? ------------------------------------------------------------

def test_the_header_says_who_is_signed_in_on_every_page_and_marks_the_current_one(portal: Portal) -> None:
    creds = portal.activated()
    portal.log_in(creds["email"])
    for path, current in (("/espace", "Mon espace"), ("/biens", "Mes biens"), ("/profil/securite", "Sécurité"),
                          ("/profil/email", "Profil"), ("/cgu", None), ("/aide", None)):
        page = portal.client.get(path).text
        assert f"Connecté : {creds['email']}" in text(page) and ">Déconnexion</button>" in page, path
        marked = re.findall(r'<a href="[^"]+" aria-current="page">([^<]+)</a>', page)
        assert marked == ([current] if current else []), (path, marked)


def test_welcome_and_login_lead_a_signed_in_person_to_their_space(portal: Portal) -> None:
    creds = portal.activated()
    assert portal.client.get("/", follow_redirects=False).status_code == 200
    portal.log_in(creds["email"])
    for path in ("/", "/login", "/login?client=AG1&societe=SOC1"):
        answer = portal.client.get(path, follow_redirects=False)
        assert answer.status_code == 303 and answer.headers["location"] == "/espace", path


def test_a_deep_link_followed_while_signed_out_is_where_signing_in_lands(portal: Portal) -> None:
    creds = portal.activated()
    asked = portal.client.get("/profil/historique", follow_redirects=False)
    assert asked.headers["location"] == "/login?next=" + quote("/profil/historique", safe="")
    page = portal.client.get(asked.headers["location"]).text
    assert 'name="next" value="/profil/historique"' in page
    token = re.search(r'name="csrf" value="([^"]+)"', page).group(1)  # type: ignore[union-attr]
    signed = portal.client.post("/login", data={
        "csrf": token, "email": creds["email"], "password": PASSWORD, "next": "/profil/historique",
    }, follow_redirects=False)
    assert signed.headers["location"] == "/profil/historique"
    hostile = portal.client.post("/login", data={
        "csrf": portal.csrf("/aide"), "email": creds["email"], "password": PASSWORD, "next": "//evil.test/profil",
    }, follow_redirects=False)
    assert hostile.headers["location"] == "/espace"


def test_the_deleted_account_page_shows_no_signed_in_menu(portal: Portal) -> None:
    creds = portal.activated()
    portal.log_in(creds["email"])
    gone = portal.submit("/profil/supprimer", password=PASSWORD, confirm="oui")
    assert "Compte supprimé" in gone.text
    assert "Connecté" not in gone.text and "account-nav" not in gone.text and "/deconnexion" not in gone.text


# -- 10. look ------------------------------------------------------------------

def test_french_punctuation_never_wraps_alone(portal: Portal) -> None:
    raw = portal.client.get("/login?info=deconnecte").content.decode()
    assert "À bientôt\u00a0!" in raw and "Besoin d'aide pour se connecter\u00a0?" in raw
    words = html.unescape(re.sub(r"[ \t\r\n]+", " ", re.sub(r"<[^>]+>", " ", raw)))
    assert re.search(r"\w [:;?!»]", words) is None and re.search(r"« ", words) is None
    welcome = portal.client.get("/").content.decode()
    assert "«\u00a0" in welcome or "«" not in welcome


def test_dates_are_written_in_words(portal: Portal) -> None:
    creds = portal.activated()
    portal.log_in(creds["email"])
    assert "version du 1er novembre 2026" in text(portal.client.get("/profil").text)
    history = main(portal.client.get("/profil/historique").text)
    assert re.search(r"\d{1,2}(er)? \w+ 20\d\d à \d{1,2} h \d\d", history)
    assert not re.search(r"\d{2}/\d{2}/\d{4}", history)
    assert "version du 1er novembre 2026" in history


def test_destructive_buttons_look_dangerous(portal: Portal) -> None:
    creds = portal.activated()
    portal.container.sessions.log_in(creds["email"], PASSWORD)  # another device, to disconnect
    portal.log_in(creds["email"])
    assert 'class="danger strong">Supprimer mon compte' in portal.client.get("/profil/supprimer").text
    assert 'class="button danger" href="/profil/securite/fermer-autres">Déconnecter les autres appareils' in (
        portal.client.get("/profil/securite").text
    )


def test_the_cgu_offer_imprimer(portal: Portal) -> None:
    page = portal.client.get("/cgu").text
    assert "data-print" in page and ">Imprimer</button>" in page


# -- agencies' own colours -------------------------------------------------------

def test_an_agencys_sign_in_page_bears_its_name_logo_and_colour(portal: Portal) -> None:
    look = portal.container.agencies.set("ag1/soc1", "Agence du Parc", "#7a1f5c", (SVG, "parc.svg"))
    page = portal.client.get("/login?client=AG1&societe=SOC1").text
    assert "Agence du Parc" in page and f'<body class="{look.key}">' in page
    assert f'href="/agences/AG1/SOC1/couleurs.css?v={look.version}"' in page
    assert 'src="/agences/AG1/SOC1/logo?v=' in page
    css = portal.client.get("/agences/AG1/SOC1/couleurs.css")
    assert css.headers["content-type"].startswith("text/css") and f".{look.key} {{ --brand: #7a1f5c;" in css.text
    logo = portal.client.get("/agences/AG1/SOC1/logo")
    assert logo.headers["content-type"] == "image/svg+xml" and logo.headers["x-content-type-options"] == "nosniff"
    assert "default-src 'none'" in logo.headers["content-security-policy"] and b"onload" not in logo.content
    plain = portal.client.get("/login").text
    assert "Agence du Parc" not in plain and "<body>" in plain and "couleurs.css" not in plain
    assert portal.client.get("/agences/XX/YY/logo").status_code == 404


def test_a_png_logo_is_served_as_such(portal: Portal) -> None:
    portal.container.agencies.set("AG1/SOC1", "Agence du Parc", logo=(png(), "parc.png"))
    logo = portal.client.get("/agences/AG1/SOC1/logo")
    assert logo.headers["content-type"] == "image/png" and logo.content == png()


def test_a_contract_card_and_its_mails_wear_the_agencys_colours(portal: Portal) -> None:
    look = portal.container.agencies.set("AG1/SOC1", "Agence du Parc", "#7a1f5c")
    creds = named(portal, agency_name="")
    mail = portal.wait_for_mail(creds["email"])
    assert mail["Subject"].startswith("Agence du Parc – ")
    assert "#7a1f5c" in mail.get_body(("html",)).get_content()  # type: ignore[union-attr]
    portal.log_in(creds["email"])
    cards = portal.client.get("/biens").text
    assert f'class="contract {look.key} current"' in cards and "Agence du Parc" in cards


# -- « Mes données » readable ---------------------------------------------------------

def test_my_data_reads_as_a_printable_french_page(portal: Portal) -> None:
    creds = named(portal)
    portal.log_in(creds["email"])
    page = portal.client.get("/profil/mes-donnees")
    words = main(page.text)
    assert page.status_code == 200 and "data-print" in page.text
    for heading in ("Mon compte", "Mes biens", "Mes consentements", "Applications connectées",
                    "Consultations par le support", "Historique de mon compte"):
        assert heading in words, heading
    assert "12 rue des Lilas, Lyon" in words and "Agence du Parc" in words and creds["email"] in words
    assert "version du 1er novembre 2026" in words and "Bien rattaché au compte" in words
    assert "/profil/mes-donnees" in portal.client.get("/profil").text

