"""The invitation email, in the company's language."""

from datetime import UTC, datetime
from email import message_from_bytes, policy

import pytest

from relance.core.invitations import invitation_create
from relance.mailing.invitations import invitation_email
from tests.factories import make_company, make_user

pytestmark = pytest.mark.django_db
NOW = datetime(2026, 3, 2, 9, 0, tzinfo=UTC)


def test_an_english_speaking_company_invites_in_english(settings):
    settings.RELANCE_BASE_URL = "https://relance.riou.example"
    company = make_company(name="Riou Ltd", language="en", time_zone="Europe/London")
    admin = make_user(company, email="ann@riou.example")
    invitation, raw = invitation_create(
        company=company,
        email="bob@riou.example",
        role="admin",
        invited_by=admin,
        now=NOW,
    )
    email = invitation_email(invitation=invitation, raw=raw)
    message = message_from_bytes(
        email.data.replace(b"\r\n", b"\n"), policy=policy.default
    )
    assert message["Subject"] == "Invitation to join Riou Ltd on Relance"
    assert message["Auto-Submitted"] == "auto-generated"
    assert message.get_body(preferencelist=("plain",)).get_content() == (
        "Hello,\n"
        "\n"
        "ann@riou.example invites you to join Riou Ltd on Relance, as administrator.\n"
        "\n"
        "To accept, open this link:\n"
        f"https://relance.riou.example/invitation/{raw}/\n"
        "\n"
        "It works once, until 9 Mar 2026 09:00.\n"
        "If you did not expect this invitation, ignore this message: nothing "
        "changes without your consent.\n"
        "\n"
        "Relance\n"
    )
