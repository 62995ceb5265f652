/* Amtswissen: accessibility repairs of Chainlit's built page (BITV 2.0 / WCAG 2.1 AA).

   The page's icon buttons have no name for screen readers (their tooltips appear only on
   hover), the chat list puts <div>s straight into a <ul>, the chat's option menu is a <div>
   that announces a state but cannot be reached by keyboard, two controls point to elements
   that do not exist, the day heading of the chat list is too faint, and the PDF preview is
   a picture without a text alternative. axe-core found
   these (tests/test_browser_a11y.py, which fails on any serious or critical finding);
   this script repairs them where they appear, also in parts drawn later.

   Loaded by the page itself (assistant/web/middleware.py adds it), from the app's own
   origin; it sends nothing anywhere. */
(() => {
  "use strict";

  // Buttons by id, then by a class Chainlit gives them, then by their icon (lucide).
  const BY_ID = {
    "sidebar-trigger-button": "Seitenleiste ein- oder ausblenden",
    "search-chats-button": "Chats durchsuchen",
    "new-chat-button": "Neuer Chat",
    "upload-button": "Datei anhängen",
    "chat-submit": "Nachricht senden",
    "stop-button": "Antwort anhalten",
    "thread-options": "Optionen dieses Chats",
    "theme-toggle": "Farbschema wechseln",
  };
  const BY_CLASS = {
    "positive-feedback-off": "Antwort war hilfreich",
    "positive-feedback-on": "Antwort war hilfreich (gewählt)",
    "negative-feedback-off": "Antwort war nicht hilfreich",
    "negative-feedback-on": "Antwort war nicht hilfreich (gewählt)",
  };
  const BY_ICON = {
    "lucide-copy": "Antwort kopieren",
    "lucide-check": "Kopiert",
    "lucide-thumbs-up": "Antwort war hilfreich",
    "lucide-thumbs-down": "Antwort war nicht hilfreich",
    "lucide-arrow-left": "Quellenbereich schließen",
    "lucide-x": "Schließen",
    "lucide-chevron-left": "Vorherige Seite",
    "lucide-chevron-right": "Nächste Seite",
    "lucide-zoom-in": "Vergrößern",
    "lucide-zoom-out": "Verkleinern",
    "lucide-eye": "Passwort anzeigen",
    "lucide-eye-off": "Passwort verbergen",
    "lucide-download": "Herunterladen",
    "lucide-maximize": "Groß anzeigen",
    "lucide-maximize-2": "Groß anzeigen",
    "lucide-ellipsis": "Weitere Aktionen",
    "lucide-pencil": "Bearbeiten",
    "lucide-trash-2": "Löschen",
    "lucide-settings": "Einstellungen",
    "lucide-square-pen": "Neuer Chat",
    "lucide-search": "Suchen",
    "lucide-paperclip": "Datei anhängen",
    "lucide-arrow-up": "Nachricht senden",
  };
  const STYLE = `
    /* the day headings of the chat list: full colour, not 70 % (contrast 4.5:1) */
    [data-sidebar="group-label"] { color: hsl(var(--sidebar-foreground)) !important; }
    /* a visible focus on every control, also where the page turned it off */
    button:focus-visible, a:focus-visible, [role="button"]:focus-visible,
    input:focus-visible, textarea:focus-visible {
      outline: 3px solid hsl(var(--ring)) !important; outline-offset: 2px;
    }
    #chat-input:focus-visible { outline-width: 2px !important; outline-offset: 0; }`;

  function hasName(el) {
    return Boolean(
      (el.textContent || "").trim() ||
        el.getAttribute("aria-label") ||
        el.getAttribute("aria-labelledby") ||
        el.getAttribute("title")
    );
  }

  function labelFor(el) {
    if (el.id && BY_ID[el.id]) return BY_ID[el.id];
    for (const name of el.classList) if (BY_CLASS[name]) return BY_CLASS[name];
    const icon = el.querySelector("svg");
    for (const name of icon ? icon.classList : []) if (BY_ICON[name]) return BY_ICON[name];
    return null;
  }

  function nameButtons(root) {
    root.querySelectorAll("button, [role='button'], #thread-options").forEach((el) => {
      if (el.id === "thread-options" && el.tagName !== "BUTTON") {
        // A <div> menu trigger announcing aria-expanded: that needs the role of a button.
        // Not made focusable: it sits inside the chat's link button (nested controls).
        if (el.getAttribute("role") !== "button") el.setAttribute("role", "button");
      }
      if (hasName(el)) return;
      const label = labelFor(el);
      if (label) el.setAttribute("aria-label", label);
    });
  }

  function repairLists(root) {
    root.querySelectorAll("ul, ol").forEach((list) => {
      if (list.getAttribute("role")) return;
      const children = [...list.children];
      const stray = children.filter((c) => !["LI", "SCRIPT", "TEMPLATE"].includes(c.tagName));
      if (!stray.length) return;
      if (stray.length === children.length) list.setAttribute("role", "none"); // a wrapper, no list
      else stray.forEach((c) => c.getAttribute("role") || c.setAttribute("role", "listitem"));
    });
  }

  function dropDanglingControls(root) {
    root.querySelectorAll("[aria-controls]").forEach((el) => {
      const ids = el.getAttribute("aria-controls").split(/\s+/).filter(Boolean);
      if (!ids.some((id) => document.getElementById(id))) el.removeAttribute("aria-controls");
    });
  }

  // The PDF preview is a picture of the page: say so, and where its text is readable.
  function describePdfPages(root) {
    root.querySelectorAll(".react-pdf__Page canvas:not([aria-label])").forEach((canvas) => {
      const page = canvas.closest(".react-pdf__Page");
      const number = page ? page.getAttribute("data-page-number") : "";
      canvas.setAttribute("role", "img");
      canvas.setAttribute(
        "aria-label",
        `Bild der PDF-Seite ${number || ""}. Der zitierte Text steht als Text im Quellenbereich.`
      );
    });
  }

  function repair() {
    nameButtons(document);
    describePdfPages(document);
    repairLists(document);
    dropDanglingControls(document);
  }

  let pending = false;
  function schedule() {
    if (pending) return;
    pending = true;
    requestAnimationFrame(() => {
      pending = false;
      repair();
    });
  }

  function start() {
    const style = document.createElement("style");
    style.textContent = STYLE;
    document.head.appendChild(style);
    repair();
    new MutationObserver(schedule).observe(document.body, {
      childList: true,
      subtree: true,
      attributes: true,
      attributeFilter: ["aria-controls"],
    });
  }

  if (document.readyState === "loading") document.addEventListener("DOMContentLoaded", start);
  else start();
})();
