"""A real, throwaway IMAP server: Debian's Dovecot with its own configuration
in a temporary folder, listening on a free loopback port (never the system's
Dovecot, which is left alone). One user with a password file, Maildir folders;
plain IMAP, or with `tls=True` IMAPS and STARTTLS with a self-signed
certificate made by openssl (its PEM is the CA file to trust).

Messages are put in with IMAP APPEND, as a mail server delivering them would
leave them: unread.
"""

import contextlib
import grp
import imaplib
import os
import pwd
import shutil
import signal
import socket
import subprocess
import tempfile
import time
from pathlib import Path
from urllib.parse import quote

USER = "relances@durand-btp.fr"
PASSWORD = "Mot de p@sse/secret%42"  # needs percent-encoding in the URL


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def dovecot_binary() -> str | None:
    found = shutil.which("dovecot")
    if found:
        return found
    return "/usr/sbin/dovecot" if os.access("/usr/sbin/dovecot", os.X_OK) else None


class Dovecot:
    def __init__(self, *, tls: bool = False):
        self.binary = dovecot_binary()
        self.tls = tls
        self.port = free_port()
        self.tls_port = free_port() if tls else 0
        self.folder = Path(tempfile.mkdtemp(prefix="relance-dovecot-"))
        self.pid: int | None = None
        self.ca_file = str(self.folder / "cert.pem")

    # Set-up -------------------------------------------------------------

    def start(self) -> "Dovecot":
        folder = self.folder
        (folder / "run").mkdir()
        (folder / "state").mkdir()
        mail = folder / "mail"
        mail.mkdir()
        (folder / "users").write_text(f"{USER}:{{PLAIN}}{PASSWORD}\n")
        if os.getuid() == 0:
            # Root's Dovecot runs its login processes as dovenull and refuses
            # root's mail: the mail belongs to the dovecot user, and the
            # folder is open to it (its files stay unreadable to others).
            internal, login = "dovecot", "dovenull"
            mail_user = pwd.getpwnam("dovecot")
            os.chmod(folder, 0o711)
            os.chown(mail, mail_user.pw_uid, mail_user.pw_gid)
            os.chmod(folder / "users", 0o600)
            extra = "service auth {\n  user = root\n}\n"
        else:
            # Rootless: every process runs as the tests' user.
            mail_user = pwd.getpwuid(os.getuid())
            internal = login = mail_user.pw_name
            extra = (
                "service imap-login {\n  chroot =\n}\n"
                "service auth {\n  user = $default_internal_user\n}\n"
                "service anvil {\n  chroot =\n}\n"
            )
        ssl = "no"
        listeners = (
            f"  inet_listener imap {{\n    address = 127.0.0.1\n"
            f"    port = {self.port}\n  }}\n"
        )
        if self.tls:
            self._certificate()
            ssl = (
                f"required\nssl_cert = <{folder}/cert.pem\nssl_key = <{folder}/key.pem"
            )
            listeners += (
                f"  inet_listener imaps {{\n    address = 127.0.0.1\n"
                f"    port = {self.tls_port}\n    ssl = yes\n  }}\n"
            )
        else:
            listeners += "  inet_listener imaps {\n    port = 0\n  }\n"
        (folder / "dovecot.conf").write_text(
            f"""\
base_dir = {folder}/run
state_dir = {folder}/state
log_path = {folder}/dovecot.log
instance_name = relance-test-{self.port}
protocols = imap
listen = 127.0.0.1
ssl = {ssl}
disable_plaintext_auth = no
auth_mechanisms = plain login
auth_failure_delay = 0
default_internal_user = {internal}
default_internal_group = {grp.getgrgid(pwd.getpwnam(internal).pw_gid).gr_name}
default_login_user = {login}
first_valid_uid = 1
mail_location = maildir:{mail}/%n
passdb {{
  driver = passwd-file
  args = scheme=PLAIN username_format=%u {folder}/users
}}
userdb {{
  driver = static
  args = uid={mail_user.pw_uid} gid={mail_user.pw_gid} home={mail}/%n
}}
service imap-login {{
{listeners}}}
{extra}"""
        )
        # The daemon keeps what it inherits open: no pipe, or run() waits.
        with open(folder / "start.log", "wb") as output:
            started = subprocess.run(
                [self.binary, "-c", str(folder / "dovecot.conf")],
                stdin=subprocess.DEVNULL,
                stdout=output,
                stderr=subprocess.STDOUT,
                timeout=20,
            )
        if started.returncode:
            message = (folder / "start.log").read_text() + self.log()
            shutil.rmtree(folder, ignore_errors=True)
            raise RuntimeError(f"Dovecot did not start:\n{message}")
        try:
            self._wait_ready()
        except BaseException:
            self.stop()
            raise
        return self

    def _certificate(self) -> None:
        subprocess.run(
            [
                "openssl",
                "req",
                "-x509",
                "-newkey",
                "rsa:2048",
                "-nodes",
                "-days",
                "2",
                "-subj",
                "/CN=127.0.0.1",
                "-addext",
                "subjectAltName=IP:127.0.0.1",
                "-keyout",
                str(self.folder / "key.pem"),
                "-out",
                self.ca_file,
            ],
            check=True,
            capture_output=True,
            timeout=60,
        )
        os.chmod(self.ca_file, 0o644)

    def _master_pid(self) -> int | None:
        """The daemon's pid: its file is written a moment after the command
        that started it returned."""
        with contextlib.suppress(OSError, ValueError):
            return int((self.folder / "run" / "master.pid").read_text().strip())
        return None

    def _wait_ready(self) -> None:
        deadline = time.monotonic() + 30
        while self.pid is None:
            self.pid = self._master_pid()
            if self.pid is None:
                if time.monotonic() > deadline:
                    raise RuntimeError("Dovecot wrote no pid:\n" + self.log())
                time.sleep(0.05)
        while True:
            try:
                client = self.client()
                client.logout()
                return
            except (OSError, imaplib.IMAP4.error):
                if time.monotonic() > deadline:
                    raise RuntimeError(
                        "Dovecot did not start:\n" + self.log()
                    ) from None
                time.sleep(0.1)

    def log(self) -> str:
        with contextlib.suppress(OSError):
            return (self.folder / "dovecot.log").read_text()
        return ""

    def stop(self) -> None:
        if self.pid is None:
            self.pid = self._master_pid()
        if self.pid is not None:
            with contextlib.suppress(ProcessLookupError):
                os.kill(self.pid, signal.SIGTERM)
            deadline = time.monotonic() + 10
            while time.monotonic() < deadline:
                try:
                    os.kill(self.pid, 0)
                except ProcessLookupError:
                    break
                time.sleep(0.05)
            self.pid = None
        shutil.rmtree(self.folder, ignore_errors=True)

    # Use ---------------------------------------------------------------

    def url(self, query: str = "", *, scheme: str = "imap", folder="INBOX") -> str:
        port = self.tls_port if scheme == "imaps" else self.port
        credentials = f"{quote(USER, safe='')}:{quote(PASSWORD, safe='')}"
        url = f"{scheme}://{credentials}@127.0.0.1:{port}/{quote(folder)}"
        return f"{url}?{query}" if query else url

    def client(self) -> imaplib.IMAP4:
        client = imaplib.IMAP4("127.0.0.1", self.port, timeout=10)
        client.login(USER, PASSWORD)
        return client

    def append(self, *messages: bytes, folder: str = "INBOX") -> None:
        """Deliver these messages, unread."""
        client = self.client()
        try:
            for raw in messages:
                raw = raw.replace(b"\r\n", b"\n").replace(b"\n", b"\r\n")
                kind, data = client.append(folder, None, None, raw)
                assert kind == "OK", data
        finally:
            client.logout()

    def flags(self, folder: str = "INBOX") -> list[str]:
        """Each message's flags (UID order), or [] when the folder is absent."""
        client = self.client()
        try:
            kind, _data = client.select(f'"{folder}"', readonly=True)
            if kind != "OK":
                return []
            kind, data = client.uid("FETCH", "1:*", "(FLAGS)")
            lines = [d for d in data if d]
            return [
                " ".join(
                    flag
                    for flag in line.decode().split("FLAGS (")[1].split(")")[0].split()
                    if flag != "\\Recent"
                )
                for line in lines
            ]
        finally:
            client.logout()

    def uids(self, folder: str = "INBOX") -> list[int]:
        client = self.client()
        try:
            client.select(f'"{folder}"', readonly=True)
            _kind, data = client.uid("SEARCH", None, "ALL")
            return [int(uid) for uid in data[0].split()]
        finally:
            client.logout()

    def create(self, folder: str) -> None:
        client = self.client()
        try:
            client.create(f'"{folder}"')
        finally:
            client.logout()

    def reset(self) -> None:
        """An empty INBOX, and no other folder."""
        client = self.client()
        try:
            _kind, data = client.list()
            for line in data:
                if not line:
                    continue
                name = line.decode().rsplit(" ", 1)[-1]
                if name.strip('"') != "INBOX":
                    client.delete(name)
            _kind, data = client.select("INBOX")
            if int(data[0]):
                client.store("1:*", "+FLAGS.SILENT", r"(\Deleted)")
                client.expunge()
        finally:
            client.logout()
