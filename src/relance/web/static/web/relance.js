/* Relance: the few lines of script the pages need. */
(function () {
  "use strict";
  var modal = function () { return document.getElementById("modal"); };

  // A response swapped into the modal opens it; « Annuler » or Esc closes it.
  document.addEventListener("htmx:afterSwap", function (event) {
    if (event.detail.target.id === "modal-content" && !modal().open) {
      modal().showModal();
      var first = modal().querySelector("[autofocus], .btn-primary, button, a, input");
      if (first) first.focus();
    }
  });
  document.addEventListener("click", function (event) {
    if (event.target.closest("[data-close-modal]")) { modal().close(); }
    // A menu's action is chosen: the menu folds (it must not stay open
    // behind the window the action opens).
    var chosen = event.target.closest("details.menu .menu-list button");
    if (chosen) chosen.closest("details.menu").removeAttribute("open");
    // Close any open menu when clicking elsewhere.
    document.querySelectorAll("details.menu[open]").forEach(function (menu) {
      if (!menu.contains(event.target)) menu.removeAttribute("open");
    });
  });

  // The side menu on a narrow screen (as wide as the CSS's 860 px): « Menu »
  // opens and closes it, closed at first so that the page comes first; Esc
  // in it closes it. Without script the button stays hidden, the menu shown.
  var navToggle = document.querySelector("[data-nav-toggle]");
  if (navToggle) {
    var narrow = window.matchMedia("(max-width: 860px)");
    var nav = document.getElementById(navToggle.getAttribute("aria-controls"));
    var navOpen = function (open) {
      navToggle.setAttribute("aria-expanded", String(open));
      nav.hidden = !open;
    };
    navToggle.hidden = false;
    navOpen(!narrow.matches);
    narrow.addEventListener("change", function () { navOpen(!narrow.matches); });
    navToggle.addEventListener("click", function () {
      navOpen(navToggle.getAttribute("aria-expanded") !== "true");
    });
    nav.addEventListener("keydown", function (event) {
      if (event.key === "Escape" && narrow.matches) { navOpen(false); navToggle.focus(); }
    });
  }

  // No inline handlers (the Content-Security-Policy forbids them):
  // a <select data-autosubmit> submits its form, a [data-reload] button reloads.
  document.addEventListener("change", function (event) {
    if (event.target.matches("select[data-autosubmit]")) event.target.form.submit();
  });
  document.addEventListener("click", function (event) {
    if (event.target.closest("[data-reload]")) location.reload();
  });

  // Toasts: the server sends HX-Trigger: {"toast": {"message": …, "level": …}}.
  function toast(message, level) {
    var box = document.getElementById("toasts");
    var item = document.createElement("div");
    item.className = "toast " + (level || "");
    item.setAttribute("role", "status");
    item.textContent = message;
    box.appendChild(item);
    setTimeout(function () { item.remove(); }, 6000);
  }
  document.addEventListener("toast", function (event) { toast(event.detail.message, event.detail.level); });
  document.querySelectorAll("[data-toast]").forEach(function (node) { toast(node.dataset.toast, node.dataset.level); });

  // Selection in lists: « Tout sélectionner », and the count shown in the bar.
  function refreshSelection(form) {
    var boxes = form.querySelectorAll("input[name=invoice]");
    var checked = form.querySelectorAll("input[name=invoice]:checked").length;
    var all = form.querySelector("input[name=all]");
    var bar = document.getElementById("selection-bar");
    if (!bar) return;
    var allChosen = all && all.value === "1";
    bar.hidden = checked === 0 && !allChosen;
    var count = bar.querySelector("[data-count]");
    if (count) count.textContent = allChosen ? bar.dataset.total : String(checked);
    var master = form.querySelector("[data-select-page]");
    if (master) master.checked = checked > 0 && checked === boxes.length;
  }
  document.addEventListener("change", function (event) {
    var form = event.target.form;
    if (!form || !form.hasAttribute("data-selection")) return;
    if (event.target.matches("[data-select-page]")) {
      form.querySelectorAll("input[name=invoice]").forEach(function (box) { box.checked = event.target.checked; });
    }
    var all = form.querySelector("input[name=all]");
    if (all && !event.target.matches("[name=all]")) all.value = "0";
    refreshSelection(form);
  });
  document.addEventListener("click", function (event) {
    var button = event.target.closest("[data-select-all]");
    if (!button) return;
    var form = document.getElementById(button.dataset.selectAll);
    form.querySelector("input[name=all]").value = "1";
    form.querySelectorAll("input[name=invoice]").forEach(function (box) { box.checked = true; });
    refreshSelection(form);
  });

  // Tabs (WAI-ARIA pattern): click or arrow keys.
  function selectTab(tab) {
    var list = tab.closest("[role=tablist]");
    list.querySelectorAll("[role=tab]").forEach(function (other) {
      var on = other === tab;
      other.setAttribute("aria-selected", on ? "true" : "false");
      other.tabIndex = on ? 0 : -1;
      document.getElementById(other.getAttribute("aria-controls")).hidden = !on;
    });
    history.replaceState(null, "", "#" + tab.id);
  }
  document.addEventListener("click", function (event) {
    var tab = event.target.closest("[role=tab]");
    if (tab) selectTab(tab);
  });
  document.addEventListener("keydown", function (event) {
    var tab = event.target.closest("[role=tab]");
    if (!tab || (event.key !== "ArrowRight" && event.key !== "ArrowLeft")) return;
    var tabs = Array.prototype.slice.call(tab.closest("[role=tablist]").querySelectorAll("[role=tab]"));
    var next = tabs[(tabs.indexOf(tab) + (event.key === "ArrowRight" ? 1 : -1) + tabs.length) % tabs.length];
    next.focus();
    selectTab(next);
  });
  function tabFromHash() {
    var wanted = location.hash && document.getElementById(location.hash.slice(1));
    if (wanted && wanted.getAttribute("role") === "tab") selectTab(wanted);
  }
  tabFromHash();
  window.addEventListener("hashchange", tabFromHash);

  // Template editor: a click on a variable inserts it where the cursor is.
  var lastField = null;
  document.addEventListener("focusin", function (event) {
    if (event.target.matches("[data-template-field]")) lastField = event.target;
  });
  document.addEventListener("click", function (event) {
    var button = event.target.closest("[data-insert]");
    if (!button) return;
    var field = lastField || document.querySelector("[data-template-field]");
    var text = button.dataset.insert;
    var start = field.selectionStart, end = field.selectionEnd;
    field.value = field.value.slice(0, start) + text + field.value.slice(end);
    field.focus();
    field.selectionStart = field.selectionEnd = start + text.length;
    field.dispatchEvent(new Event("input", { bubbles: true }));
  });
})();
