"""Where tenants stumbled (issue 16): codes in any case, every error at once,
dead links, a mistyped fusion address, verification loose ends, notices."""

from __future__ import annotations

import re
import time
from html import unescape

from tests.e2e.harness import wait_until
from tests.web.conftest import PASSWORD, Portal
from tests.web.test_pages import alert, error_of


def summary_links(html: str) -> list[str]:
    """The fields the error summary at the top links to, in order."""
    box = re.search(r'<div class="alert alert-error error-summary".*?</div>', html, re.DOTALL)
    assert box, "no error summary"
    assert "Il y a un problème" in box.group(0)
    return re.findall(r'<a href="#f-([\w-]+)">', box.group(0))


def title(html: str) -> str:
    match = re.search(r"<title>(.*?)</title>", html)
    assert match
    return match.group(1)


# -- 1. codes in any case ------------------------------------------------------


def test_codes_typed_in_lower_case_and_with_spaces_open_the_activation(portal: Portal) -> None:
    creds = portal.contract(client="AGLYON", company="SOC01")
    typed = {
        "client": " aglyon",
        "societe": "soc01 ",
        "login_id": creds["login_id"].lower(),
        "provisional_password": creds["provisional_password"],
    }
    assert portal.submit("/activation", **typed).headers["location"] == "/activation/email"


def test_wrong_provisional_credentials_are_told_at_the_top_of_the_form(portal: Portal) -> None:
    creds = portal.contract()
    wrong = portal.submit("/activation", **{**portal.provisional(creds), "provisional_password": "999999"})
    assert wrong.status_code == 401 and alert(wrong.text) == "Identifiant ou mot de passe incorrect."
    assert 'id="f-provisional_password-error"' not in wrong.text and title(wrong.text).startswith("Erreur : ")


# -- 3. every error at once ----------------------------------------------------


def test_the_password_step_tells_every_problem_at_once_and_keeps_no_password(portal: Portal) -> None:
    creds = portal.contract()
    portal.submit("/activation", **portal.provisional(creds))
    portal.submit("/activation/email", email=creds["email"])
    page = portal.submit("/activation/mot-de-passe", password="abc", password_confirmation="abd")
    assert page.status_code == 422
    assert summary_links(page.text) == ["password", "password_confirmation", "accept_terms"]  # the form's order
    assert "critères" in error_of(page.text, "password")
    assert error_of(page.text, "password_confirmation") == "Les deux mots de passe ne sont pas identiques."
    assert "CGU" in error_of(page.text, "accept_terms")
    assert re.search(r'<input id="f-password"[^>]*aria-describedby="[^"]*f-password-error', page.text)
    assert title(page.text) == "Erreur : Mot de passe – Mon compte immobilier"
    assert 'value="abc"' not in page.text and 'value="abd"' not in page.text  # passwords are not echoed back (GOV.UK)
    assert 'data-criterion="uppercase" class="unmet"' in page.text
    assert "autofocus" in re.search(r'<div class="alert alert-error error-summary"[^>]*>', page.text).group(0)  # type: ignore[union-attr]


def test_a_form_without_error_has_a_plain_title(portal: Portal) -> None:
    page = portal.client.get("/activation").text
    assert title(page) == "Activer mon compte – Mon compte immobilier" and "error-summary" not in page


def test_every_required_field_is_told_at_once(portal: Portal) -> None:
    empty = portal.submit("/login", email="", password="")
    assert summary_links(empty.text) == ["email", "password"]
    codes = portal.submit("/activation", client="", societe="", login_id="", provisional_password="")
    assert summary_links(codes.text) == ["client", "societe", "login_id", "provisional_password"]


# -- 5. a mistyped address during fusion ------------------------------------------


def test_a_fusion_address_without_account_is_a_warning_with_two_ways_on(portal: Portal) -> None:
    person = portal.activated()
    other = portal.contract(client="AG2", company="SOC2")
    typo = portal.submit("/fusion", email="faute@exemple.fr", **portal.provisional(other))
    assert typo.headers["location"] == "/fusion/aucun-compte"
    page = portal.client.get("/fusion/aucun-compte").text
    assert "alert-warning" in page and "alert-success" not in page and "ok-mark" not in page
    assert "faute@exemple.fr" in page and "Aucun compte personnel" in page
    assert "Corriger l'adresse" in page and 'href="/activation/mot-de-passe">Créer un nouveau compte' in page
    again = portal.submit("/fusion/aucun-compte", email="toujours-faux@exemple.fr")
    assert again.headers["location"] == "/fusion/aucun-compte"
    assert "toujours-faux@exemple.fr" in portal.client.get("/fusion/aucun-compte").text
    corrected = portal.submit("/fusion/aucun-compte", email=person["email"])
    assert corrected.headers["location"] == "/activation/fusion"
    assert "Comptes associés" in portal.submit("/activation/fusion", password=PASSWORD).text


