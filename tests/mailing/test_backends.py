from email import message_from_bytes, policy

from django.core.mail import EmailMessage, get_connection


def test_without_a_mail_server_each_message_becomes_an_eml_file(tmp_path):
    connection = get_connection(
        "relance.mailing.backends.EmlFileBackend", file_path=str(tmp_path)
    )
    message = EmailMessage(
        "Relance FC1",
        "Bonjour,\n\n1 234,56 € restent dus.",
        "a@durand.example",
        ["b@client.example"],
        headers={"Message-ID": "<abc@durand.example>"},
    )
    assert connection.send_messages([message]) == 1
    [path] = tmp_path.glob("*.eml")
    assert path.name.endswith("-_abc_durand.example_.eml")
    parsed = message_from_bytes(path.read_bytes(), policy=policy.default)
    assert parsed["To"] == "b@client.example"
    assert parsed["Subject"] == "Relance FC1"
    assert parsed.get_content().strip() == "Bonjour,\n\n1 234,56 € restent dus."
