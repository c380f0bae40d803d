"""RELANCE_INBOX_URL read into where and how to connect, and IMAP's folder
names; without a server."""

import pytest

from relance.mailing.imap import (
    PLAIN,
    STARTTLS,
    TLS,
    Inbox,
    InboxError,
    folder_name,
    inbox_parse,
)


@pytest.mark.parametrize(
    ("url", "expected"),
    [
        (
            "imaps://marie%40durand.fr:p%C3%A4ss%2Fw0rd@imap.durand.fr/INBOX",
            Inbox("imap.durand.fr", 993, "marie@durand.fr", "päss/w0rd", "INBOX", TLS),
        ),
        (
            "imaps://u:p@mail.example:1993/Relances",
            Inbox("mail.example", 1993, "u", "p", "Relances", TLS),
        ),
        (
            "imap://u:p@mail.example/INBOX?starttls=1",
            Inbox("mail.example", 143, "u", "p", "INBOX", STARTTLS),
        ),
        (
            "imap://u:p@127.0.0.1:1143",
            Inbox("127.0.0.1", 1143, "u", "p", "INBOX", PLAIN),
        ),
        (
            "imap://u:p@localhost/INBOX",
            Inbox("localhost", 143, "u", "p", "INBOX", PLAIN),
        ),
        ("imap://u:p@[::1]/INBOX", Inbox("::1", 143, "u", "p", "INBOX", PLAIN)),
        (
            "imap://u:p@imap.lan/INBOX?insecure=1",
            Inbox("imap.lan", 143, "u", "p", "INBOX", PLAIN),
        ),
        (
            "imaps://u:p@imap.ovh.net/INBOX?move_to=Relance%20trait%C3%A9",
            Inbox("imap.ovh.net", 993, "u", "p", "INBOX", TLS, "Relance traité"),
        ),
        (
            "imaps://u:p@imap.example/%C3%89l%C3%A9ments%20re%C3%A7us",
            Inbox("imap.example", 993, "u", "p", "Éléments reçus", TLS),
        ),
    ],
)
def test_the_url_says_where_the_mailbox_is_and_how_to_reach_it(url, expected):
    assert inbox_parse(url) == expected


@pytest.mark.parametrize(
    ("url", "message"),
    [
        ("", "RELANCE_INBOX_URL n'est pas renseignée."),
        (
            "pop3://u:p@pop.example/INBOX",
            "RELANCE_INBOX_URL doit commencer par imaps:// ou imap://.",
        ),
        (
            "imaps://u:p@imap.example:99999/INBOX",
            "RELANCE_INBOX_URL : adresse illisible (le port doit être un nombre).",
        ),
        ("imaps:///INBOX", "RELANCE_INBOX_URL : nom du serveur manquant."),
        (
            "imaps://imap.example/INBOX",
            "RELANCE_INBOX_URL : utilisateur et mot de passe attendus "
            "(imaps://utilisateur:mot-de-passe@serveur/INBOX).",
        ),
        (
            "imaps://u:p@imap.example/INBOX?delete=1",
            "RELANCE_INBOX_URL : option « delete » inconnue "
            "(starttls, insecure, move_to).",
        ),
        (
            "imap://u:p@imap.example/INBOX?starttls=peut-etre",
            "RELANCE_INBOX_URL : starttls vaut 1 ou 0.",
        ),
        (
            "imaps://u:p@imap.example/INBOX?starttls=1",
            "RELANCE_INBOX_URL : starttls ne s'emploie qu'avec imap://.",
        ),
        (
            "imap://u:p@imap.example/INBOX",
            "RELANCE_INBOX_URL : imap:// sans chiffrement n'est permis que vers "
            "cette machine. Utilisez imaps://, ou ajoutez ?starttls=1 (ou "
            "?insecure=1 si vous acceptez que le mot de passe circule en clair).",
        ),
        (
            "imap://u:p@imap.example/INBOX?starttls=0",
            "RELANCE_INBOX_URL : imap:// sans chiffrement n'est permis que vers "
            "cette machine. Utilisez imaps://, ou ajoutez ?starttls=1 (ou "
            "?insecure=1 si vous acceptez que le mot de passe circule en clair).",
        ),
        (
            "imaps://u:p@imap.example/INBOX?move_to=INBOX",
            "RELANCE_INBOX_URL : move_to doit nommer un autre dossier que celui lu.",
        ),
        (
            "imaps://u:p@imap.example/IN%0ABOX",
            "RELANCE_INBOX_URL : nom de dossier invalide.",
        ),
    ],
)
def test_a_bad_url_is_refused_with_a_french_message(url, message):
    with pytest.raises(InboxError) as refused:
        inbox_parse(url)
    assert str(refused.value) == message


@pytest.mark.parametrize(
    ("name", "spelled"),
    [
        ("INBOX", '"INBOX"'),
        ("Relance", '"Relance"'),
        ("Éléments reçus", '"&AMk-l&AOk-ments re&AOc-us"'),
        ("R&D", '"R&-D"'),
        ('Dit "oui"', '"Dit \\"oui\\""'),
        ("台北", '"&U,BTFw-"'),  # RFC 3501's own example
    ],
)
def test_folder_names_are_spelled_in_imaps_modified_utf7(name, spelled):
    assert folder_name(name) == spelled
