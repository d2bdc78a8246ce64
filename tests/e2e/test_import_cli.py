"""``sesame import-accounts`` as an agency runs it: a CSV file, a report."""

from __future__ import annotations

import gzip
import json
import subprocess

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
        "/activations", json={
            "client_code": "CLI2", "company_code": "S2", "login_id": "B001", "provisional_password": "111111"
        }
    )
    assert answer.status_code == 201 and answer.json()["holder_name"] == "Béa Bon"


def row(login: str, holder: str = "Nom Correct") -> str:
    return f"CLI3,S3,{login},123456,,{holder},tenant\n"


def no_traceback(result: subprocess.CompletedProcess[str]) -> None:
    assert "Traceback" not in result.stderr + result.stdout, result.stderr


def test_a_field_of_50_mb_is_one_rejected_line(sesame: Sesame) -> None:
    """Issue 19, finding 9: the lines around it are imported and the report printed."""
    path = sesame.root / "champ-geant.csv"
    with path.open("w") as out:
        out.write(HEADER + row("G001"))
        out.write(f"CLI3,S3,G002,123456,,{'x' * 50_000_000},tenant\n")
        out.write(row("G003"))
    result = sesame.cli("import-accounts", str(path))
    no_traceback(result)
    assert result.returncode == 1
    lines = result.stdout.splitlines()
    assert lines[-1] == "ajoutés : 2, mis à jour : 0, inchangés : 0, rejetés : 1", result.stdout[-2000:]
    assert lines[0].startswith("ligne 3 rejetée : ligne illisible") and "dépasse" in lines[0]


def test_invalid_utf8_in_one_line_rejects_that_line_only(sesame: Sesame) -> None:
    path = sesame.root / "latin1.csv"
    path.write_bytes(
        (HEADER + row("U001")).encode() + row("U002", "Hél\xe8ne").encode("latin-1") + row("U003").encode()
    )
    result = sesame.cli("import-accounts", str(path), "--json")
    no_traceback(result)
    assert result.returncode == 1
    report = json.loads(result.stdout.splitlines()[-1])
    assert report["added"] == 2 and [r["line"] for r in report["rejected"]] == [3]
    assert "UTF-8" in report["rejected"][0]["reason"]


def test_a_binary_file_is_refused_whole(sesame: Sesame) -> None:
    path = sesame.root / "archive.csv"
    path.write_bytes(gzip.compress((HEADER + row("Z001") * 100).encode()))
    result = sesame.cli("import-accounts", str(path))
    no_traceback(result)
    assert result.returncode == 2 and "CSV" in result.stderr and result.stdout == ""
    creds = {"client_code": "CLI3", "company_code": "S3", "login_id": "Z001", "provisional_password": "123456"}
    assert sesame.http.post("/activations", json=creds).status_code == 401  # nothing was imported


def test_the_import_api_refuses_the_same_bad_values_with_reasons(sesame: Sesame) -> None:
    token = sesame.cli("staff", "add", "Agence Trois", "--role", "agency", "--agency", "CLI3/S3", check=True)
    headers = {"Authorization": f"Bearer {token.stdout.strip().splitlines()[-1]}", "Content-Type": "application/json"}
    path = "/agencies/CLI3/S3/accounts"
    good = {"client_code": "CLI3", "company_code": "S3", "login_id": "J001", "provisional_password": "123456",
            "email": "", "holder_name": "Nom Correct", "role": "tenant"}
    bodies = {
        "50 MB field": json.dumps([{**good, "holder_name": "x" * 50_000_000}]).encode(),
        "invalid UTF-8": json.dumps([good]).encode().replace(b"Nom Correct", b"H\xe9l\xe8ne"),
        "binary": gzip.compress(json.dumps([good]).encode()),
        "lone surrogate": json.dumps([{**good, "holder_name": "\ud800"}]).encode(),
    }
    for kind, body in bodies.items():
        answer = sesame.http.post(path, headers=headers, content=body)
        assert 400 <= answer.status_code < 500, (kind, answer.status_code, answer.text[:200])
        assert answer.json()["message"], kind
    long_name = sesame.http.post(path, headers=headers, json=[{**good, "holder_name": "x" * 100_000}, good])
    assert long_name.status_code == 200
    assert long_name.json()["added"] == 1 and [r["line"] for r in long_name.json()["rejected"]] == [1]