def test_green_is_only_for_what_succeeded(portal: Portal) -> None:
    logged_out = portal.client.get("/login?info=deconnecte").text
    assert "alert-info" in logged_out and "alert-success" not in logged_out
    assert "alert-success" in portal.client.get("/activation?info=reinitialise").text


# -- 2. French only ------------------------------------------------------------------


def test_a_refused_address_is_explained_in_french_on_the_page(portal: Portal) -> None:
    creds = portal.contract()
    portal.submit("/activation", **portal.provisional(creds))
    page = portal.submit("/activation/email", email="prenom.nom@exemple")
    assert error_of(page.text, "email") == (
        "Adresse email invalide : le domaine après le signe @ doit comporter un point (par exemple exemple.fr)."
    )
    assert "@-sign" not in page.text and "period" not in page.text


# -- 8. verification loose ends ----------------------------------------------------


def test_the_waiting_page_and_resend_notice_the_address_was_verified_meanwhile(portal: Portal) -> None:
    creds = portal.awaiting_verification()
    token = portal.link(creds["email"], "/verify-email")
    other_browser = portal.client.cookies.get("activation") or ""
    portal.client.cookies.delete("activation")
    assert "Adresse email validée" in portal.submit(f"/verify-email?token={token}", token=token).text
    portal.client.cookies.set("activation", other_browser)
    waiting = portal.client.get("/activation/verification")
    assert "Adresse vérifiée" in waiting.text and creds["email"] in waiting.text and 'href="/login"' in waiting.text
    assert "Identifiants provisoires" not in waiting.text  # not a blank step 1
    portal.client.cookies.set("activation", other_browser)
    resent = portal.submit("/login", "/activation/renvoyer")
    assert "Adresse vérifiée" in resent.text and "Me connecter" in resent.text


def test_resending_says_the_first_link_no_longer_works(portal: Portal) -> None:
    portal.awaiting_verification()
    resent = portal.submit("/activation/verification", "/activation/renvoyer")
    notice = portal.client.get(resent.headers["location"]).text
    assert "le lien du précédent ne fonctionne plus" in notice and "alert-success" in notice


def test_resetting_the_activation_keeps_the_codes_and_says_what_happened(portal: Portal) -> None:
    creds = portal.awaiting_verification()
    reset = portal.submit("/activation/verification", "/activation/reinitialiser")
    page = unescape(portal.client.get(reset.headers["location"]).text)
    assert "L'activation a été réinitialisée" in page and "les liens déjà envoyés ne fonctionnent plus" in page
    assert f'value="{creds["login_id"]}"' in page and 'name="client" value="AG1"' in page
    assert creds["login_id"] not in reset.headers["location"]  # never in the address
    again = portal.submit(
        "/activation",
        login_id=creds["login_id"],
        client="AG1",
        societe="SOC1",
        provisional_password=creds["provisional_password"],
    )
    assert again.headers["location"] == "/activation/email"


def test_signing_in_before_verifying_offers_to_resend_the_link(portal: Portal) -> None:
    creds = portal.awaiting_verification()
    portal.client.cookies.delete("activation")  # another browser, later
    answer = portal.submit("/login", email=creds["email"], password=PASSWORD)
    assert answer.status_code == 403 and "lien reçu" in alert(answer.text)
    assert 'action="/activation/renvoyer"' in answer.text and "Renvoyer l'email de vérification" in unescape(
        answer.text
    )
    resent = portal.submit("/login", "/activation/renvoyer")
    assert resent.headers["location"] == "/activation/verification?info=renvoye"
    assert creds["email"] in portal.client.get(resent.headers["location"]).text
    portal.wait_for_mail(creds["email"], 2)
    wrong = portal.submit("/login", email=creds["email"], password="Mauvais-1!")
    assert "Renvoyer" not in wrong.text  # only the right password offers it


# -- 9. notices ----------------------------------------------------------------------


