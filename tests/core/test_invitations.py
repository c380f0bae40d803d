"""Invitations in core: made, found by their token, accepted once."""

import hashlib
import re
from datetime import UTC, datetime, timedelta

import pytest

from relance.core.errors import ApplicationError
from relance.core.invitations import (
    ACCEPTED,
    ACCOUNT_EXISTS,
    EXPIRED,
    OTHER_ACCOUNT,
    UNKNOWN,
    invitation_accept,
    invitation_accept_new_account,
    invitation_cancel,
    invitation_create,
    invitation_get,
    invitations_pending,
)
from relance.core.models import Invitation, Membership, User
from tests.factories import make_company, make_user

pytestmark = pytest.mark.django_db
NOW = datetime(2026, 3, 2, 9, 0, tzinfo=UTC)


@pytest.fixture
def company():
    return make_company(name="Bâtiments Durand")


def invite(company, email="lea@inconnue.example", role="member", now=NOW):
    return invitation_create(
        company=company, email=email, role=role, invited_by=None, now=now
    )


def refusal(call) -> str:
    with pytest.raises(ApplicationError) as caught:
        call()
    return caught.value.code


def test_the_token_is_kept_only_as_its_sha256_digest(company):
    invitation, raw = invite(company, email="  Lea@Inconnue.EXAMPLE ")
    row = Invitation.objects.filter(pk=invitation.pk).values().get()
    assert raw not in str(row)
    assert row["digest"] == hashlib.sha256(raw.encode()).hexdigest()
    assert row["email"] == "lea@inconnue.example"
    assert row["expires_at"] == NOW + timedelta(days=7)
    assert invitation_get(raw, now=NOW).pk == invitation.pk


def test_a_link_is_refused_once_used_expired_or_unknown(company):
    invitation, raw = invite(company)
    lea = make_user(email="lea@inconnue.example")
    invitation_accept(invitation=invitation, user=lea, now=NOW)
    assert refusal(lambda: invitation_get(raw, now=NOW)) == ACCEPTED
    # A copy read before it was used cannot be used again either.
    assert refusal(
        lambda: invitation_accept(invitation=invitation, user=lea, now=NOW)
    ) == (ACCEPTED)
    _, late = invite(company, email="paul@riou.example")
    later = NOW + timedelta(days=7)
    assert refusal(lambda: invitation_get(late, now=later)) == EXPIRED
    assert refusal(lambda: invitation_get("rien", now=NOW)) == UNKNOWN
    assert refusal(lambda: invitation_get("", now=NOW)) == UNKNOWN
    assert Membership.objects.filter(company=company).count() == 1


def test_only_the_account_of_the_invited_address_accepts_whatever_its_case(company):
    invitation, _raw = invite(company, email="Lea@inconnue.example", role="admin")
    other = make_user(email="paul@riou.example")
    assert (
        refusal(lambda: invitation_accept(invitation=invitation, user=other, now=NOW))
        == OTHER_ACCOUNT
    )
    lea = make_user(email="LEA@inconnue.example")
    membership = invitation_accept(invitation=invitation, user=lea, now=NOW)
    assert (membership.user, membership.company, membership.role) == (
        lea,
        company,
        "admin",
    )
    invitation.refresh_from_db()
    assert (invitation.accepted_at, invitation.accepted_by) == (NOW, lea)


def test_a_member_who_accepts_another_invitation_keeps_their_role(company):
    lea = make_user(company, email="lea@inconnue.example")
    invitation = Invitation.objects.create(
        company=company,
        email=lea.email,
        role="admin",
        digest="0" * 64,
        created_at=NOW,
        expires_at=NOW + timedelta(days=7),
    )
    invitation_accept(invitation=invitation, user=lea, now=NOW)
    assert Membership.objects.get(user=lea).role == "member"


def test_a_new_account_is_not_made_for_an_address_that_signed_up_meanwhile(company):
    invitation, _raw = invite(company)
    make_user(email="lea@inconnue.example", password="le-sien")
    code = refusal(
        lambda: invitation_accept_new_account(
            invitation=invitation, full_name="", password="un-secret-solide", now=NOW
        )
    )
    assert code == ACCOUNT_EXISTS
    assert User.objects.get(email="lea@inconnue.example").check_password("le-sien")
    assert not Membership.objects.exists()
    assert Invitation.objects.get().accepted_at is None


def test_a_new_account_is_not_made_when_the_link_was_used_meanwhile(company):
    invitation, _raw = invite(company)
    Invitation.objects.update(cancelled_at=NOW)
    with pytest.raises(
        ApplicationError, match=re.escape("Cette invitation a été annulée.")
    ):
        invitation_accept_new_account(
            invitation=invitation, full_name="", password="un-secret-solide", now=NOW
        )
    assert not User.objects.exists()


def test_pending_invitations_leave_out_used_cancelled_expired_and_replaced(company):
    used, _ = invite(company, email="a@a.example")
    invitation_accept(invitation=used, user=make_user(email="a@a.example"), now=NOW)
    cancelled, _ = invite(company, email="b@b.example")
    invitation_cancel(invitation=cancelled, now=NOW)
    invite(company, email="c@c.example", now=NOW - timedelta(days=8))
    invite(company, email="d@d.example", role="member")
    replacing, _ = invite(company, email="d@d.example", role="admin")
    invite(make_company(), email="e@e.example")
    pending = invitations_pending(company=company, now=NOW)
    assert list(pending) == [replacing]
    # Cancelling an accepted invitation changes nothing.
    invitation_cancel(invitation=used, now=NOW)
    used.refresh_from_db()
    assert used.cancelled_at is None


def test_an_invitation_names_a_valid_address_and_a_known_role(company):
    with pytest.raises(
        ApplicationError, match=re.escape("Saisissez une adresse e-mail valide")
    ):
        invite(company, email="pas une adresse")
    with pytest.raises(ApplicationError, match=re.escape("Rôle inconnu.")):
        invite(company, role="owner")
    assert not Invitation.objects.exists()
