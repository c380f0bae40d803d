"""Item 15 of issue 13: a Content-Security-Policy on every page, HSTS and
secure cookies over HTTPS, signed-in pages never stored, JSON for oversized
API requests, and `relance check --deploy` clean in the documented
production configuration."""

import json
import re
import secrets
from pathlib import Path

import pytest
from django.test import Client

from tests.factories import make_company, make_customer, make_invoice, make_user
from tests.security.process import run_django

ROOT = Path(__file__).resolve().parents[2]
TEMPLATES = ROOT / "src" / "relance"
CSP = (
    "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; "
    "font-src 'self'; connect-src 'self'; object-src 'none'; base-uri 'none'; "
    "form-action 'self'; frame-ancestors 'none'"
)


@pytest.fixture
def company(db):
    return make_company(name="Bâtiments Durand")


@pytest.fixture
def signed_in(company):
    client = Client()
    client.force_login(make_user(company))
    return client


def test_every_page_has_the_content_security_policy(signed_in, company):
    invoice = make_invoice(make_customer(company))
    anonymous = Client()
    responses = {
        "/connexion/": anonymous.get("/connexion/"),
        "/admin/login/": anonymous.get("/admin/login/"),
        "/nulle-part/": anonymous.get("/nulle-part/"),
        "/api/v1/docs": anonymous.get("/api/v1/docs"),
        "/": signed_in.get("/"),
        "/factures/": signed_in.get("/factures/"),
        "invoice": signed_in.get(f"/factures/{invoice.pk}/"),
        "htmx": signed_in.post(
            "/relances/resume/", {"invoice": invoice.pk}, HTTP_HX_REQUEST="true"
        ),
    }
    assert {
        name: response["Content-Security-Policy"]
        for name, response in responses.items()
    } == dict.fromkeys(responses, CSP)


def test_no_template_has_inline_scripts_styles_or_event_handlers():
    offending = []
    for template in sorted(TEMPLATES.glob("*/templates/**/*.html")):
        text = template.read_text(encoding="utf-8")
        for pattern in [
            r"<script(?![^>]*\bsrc=)[^>]*>",  # inline script
            r"<style\b",
            r"\sstyle=",
            r"\son[a-z]+=",  # onclick=, onchange=…
            r"\shx-on",
            r"javascript:",
        ]:
            offending += [
                f"{template.relative_to(TEMPLATES)}: {match.group()}"
                for match in re.finditer(pattern, text)
                if 'type="application/json"' not in match.group()
            ]
    assert offending == []


def test_htmx_injects_no_style_and_evaluates_no_code(signed_in):
    html = signed_in.get("/").content.decode()
    [config] = re.findall(r'<meta name="htmx-config" content=\'([^\']*)\'>', html)
    assert json.loads(config) == {
        "defaultSwapStyle": "innerHTML",
        "includeIndicatorStyles": False,
        "allowEval": False,
        "allowScriptTags": False,
    }


def test_signed_in_pages_and_api_answers_are_never_stored(signed_in, company, api):
    invoice = make_invoice(make_customer(company))
    answers = {
        "/": signed_in.get("/"),
        "/factures/": signed_in.get("/factures/"),
        "invoice": signed_in.get(f"/factures/{invoice.pk}/"),
        "export": signed_in.get("/factures/export.csv"),
        "api": api.client.get("/api/v1/invoices"),
    }
    assert {name: r["Cache-Control"] for name, r in answers.items()} == dict.fromkeys(
        answers, "private, no-store"
    )


def test_the_sign_in_page_keeps_djangos_never_cache(db):
    response = Client().get("/connexion/")
    assert response["Cache-Control"] == (
        "max-age=0, no-cache, no-store, must-revalidate, private"
    )


def test_an_oversized_api_request_gets_413_in_json(api):
    response = api.client.post(
        "/api/v1/customers",
        json.dumps({"code": "411A", "name": "x" * (2_621_440 + 1)}),
        content_type="application/json",
    )
    assert response.status_code == 413
    assert response["Content-Type"] == "application/json; charset=utf-8"
    assert response.json() == {
        "detail": "Requête trop volumineuse : 2,5 Mo au plus.",
        "field": None,
    }


# --- HTTPS and the deployment check -------------------------------------------

PAGE = """
import json
from django.test import Client
client = Client(HTTP_HOST="relance.durand.fr")
plain = client.get("/connexion/")
secure = client.get("/connexion/", HTTP_X_FORWARDED_PROTO="https")
print(json.dumps({
    "plain": [plain.status_code, plain.get("Location")],
    "hsts": secure.get("Strict-Transport-Security"),
    "cookie": str(secure.cookies["csrftoken"]),
}))
"""


def test_over_https_pages_send_hsts_redirect_plain_http_and_secure_cookies(
    tmp_path,
):
    seen = run_django(
        PAGE,
        tmp_path,
        RELANCE_HTTPS="true",
        RELANCE_ALLOWED_HOSTS="relance.durand.fr",
    )
    assert seen["plain"] == [301, "https://relance.durand.fr/connexion/"]
    assert seen["hsts"] == "max-age=31536000; includeSubDomains"
    assert "; Secure" in seen["cookie"]


def test_without_https_no_hsts_nor_redirect(tmp_path):
    seen = run_django(PAGE, tmp_path, RELANCE_ALLOWED_HOSTS="relance.durand.fr")
    assert seen["plain"] == [200, None]
    assert seen["hsts"] is None
    assert "Secure" not in seen["cookie"]


def documented_environments() -> dict[str, dict[str, str]]:
    """The `# /etc/relance/env` blocks of docs/deployment.md, by setup."""
    text = (ROOT / "docs" / "deployment.md").read_text(encoding="utf-8")
    found = {}
    for block in re.findall(r"```ini\n# /etc/relance/env\n(.*?)```", text, re.S):
        variables = dict(
            re.sub(r"\s+#.*$", "", line).split("=", 1)
            for line in block.splitlines()
            if line.strip() and not line.startswith("#")
        )
        found["with postgres" if "DATABASE_URL" in variables else "one machine"] = (
            variables
        )
    return found


@pytest.mark.parametrize("setup", ["one machine", "with postgres"])
def test_the_documented_production_configuration_passes_check_deploy(tmp_path, setup):
    variables = documented_environments()[setup]
    assert variables["RELANCE_HTTPS"] == "true"
    variables.pop("RELANCE_DATA_DIR")  # a new one, below
    if "…" in variables.get("SECRET_KEY", ""):
        variables["SECRET_KEY"] = secrets.token_urlsafe(50)
    result = run_django(
        """
        import io, json
        from django.core.checks import run_checks
        from django.core.management import call_command
        out = io.StringIO()
        call_command("check", deploy=True, stdout=out, stderr=out)
        found = run_checks(include_deployment_checks=True)
        print(json.dumps([
            out.getvalue(),
            [m.id for m in found if not m.is_silenced()],
            [m.id for m in found if m.is_silenced()],
        ]))
        """,
        tmp_path / "relance",
        **variables,
    )
    assert result == [
        "System check identified no issues (1 silenced).\n",
        [],
        ["security.W021"],  # HSTS preloading: the domain owner's decision
    ]
