/* Amtswissen: what Chainlit's page cannot be told through its translation files.

   1. German for the few texts that the built page has hard-coded in English (screen
      reader labels, tooltips, the PDF viewer's toolbar and loading texts): replaced
      wherever they appear, also in parts drawn later. Everything else comes from
      .chainlit/translations/de-DE.json. tests/test_browser_german.py walks the
      screens and fails on English words.
   2. PDF pages in the side panel fit its width at 100 % (the viewer draws them at
      their natural size, which cut off the right-hand part, e.g. the amounts column
      of a table); the viewer's own zoom buttons still enlarge them.
   3. The sources panel keeps the title the app gave it. The page renames the panel
      after the last source it drew ("Original-PDF [3]"); the app names it again a
      moment later (assistant/web/panel.py), but on a busy computer the page may draw
      later still. While the panel shows several sources, a source's name as its
      title is replaced by the last title the app gave.

   Served from the app's own origin (/public), like everything else the page loads. */
(() => {
  "use strict";

  const GERMAN = new Map(Object.entries({
    "Toggle theme": "Farbschema wechseln",
    "Toggle Sidebar": "Seitenleiste ein- oder ausblenden",
    "Download PDF": "PDF herunterladen",
    "Print/Open PDF": "PDF öffnen oder drucken",
    "Loading PDF...": "PDF wird geladen …",
    "Loading preview...": "Vorschau wird geladen …",
    "Loading page…": "Seite wird geladen …",
    "Loading...": "Wird geladen …",
    "Open PDF in a larger view": "PDF groß anzeigen",
    "View PDF": "PDF ansehen",
    "A modal with a larger view of the PDF.": "Großansicht des PDF-Dokuments.",
    "PDF Document": "PDF-Dokument",
    "Close": "Schließen",
    "Close toast": "Meldung schließen",
    "Close lightbox": "Großansicht schließen",
    "Go to previous page": "Vorherige Seite",
    "Go to next page": "Nächste Seite",
    "Previous": "Zurück",
    "Next": "Weiter",
    "More pages": "Weitere Seiten",
    "Previous slide": "Vorheriges Bild",
    "Next slide": "Nächstes Bild",
    "Are you sure?": "Sind Sie sicher?",
    "An error occurred": "Ein Fehler ist aufgetreten",
    "Output": "Ausgabe",
    "Tasks": "Aufgaben",
    "Image": "Bild",
    "Save": "Speichern",
    "Upload failed": "Hochladen fehlgeschlagen",
    "Upload error": "Verbindungsfehler beim Hochladen",
  }));
  // Inside longer texts (toasts such as "Hochladen fehlgeschlagen a.pdf: Upload error").
  const ENDINGS = [[": Upload error", ": Verbindungsfehler beim Hochladen"],
                   [": Upload failed", ": Die Datei konnte nicht angenommen werden."]];
  const ATTRIBUTES = ["aria-label", "title", "placeholder", "alt"];
  // Icon buttons without any name get theirs from public/a11y.js.

  function german(text) {
    const trimmed = text.trim();
    if (GERMAN.has(trimmed)) return text.replace(trimmed, GERMAN.get(trimmed));
    for (const [english, replacement] of ENDINGS) {
      if (trimmed.endsWith(english)) return text.replace(english, replacement);
    }
    return null;
  }

  function translateNode(node) {
    if (node.nodeType === Node.TEXT_NODE) {
      const replaced = german(node.nodeValue || "");
      if (replaced !== null) node.nodeValue = replaced;
      return;
    }
    if (node.nodeType !== Node.ELEMENT_NODE) return;
    translateAttributes(node);
    node.querySelectorAll("[aria-label], [title], [placeholder], [alt]").forEach(translateAttributes);
    const walker = document.createTreeWalker(node, NodeFilter.SHOW_TEXT);
    for (let text = walker.nextNode(); text; text = walker.nextNode()) {
      const replaced = german(text.nodeValue || "");
      if (replaced !== null) text.nodeValue = replaced;
    }
  }

  function translateAttributes(element) {
    for (const name of ATTRIBUTES) {
      const value = element.getAttribute(name);
      const replaced = value && german(value);
      if (replaced) element.setAttribute(name, replaced);
    }
  }

  // --- PDF pages that fit the side panel --------------------------------------------

  const watched = new WeakSet();
  const resizes = new ResizeObserver(() => fitPdfPages());

  function fitPdfPages() {
    for (const viewer of document.querySelectorAll(".side-pdf")) {
      const box = viewer.querySelector(".overflow-auto");
      const page = viewer.querySelector(".react-pdf__Page");
      const canvas = page && page.querySelector("canvas");
      if (!box || !canvas) continue;
      if (!watched.has(box)) {
        watched.add(box);
        resizes.observe(box);
      }
      const zoomLabel = [...viewer.querySelectorAll("span")].find((s) => /^\d+%$/.test(s.textContent.trim()));
      const natural = parseFloat(canvas.style.width) || canvas.width / (window.devicePixelRatio || 1);
      const room = box.clientWidth - 40; // the viewer's padding around the page
      const atHundred = !zoomLabel || zoomLabel.textContent.trim() === "100%";
      const zoom = atHundred && natural > room && room > 0 ? room / natural : 1;
      const current = parseFloat(page.style.zoom || "1");
      if (Math.abs(current - zoom) > 0.005) page.style.zoom = String(zoom);
    }
  }

  // --- the sources panel's title ---------------------------------------------------

  const SOURCE_NAME = /^(Original-PDF )?\[\d+\]$/;
  let panelTitle = null;

  function keepPanelTitle() {
    const title = document.getElementById("side-view-title");
    const content = document.getElementById("side-view-content");
    if (!title || !content || content.children.length < 2) return; // one source: its name
    const text = [...title.childNodes].find((n) => n.nodeType === Node.TEXT_NODE && n.nodeValue.trim());
    if (!text) return;
    const shown = text.nodeValue.trim();
    if (!SOURCE_NAME.test(shown)) panelTitle = shown;
    else if (panelTitle) text.nodeValue = panelTitle;
  }

  // --- watch the page ----------------------------------------------------------------

  let fitScheduled = false;
  function scheduleFit() {
    if (fitScheduled) return;
    fitScheduled = true;
    requestAnimationFrame(() => {
      fitScheduled = false;
      fitPdfPages();
      keepPanelTitle();
    });
  }

  const observer = new MutationObserver((records) => {
    for (const record of records) {
      if (record.type === "characterData") translateNode(record.target);
      else if (record.type === "attributes") translateAttributes(record.target);
      else record.addedNodes.forEach(translateNode);
    }
    scheduleFit();
  });

  function start() {
    translateNode(document.body);
    observer.observe(document.body, {
      subtree: true,
      childList: true,
      characterData: true,
      attributes: true,
      attributeFilter: ATTRIBUTES,
    });
    window.addEventListener("resize", scheduleFit);
  }

  if (document.body) start();
  else document.addEventListener("DOMContentLoaded", start);
})();
