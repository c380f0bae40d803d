"""Take the screenshots of docs/screenshots/ on fresh demo data.

    make screenshots

Starts Relance in a temporary folder (demo data, .eml outbox), drives Debian's
Chromium through the main screens and writes one PNG per screen.
"""

import os
import shutil
import socket
import subprocess
import sys
import tempfile
import time
import urllib.request
from pathlib import Path

from playwright.sync_api import sync_playwright

OUT = Path(__file__).resolve().parent.parent / "docs" / "screenshots"
PASSWORD = "demo-relance-2026"


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def main() -> None:
    folder = Path(tempfile.mkdtemp(prefix="relance-shots-"))
    env = {
        **os.environ,
        "RELANCE_DATA_DIR": str(folder),
        "RELANCE_ADMIN_PASSWORD": PASSWORD,
        "RELANCE_LOG_LEVEL": "WARNING",
    }
    env.pop("DATABASE_URL", None)
    relance = [sys.executable, "-m", "relance.cli"]
    subprocess.run(
        [*relance, "init", "--no-input"], env=env, check=True, capture_output=True
    )
    subprocess.run([*relance, "demo"], env=env, check=True, capture_output=True)
    port = free_port()
    server = subprocess.Popen(
        [*relance, "serve", "--port", str(port)], env=env, stdout=subprocess.DEVNULL
    )
    base = f"http://127.0.0.1:{port}"
    try:
        for _ in range(120):
            try:
                urllib.request.urlopen(f"{base}/connexion/")
                break
            except OSError:
                time.sleep(0.5)
        shoot(base)
    finally:
        server.terminate()
        server.wait(timeout=30)
        shutil.rmtree(folder, ignore_errors=True)


def shoot(base: str) -> None:
    OUT.mkdir(parents=True, exist_ok=True)
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(
            executable_path=shutil.which("chromium") or "/usr/bin/chromium",
            args=["--no-sandbox", "--disable-gpu", "--disable-background-networking"],
        )
        page = browser.new_page(viewport={"width": 1440, "height": 900}, locale="fr-FR")

        def save(name: str) -> None:
            page.wait_for_timeout(300)
            page.screenshot(path=str(OUT / f"{name}.png"))
            print(OUT / f"{name}.png")

        page.goto(f"{base}/connexion/")
        save("01-connexion")
        page.get_by_label("Adresse e-mail").fill("admin@example.com")
        page.get_by_label("Mot de passe").fill(PASSWORD)
        page.get_by_role("button", name="Se connecter").click()
        page.wait_for_url(f"{base}/")
        save("02-tableau-de-bord")
        page.goto(f"{base}/factures/?filter=to_remind")
        boxes = page.locator("input[name=invoice]")
        for index in range(4):
            boxes.nth(index).check()
        save("03-factures-a-relancer")
        page.locator("summary", has_text="Action").click()
        page.get_by_role("button", name="Relances").click()
        page.wait_for_selector("#modal[open]")
        save("04-resume-des-relances")
        page.locator("#modal").get_by_role("button", name="Aperçu").first.click()
        save("05-apercu-du-message")
        page.locator("#modal").get_by_role(
            "button", name="Envoyer les relances"
        ).click()
        page.wait_for_selector("text=Terminer", timeout=60_000)
        save("06-resultat-de-l-envoi")
        page.goto(f"{base}/factures/?filter=to_remind")
        page.locator("tbody tr").first.locator("a").first.click()
        save("07-facture")
        page.get_by_role("tab", name="Autres informations").click()
        save("08-facture-autres-informations")
        page.get_by_role("tab", name="Historique des relances", exact=False).click()
        save("09-facture-historique")
        page.goto(f"{base}/configuration/etapes/")
        save("10-etapes-de-relance")
        page.goto(f"{base}/configuration/etapes/")
        page.get_by_role("link", name="Mise en demeure").click()
        save("11-modele-de-courriel")
        page.goto(f"{base}/relances/")
        save("12-relances-envoyees")
        page.goto(f"{base}/clients/")
        page.locator("tbody tr").first.locator("a").first.click()
        save("13-client")
        page.goto(f"{base}/configuration/societe/")
        save("14-societe")
        page.goto(f"{base}/factures/nouvelle/")
        save("18-nouvelle-facture")
        # A file checked by the worker, at a laptop's 1366×768.
        page.set_viewport_size({"width": 1366, "height": 768})
        sample = OUT.parent / "sample-invoices.csv"
        sample.write_text(
            "numero;code_client;client;date;echeance;montant\n"
            "FC26120001;411NEUF;Nouveau Client;01/11/2026;01/12/2026;1 250,00\n"
            "FC26120002;411NEUF;Nouveau Client;15/11/2026;15/12/2026;480,00\n"
            "FC26120003;411AUTRE;;15/11/2026;15/12/2026;abc\n",
            encoding="utf-8",
        )
        page.goto(f"{base}/import/")
        page.set_input_files("#id_file", str(sample))
        page.get_by_role("button", name="Vérifier").click()
        page.wait_for_selector("[data-testid=import-run][data-status=refused]")
        save("15-import-verifie-1366")
        sample.unlink()
        # The same screens on a phone.
        page.set_viewport_size({"width": 390, "height": 844})
        page.goto(f"{base}/factures/?filter=to_remind")
        save("16-factures-telephone")
        page.goto(page.url.replace("/factures/?filter=to_remind", "/import/"))
        save("17-import-telephone")
        customer_history(page, base, save)
        browser.close()


def customer_history(page, base: str, save) -> None:
    """A customer's history (issue 19 §4) at 1366×768, then on a phone."""
    page.set_viewport_size({"width": 1366, "height": 768})
    # A customer who promised to pay: reminders, payments, a pause, a note.
    page.goto(f"{base}/factures/?filter=promised")
    page.locator("tbody tr").first.locator("a").first.click()
    page.locator(".field a[href^='/clients/']").first.click()
    history = page.locator("#history")
    history.evaluate("heading => heading.scrollIntoView()")
    save("19-client-historique-1366")
    page.set_viewport_size({"width": 390, "height": 844})
    history.evaluate("heading => heading.scrollIntoView()")
    save("20-client-historique-telephone")


if __name__ == "__main__":
    main()