def test_a_wrong_login_says_so_and_offers_the_forgotten_password(portal: Portal) -> None:
    wrong = portal.submit(
        "/login?client=AG1&societe=SOC1",
        email="inconnu@exemple.fr",
        password="Secret-123!",
        client="AG1",
        societe="SOC1",
    )
    assert alert(wrong.text) == "Adresse email ou mot de passe incorrect."
    box = re.search(r'<div class="alert alert-error error-summary".*?</div>', wrong.text, re.S).group(0)  # type: ignore[union-attr]
    assert 'href="/mot-de-passe-oublie?client=AG1&amp;societe=SOC1">Mot de passe oublié ?' in box


def test_the_profile_tells_a_wrong_current_password_and_refuses_the_same_one(portal: Portal) -> None:
    creds = portal.activated()
    portal.log_in(creds["email"])
    wrong = portal.submit(
        "/profil/mot-de-passe", current_password="Mauvais-1!", password="court", password_confirmation="autre"
    )
    assert summary_links(wrong.text) == ["current_password", "password", "password_confirmation"]
    assert error_of(wrong.text, "current_password") == "Mot de passe actuel incorrect."
    same = portal.submit(
        "/profil/mot-de-passe", current_password=PASSWORD, password=PASSWORD, password_confirmation=PASSWORD
    )
    assert same.status_code == 422
    assert unescape(error_of(same.text, "password")) == "Choisissez un mot de passe différent de l'actuel."


def test_a_pending_change_of_address_shows_on_the_profile_with_resend_and_cancel(portal: Portal) -> None:
    creds = portal.activated()
    portal.log_in(creds["email"])
    asked = portal.submit(
        "/profil/email",
        new_email="nouvelle@exemple.fr",
        new_email_confirmation="nouvelle@exemple.fr",
        password=PASSWORD,
    )
    assert "Confirmez votre nouvelle adresse" in asked.text
    profile = portal.client.get("/profil").text
    assert "Nouvelle adresse en attente" in profile and "nouvelle@exemple.fr" in profile
    assert "Renvoyer le lien" in profile and "Annuler le changement" in profile
    first = portal.link("nouvelle@exemple.fr", "/confirm-email")
    resent = portal.submit("/profil", "/profil/email/renvoyer")
    assert resent.headers["location"] == "/profil?info=lien-renvoye"
    assert portal.link("nouvelle@exemple.fr", "/confirm-email", 2) != first
    cancelled = portal.submit("/profil", "/profil/email/annuler")
    page = unescape(portal.client.get(cancelled.headers["location"]).text)
    assert "changement d'adresse est annulé" in page and "Nouvelle adresse en attente" not in page


def test_one_pass_on_the_change_of_address(portal: Portal) -> None:
    creds = portal.activated()
    portal.log_in(creds["email"])
    page = portal.submit("/profil/email", new_email="a@exemple.fr", new_email_confirmation="b@exemple.fr", password="")
    assert summary_links(page.text) == ["new_email_confirmation", "password"]
    wrong = portal.submit(
        "/profil/email", new_email="x@exemple", new_email_confirmation="x@exemple", password="Mauvais-1!"
    )
    assert summary_links(wrong.text) == ["new_email", "password"]
    assert (
        "Adresse email invalide" in error_of(wrong.text, "new_email")
        and error_of(wrong.text, "password") == "Mot de passe actuel incorrect."
    )


# -- 4. dead links ----------------------------------------------------------------------


def dead(portal: Portal, path: str) -> tuple[int, str]:
    page = portal.client.get(path)
    assert 'name="password"' not in page.text and 'name="token"' not in page.text  # no form to fill in for nothing
    return page.status_code, unescape(page.text)


def test_a_superseded_or_used_reset_link_opens_on_its_reason_and_one_button(portal: Portal) -> None:
    creds = portal.activated()
    portal.submit("/mot-de-passe-oublie", identifier=creds["email"])
    first = portal.link(creds["email"], "/reset-password", 2)
    portal.submit("/mot-de-passe-oublie", identifier=creds["email"])
    portal.wait_for_mail(creds["email"], 3)
    second = next(t for t in (portal.link(creds["email"], "/reset-password", n) for n in (2, 3)) if t != first)
    status, page = dead(portal, f"/reset-password?token={first}")
    assert status == 400 and "Lien plus valable" in page and "remplacé par un plus récent" in page
    assert 'href="/mot-de-passe-oublie">Demander un nouveau lien' in page
    live = portal.client.get(f"/reset-password?token={second}")
    assert live.status_code == 200 and f'value="{second}"' in live.text
    assert dead(portal, "/reset-password?token=inconnu")[0] == 400


