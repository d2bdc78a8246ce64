"""``sesame import-accounts`` as an agency runs it: a CSV file, a report."""

from __future__ import annotations

from tests.e2e.harness import Sesame

HEADER = "client_code,company_code,login_id,provisional_password,email,holder_name,role\n"


def test_good_repeated_and_broken_rows(sesame: Sesame) -> None:
    csv = sesame.root / "agence.csv"
    csv.write_text(
        HEADER
        + "CLI1,S1,A001,123456,a@exemple.fr,Anne Aubry,tenant\n"
        + "CLI1,S1,A002,234567,,Bruno Blanc,co_owner\n"
        + "CLI1,S1,A001,123456,a@exemple.fr,Anne Aubry,tenant\n"
        + "CLI1,S1,A003,12,c@exemple.fr,Carla Cruz,owner\n"
        + "CLI1,S1,A004,345678,d@,Denis Duval,owner\n"
        + "CLI1,S1,A005,456789,e@exemple.fr,Emma Eloi,gardien\n"
    )
    first = sesame.cli("import-accounts", str(csv))
    assert first.returncode == 1  # some rows were rejected
    lines = first.stdout.splitlines()
    assert lines[-1] == "ajoutés : 2, mis à jour : 0, inchangés : 0, rejetés : 4"
    assert any(line.startswith("ligne 4 rejetée : ligne répétée") for line in lines)
    assert any(line.startswith("ligne 5 rejetée") and "6 chiffres" in line for line in lines)
    assert any(line.startswith("ligne 6 rejetée : email mal formé") for line in lines)
    assert any(line.startswith("ligne 7 rejetée : rôle inconnu") for line in lines)
    again = sesame.cli("import-accounts", str(csv))
    assert again.stdout.splitlines()[-1] == "ajoutés : 0, mis à jour : 0, inchangés : 2, rejetés : 4"


def test_a_header_without_a_column_is_refused_whole(sesame: Sesame) -> None:
    csv = sesame.root / "sans-role.csv"
    csv.write_text("client_code,company_code,login_id,provisional_password,email,holder_name\nX,Y,Z,123456,,N\n")
    result = sesame.cli("import-accounts", str(csv))
    assert result.returncode == 2 and "colonnes manquantes" in result.stderr and "role" in result.stderr


def test_a_missing_file_is_a_clear_error(sesame: Sesame) -> None:
    result = sesame.cli("import-accounts", str(sesame.root / "absent.csv"))
    assert result.returncode != 0 and "introuvable" in result.stderr


def test_an_imported_person_can_start_activation_right_away(sesame: Sesame) -> None:
    sesame.import_rows("CLI2,S2,B001,111111,b@exemple.fr,Béa Bon,owner", name="b.csv")
    answer = sesame.http.post(
        "/activations", json={"client_code": "CLI2", "company_code": "S2", "login_id": "B001", "provisional_password": "111111"}
    )
    assert answer.status_code == 201 and answer.json()["holder_name"] == "Béa Bon"
