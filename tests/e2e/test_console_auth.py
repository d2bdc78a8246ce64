"""The console's sign-in through a running server (issue 15), on both
topologies: the invitation mail from the harness's mailbox, the password, the
two-step set-up with codes computed here, sign-in; ``sesame staff list`` and
``disable`` (the session and the API token end at once); the throttles."""

from __future__ import annotations

from tests.e2e.console_flows import ConsoleBrowser, enrolled, invite, next_code
from tests.e2e.flows import PASSWORD
from tests.e2e.harness import Sesame, body_text


def test_an_invited_member_chooses_a_password_sets_up_two_step_and_signs_in(sesame: Sesame) -> None:
    email = "claire.support@sesame.fr"
    token = invite(sesame, "Claire Support", "support", email)
    mail = sesame.mails(email)[0]
    assert mail["Subject"].endswith("Invitation à la console Sésame")
    assert f"http://portal.test/console/invitation?token={token}" in body_text(mail)
    browser = ConsoleBrowser(sesame)
    assert browser.http.get(f"/console/invitation?token={token}").status_code == 200
    assert browser.http.get(f"/console/invitation?token={token}").status_code == 200  # looking never uses it
    assert browser.http.get("/console/accueil").headers["location"].startswith("/console?next=")
    chosen = browser.choose_password(token)
    assert chosen.headers["location"] == "/console/deux-etapes"
    assert browser.http.get("/console/accueil").headers["location"] == "/console/deux-etapes"  # nothing before two-step
    late = ConsoleBrowser(sesame)
    assert late.http.get(f"/console/invitation?token={token}").status_code == 400  # the invitation served once
    fields = {"token": token, "password": PASSWORD, "password_confirmation": PASSWORD}
    assert late.submit("/console", "/console/invitation", **fields).status_code == 400
    totp, codes = browser.set_up_two_step()
    home = browser.http.get("/console/accueil")
    assert home.status_code == 200 and "Claire Support" in home.text and "Déconnexion" in home.text
    assert browser.sign_out().headers["location"] == "/console?info=deconnecte"
    assert browser.http.get("/console/accueil").status_code == 303
    signed = browser.sign_in(email, next_code(totp))
    assert signed.headers["location"] == "/console/accueil"
    assert browser.http.get("/console/accueil").status_code == 200
    other = ConsoleBrowser(sesame)
    assert other.sign_in(email, codes[0]).headers["location"] == "/console/accueil"  # a recovery code
    listed = sesame.cli("staff", "list", check=True).stdout
    line = next(row for row in listed.splitlines() if email in row)
    assert "Claire Support" in line and "(support)" in line and "actif" in line and "deux étapes : oui" in line


def test_the_address_belongs_to_one_member(sesame: Sesame) -> None:
    email = "unique@sesame.fr"
    invite(sesame, "Premier", "auditor", email)
    again = sesame.cli("staff", "add", "Second", "--role", "support", "--email", email.upper())
    assert again.returncode == 1 and "déjà celle d'un autre membre" in again.stderr
    assert sesame.cli("staff", "add", "x", "--role", "support", "--email", "pas-une-adresse").returncode == 1


def test_disabling_a_member_ends_their_session_and_token_at_once(sesame: Sesame) -> None:
    email = "agence.une@sesame.fr"
    browser, totp, _ = enrolled(sesame, "Agence Une", "agency", email, "AG1/SOC1")
    assert browser.http.get("/console/accueil").status_code == 200
    scripted = sesame.cli("staff", "add", "Script", "--role", "support", check=True).stdout.strip().splitlines()[-1]
    api = {"Authorization": f"Bearer {scripted}"}
    assert sesame.http.get("/support/identities", headers=api, params={"q": "x"}).status_code == 200
    listed = sesame.cli("staff", "list", check=True).stdout.splitlines()
    staff_id = next(row.split()[0] for row in listed if "Script" in row)
    assert "désactivé" in sesame.cli("staff", "disable", email, check=True).stdout
    assert sesame.cli("staff", "disable", staff_id, check=True).returncode == 0
    gone = browser.http.get("/console/accueil")
    assert gone.status_code == 303 and gone.headers["location"].startswith("/console")
    assert sesame.http.get("/support/identities", headers=api, params={"q": "x"}).status_code == 401
    refused = ConsoleBrowser(sesame).sign_in(email, next_code(totp, 2))
    assert refused.status_code == 401 and "Adresse email, mot de passe ou code incorrect." in refused.text
    assert "désactivé" in next(row for row in sesame.cli("staff", "list").stdout.splitlines() if email in row)


def test_sign_in_is_throttled_per_account_for_passwords_and_codes(sesame: Sesame) -> None:
    email = "auditeur@sesame.fr"
    browser, totp, _ = enrolled(sesame, "Alain Auditeur", "auditor", email)
    browser.sign_out()
    answers = [browser.sign_in(email, next_code(totp), password="Pas-le-bon-1!") for _ in range(6)]
    assert [a.status_code for a in answers[:5]] == [401] * 5
    assert answers[5].status_code == 429 and int(answers[5].headers["Retry-After"]) > 0
    unknown = [ConsoleBrowser(sesame).sign_in("personne@sesame.fr", "123456").status_code for _ in range(2)]
    assert unknown == [401, 401]  # an unknown address answers as a known one
    locked_out = browser.sign_in(email, next_code(totp))
    assert locked_out.status_code == 429  # even the right password waits its turn


def test_wrong_codes_count_like_wrong_passwords(sesame: Sesame) -> None:
    email = "support.deux@sesame.fr"
    browser, totp, _ = enrolled(sesame, "Sam Support", "support", email)
    browser.sign_out()
    near = {next_code(totp, d) for d in range(-2, 4)}
    wrong = next(c for c in (f"{n:06d}" for n in range(1, 100)) if c not in near)
    answers = [browser.sign_in(email, wrong).status_code for _ in range(6)]
    assert answers == [401] * 5 + [429]
    assert browser.sign_in(email, next_code(totp)).status_code == 429
