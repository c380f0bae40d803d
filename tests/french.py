"""What French looks like on a page meant to be English: the words, the
quotes, the space before a colon, the dates and amounts written the French
way. Used on pages whose data is all English, so that whatever is found is
the application's own text."""

import re

FRENCH = [
    ("French quotes", re.compile(r"[«»]")),
    ("a space before a colon", re.compile(r"[ \u00a0\u202f][:;!?](?=\s|$)")),
    ("a space before a percent sign", re.compile(r"\d[ \u00a0\u202f]%")),
    ("a French date", re.compile(r"\b\d{1,2}/\d{1,2}/\d{4}\b")),
    ("a French amount", re.compile(r"\d,\d\d[ \u00a0\u202f]?€")),
    ("an accented letter", re.compile(r"[àâçéèêëîïôûùüÿœæÀÂÇÉÈÊËÎÏÔÛÙÜŸŒÆ]")),
    (
        "a French word",
        re.compile(
            r"\b(Facture|facture|Factures|factures|Relances|relances|Relancer|"
            r"relancer|Relance \d|relance(?! (?:serve|worker))|Client|client|"
            r"Clients|clients|Aucun|Aucune|aucun|aucune|Enregistrer|Annuler|"
            r"Modifier|Créer|Voir|Vérifier|Importer|Tableau|Société|Utilisateurs|"
            r"Jetons|jour|jours|Règlement|règlement|Montant|montant|Échéance|"
            r"échéance|Retard|Statut|Fermer|Envoyer|Objet|le|la|les|des|du|une|"
            r"et|ou|pour|avec|sans|par|sur|dans|est|sont|pas)\b"
        ),
    ),
]


def french_in(texts: list[str]) -> list[str]:
    """Each text that reads French, with why: « why: text »."""
    found = []
    for text in dict.fromkeys(texts):
        for why, pattern in FRENCH:
            if pattern.search(text):
                found.append(f"{why}: {text}")
                break
    return found


# The page's text nodes and the attributes people read (title, aria-label,
# placeholder, alt, a button's value), in every state (closed menus, hidden
# tabs included). Left out: an element written in another language on
# purpose (lang="fr": the language switch « Français »), and the messages to
# customers (a template being edited, a message as sent or previewed, its
# subject: they are in the language of the company's templates, not of the
# reader); the labels around a message (To, Subject) are checked.
PAGE_TEXTS = """() => {
  const own = (el) => !el.closest('[lang]:not(html)') ||
    !el.closest('[lang]:not(html)').lang.startsWith('fr');
  const texts = [];
  const walker = document.createTreeWalker(
    document.documentElement, NodeFilter.SHOW_TEXT);
  for (let node = walker.nextNode(); node; node = walker.nextNode()) {
    const parent = node.parentElement;
    if (!parent || ['SCRIPT', 'STYLE', 'TEXTAREA'].includes(parent.tagName)) continue;
    const message = parent.closest('.message-box');
    const label = parent.closest('.message-head') && !parent.closest('strong');
    if (message && !label) continue;  // the message, not its labels (To, Subject)
    if (!own(parent)) continue;
    const text = node.textContent.replace(/\\s+/g, ' ').trim();
    if (text) texts.push(text);
  }
  for (const el of document.querySelectorAll('*')) {
    if (!own(el)) continue;
    for (const name of ['title', 'aria-label', 'placeholder', 'alt']) {
      const value = el.getAttribute(name);
      if (value) texts.push(value);
    }
    if (el.matches('input[type=submit], input[type=button]') && el.value) {
      texts.push(el.value);
    }
  }
  return texts;
}"""
