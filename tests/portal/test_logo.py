"""Issue 17 §2: the company's logo on the customer's page: uploaded on
« Configuration › Société », PNG or JPEG told by its bytes, 300 KB and
2000 × 2000 pixels at most, kept under a random name, shown inline (a data:
URL, which the page's CSP allows), removable."""

import base64
import struct
import zlib
from datetime import UTC, datetime

import pytest
import time_machine
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client

from relance.core.logos import LogoRefused, logo_type
from tests.factories import make_customer, make_invoice, make_portal_link
from tests.web.test_portal_settings import admin_client as admin_client
from tests.web.test_portal_settings import company as company

pytestmark = pytest.mark.django_db
NOW = datetime(2026, 3, 2, 9, 0, tzinfo=UTC)


def png(width: int = 2, height: int = 1) -> bytes:
    def chunk(kind: bytes, data: bytes) -> bytes:
        crc = zlib.crc32(kind + data)
        return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", crc)

    header = struct.pack(">IIBBBBB", width, height, 8, 2, 0, 0, 0)
    pixels = zlib.compress(
        b"".join(b"\x00" + b"\xff\x00\x00" * width for _ in range(1))
    )
    return (
        b"\x89PNG\r\n\x1a\n"
        + chunk(b"IHDR", header)
        + chunk(b"IDAT", pixels)
        + chunk(b"IEND", b"")
    )


def jpeg(width: int, height: int) -> bytes:
    app0 = (
        b"\xff\xe0"
        + struct.pack(">H", 16)
        + b"JFIF\x00\x01\x01\x00\x00\x01\x00\x01\x00\x00"
    )
    sof = b"\xff\xc0" + struct.pack(">HBHHB", 11, 8, height, width, 1) + b"\x01\x11\x00"
    return b"\xff\xd8" + app0 + sof + b"\xff\xd9"


def test_png_and_jpeg_are_told_by_their_bytes_and_their_size_checked():
    assert logo_type(png(2000, 2000)) == "png"
    assert logo_type(jpeg(640, 480)) == "jpeg"
    for content, why in [
        (b"", "empty"),
        (b'<svg xmlns="http://www.w3.org/2000/svg"><script/></svg>', "unknown_type"),
        (b"GIF89a" + b"\x00" * 20, "unknown_type"),
        (png(2001, 10), "too_large"),
        (jpeg(10, 2001), "too_large"),
        (png() + b"\x00" * 300 * 1024, "too_big"),
        (b"\x89PNG\r\n\x1a\n" + b"\x00" * 30, "unreadable"),
    ]:
        with pytest.raises(LogoRefused) as refused:
            logo_type(content)
        assert str(refused.value) == why


def upload(client, content: bytes, name: str = "logo.png"):
    return client.post(
        "/configuration/societe/logo/",
        {"logo": SimpleUploadedFile(name, content, content_type="image/png")},
        follow=True,
    )


@time_machine.travel(NOW, tick=False)
def test_the_logo_uploaded_in_the_settings_shows_inline_on_the_page_until_removed(
    company, admin_client
):
    customer = make_customer(company)
    make_invoice(customer)
    token = make_portal_link(customer, now=NOW)
    content = png()
    page = upload(admin_client, content).content.decode()
    assert "Logo enregistré." in page
    assert "data-logo-remove" in page
    company.refresh_from_db()
    name = company.logo.name
    assert name.startswith(f"company-{company.pk}/logo/") and name.endswith(".png")
    assert len(name.rsplit("/", 1)[1]) == 32 + len(".png")  # a random name
    html = Client().get(f"/p/{token}/").content.decode()
    data_url = "data:image/png;base64," + base64.b64encode(content).decode()
    assert f'<img class="logo" src="{data_url}" alt="{company.name}" data-logo>' in html
    storage = company.logo.storage
    page = admin_client.post(
        "/configuration/societe/logo/", {"remove": "1"}, follow=True
    ).content.decode()
    assert "Logo supprimé." in page
    company.refresh_from_db()
    assert not company.logo and not storage.exists(name)
    assert "data-logo" not in Client().get(f"/p/{token}/").content.decode()


def test_a_new_logo_replaces_the_former_file(company, admin_client):
    upload(admin_client, png())
    company.refresh_from_db()
    former = company.logo.name
    upload(admin_client, jpeg(10, 10), name="logo.jpg")
    company.refresh_from_db()
    assert company.logo.name.endswith(".jpg")
    assert not company.logo.storage.exists(former)


@pytest.mark.parametrize(
    ("content", "message"),
    [
        (b"<svg/>", "Logo : une image PNG ou JPEG seulement (pas de SVG)."),
        (png(3000, 10), "Logo trop grand : 2000 × 2000 pixels au plus."),
        (png() + b"\x00" * 300 * 1024, "Logo trop volumineux : 300 Ko au plus."),
    ],
)
def test_a_refused_logo_gets_a_french_message_and_nothing_is_kept(
    company, admin_client, content, message
):
    response = upload(admin_client, content)
    assert response.status_code == 200
    assert message in response.content.decode()
    company.refresh_from_db()
    assert not company.logo