def test_an_expired_link_says_it_expired(clocked: Portal) -> None:
    creds = clocked.activated()
    clocked.submit("/mot-de-passe-oublie", identifier=creds["email"])
    token = clocked.link(creds["email"], "/reset-password", 2)  # the first mail is the verification
    clocked.clock.advance(hours=2)
    status, page = dead(clocked, f"/reset-password?token={token}")
    assert status == 400 and "Lien expiré" in page and "Demander un nouveau lien" in page


def test_a_dead_verification_link_offers_a_new_one_through_the_sign_in(portal: Portal) -> None:
    creds = portal.awaiting_verification()
    first = portal.link(creds["email"], "/verify-email")
    portal.submit("/activation/verification", "/activation/renvoyer")
    status, page = dead(portal, f"/verify-email?token={first}")
    assert status == 400 and 'href="/login?info=nouveau-lien">Demander un nouveau lien' in page
    assert "un bouton vous proposera" in unescape(portal.client.get("/login?info=nouveau-lien").text)


def test_a_dead_email_change_link_leads_back_to_the_profile(portal: Portal) -> None:
    creds = portal.activated()
    portal.log_in(creds["email"])
    portal.submit(
        "/profil/email", new_email="neuve@exemple.fr", new_email_confirmation="neuve@exemple.fr", password=PASSWORD
    )
    token = portal.link("neuve@exemple.fr", "/confirm-email")
    portal.submit("/profil", "/profil/email/annuler")
    status, page = dead(portal, f"/confirm-email?token={token}")
    assert status == 400 and 'href="/profil">Demander un nouveau lien' in page


def mail_text(portal: Portal, to: str, count: int) -> str:
    return str(portal.wait_for_mail(to, count).get_body(("plain",)).get_content())  # type: ignore[union-attr]


def test_the_contract_linked_is_named_on_the_page_and_in_the_mail(portal: Portal) -> None:
    creds = portal.activated()
    other = portal.contract(client="AG2", company="SOC2")
    portal.log_in(creds["email"])
    linked = portal.submit("/biens/ajouter", **portal.provisional(other))
    page = portal.client.get(linked.headers["location"]).text
    # named as the person knows it (contract_names): without the import columns, by its login id
    named = f"Bien de l'identifiant {other['login_id']}"
    assert f"Bien rattaché à votre compte : {named} · votre agence." in unescape(page) and "alert-success" in page
    mail = mail_text(portal, creds["email"], 2).replace("\u00a0", " ")  # French spaces read as spaces
    assert f"Un nouveau bien vient d'être rattaché à votre compte :\n\n{named}" in mail


def test_the_old_address_is_told_once_the_change_is_done(portal: Portal) -> None:
    creds = portal.activated()
    portal.log_in(creds["email"])
    portal.submit(
        "/profil/email", new_email="neuve@exemple.fr", new_email_confirmation="neuve@exemple.fr", password=PASSWORD
    )
    token = portal.link("neuve@exemple.fr", "/confirm-email")
    done = portal.submit(f"/confirm-email?token={token}", token=token)
    assert "ancienne adresse" in done.text
    deadline = time.monotonic() + 15
    while not (notices := [m for m in portal.mails(creds["email"]) if "changée" in m["Subject"]]):
        assert time.monotonic() < deadline, "no notice to the old address"
        time.sleep(0.05)
    assert "désormais neuve@exemple.fr" in notices[0].get_body(("plain",)).get_content()  # type: ignore[union-attr]


def test_a_deleted_account_is_confirmed_by_mail_and_then_the_address_is_forgotten(portal: Portal) -> None:
    creds = portal.activated()
    portal.log_in(creds["email"])
    unticked = portal.submit("/profil/supprimer", password="")
    assert summary_links(unticked.text) == ["password", "confirm"]
    gone = portal.submit("/profil/supprimer", password=PASSWORD, confirm="oui")
    assert "Compte supprimé" in gone.text and "un email vous le confirme" in gone.text
    confirmation = portal.wait_for_mail(creds["email"], 2)
    assert "Votre compte a été supprimé" in confirmation["Subject"]
    assert "comme vous l'avez demandé" in confirmation.get_body(("plain",)).get_content()  # type: ignore[union-attr]
    container = portal.container
    # the mail lands before its row is marked sent, in the outbox's next commit
    wait_until(lambda: len(container.outbox.finished("account_erased_notice")) == 1, "the notice marked sent")
    rows = container.outbox.finished("account_erased_notice")
    notice_id = rows[0][1]
    container.retention.sweep()
    assert container.outbox.finished("account_erased_notice") == []
    events = list(container.store.events.get(notice_id))
    assert events and vars(events[0])["email"] == "[effacé]"  # the address is gone with the notice's key
