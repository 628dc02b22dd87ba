/* Keyboard and screen-reader help that every page shares (no framework, CSP-safe: no inline code).
   - The skip link focuses <main>; after a failed submit the error summary takes focus, and its
     links move focus to their field.
   - When an htmx answer replaces the focused control, focus goes to the first invalid field, or an
     in-place editor's first field (data-focus-first), or the same control drawn again. Escape in an
     in-place editor presses its 取消 (data-cancel), and focus returns to the control that opened it.
   - Dialogs (role="dialog" aria-modal="true", e.g. the dues editor that a grid cell opens through
     htmx): focus goes to the first field, Tab stays inside, Escape closes, and focus returns to
     the control that opened it — found again by its row id and href when htmx has redrawn it. */
(function () {
  "use strict";

  var FOCUSABLE =
    'a[href], button:not([disabled]), input:not([type="hidden"]):not([disabled]), ' +
    'select:not([disabled]), textarea:not([disabled]), [tabindex]:not([tabindex="-1"])';
  var pending = null; // where the last htmx request came from
  var returnTo = null; // where focus goes back when the open dialog closes
  var editorReturn = null; // the same for an in-place editor (a table row turned into a form)

  function focusables(root) {
    return Array.prototype.filter.call(root.querySelectorAll(FOCUSABLE), function (el) {
      return el.getClientRects().length > 0;
    });
  }

  function openDialog() {
    return document.querySelector('[role="dialog"][aria-modal="true"]');
  }

  function remember(el) {
    var holder = el.parentElement && el.parentElement.closest("[id]");
    var cell = el.closest("td, th, li");
    return {
      el: el,
      holderId: holder ? holder.id : null,
      href: el.getAttribute("href"),
      index: cell && cell.parentElement ? Array.prototype.indexOf.call(cell.parentElement.children, cell) : -1,
    };
  }

  function restoreFocus(spot) {
    var target = spot.el && spot.el.isConnected ? spot.el : null;
    var holder = !target && spot.holderId ? document.getElementById(spot.holderId) : null;
    if (holder && spot.href) {
      target = Array.prototype.find.call(holder.querySelectorAll("a[href]"), function (a) {
        return a.getAttribute("href") === spot.href;
      });
    }
    if (!target && holder && spot.index >= 0 && holder.children[spot.index]) {
      target = focusables(holder.children[spot.index])[0] || null;
    }
    if (!target && holder) target = focusables(holder)[0] || null;
    if (target) target.focus();
  }

  function focusFirstField(root) {
    var invalid = root.querySelector('[aria-invalid="true"]');
    var fields = focusables(root).filter(function (el) {
      return el.matches("input, select, textarea");
    });
    var first = invalid || fields[0] || focusables(root)[0];
    if (first) first.focus();
  }

  function closeDialog(dialog) {
    var host = dialog.parentElement;
    if (host && host.id) host.replaceChildren();
    else dialog.remove();
    if (returnTo) restoreFocus(returnTo);
    returnTo = null;
  }

  function focusSummary() {
    var summary = document.getElementById("error-summary");
    var idle = !document.activeElement || document.activeElement === document.body || document.activeElement.id === "main";
    if (summary && idle) summary.focus();
  }
  // A table wider than the screen scrolls inside its .table-wrap: the box takes focus so the
  // keyboard can scroll it too (WCAG 2.1.1), named after its table's caption or section heading.
  function focusableScrollers() {
    Array.prototype.forEach.call(document.querySelectorAll(".table-wrap"), function (box) {
      var scrolls = box.scrollWidth > box.clientWidth + 1;
      if (scrolls && !box.hasAttribute("tabindex")) {
        var caption = box.querySelector("caption");
        var section = box.closest("section, .panel");
        var heading = section && section.querySelector("h2, h3");
        var name = (caption || heading || { textContent: "" }).textContent.trim();
        box.setAttribute("tabindex", "0");
        box.setAttribute("data-scroller", name && !box.hasAttribute("role") ? "named" : "");
        if (box.getAttribute("data-scroller") === "named") {
          box.setAttribute("role", "region");
          box.setAttribute("aria-label", name + "（可左右滚动）");
        }
      } else if (!scrolls && box.hasAttribute("data-scroller")) {
        var added = box.getAttribute("data-scroller") === "named" ? ["role", "aria-label"] : [];
        ["tabindex", "data-scroller"].concat(added).forEach(function (a) {
          box.removeAttribute(a);
        });
      }
    });
  }
  var resizing = null;
  window.addEventListener("resize", function () {
    clearTimeout(resizing);
    resizing = setTimeout(focusableScrollers, 100);
  });
  document.addEventListener("htmx:afterSettle", focusableScrollers);
  document.addEventListener("DOMContentLoaded", focusableScrollers);
  document.addEventListener("DOMContentLoaded", focusSummary);
  // A #fragment in the address (a form posted back to its own URL) moves focus at load: take it back.
  window.addEventListener("load", focusSummary);

  document.addEventListener("click", function (event) {
    var skip = event.target.closest && event.target.closest(".skip-link");
    if (skip) {
      // Focus <main> without putting #main in the address, which a form would post back to.
      var main = document.getElementById("main");
      if (main) {
        event.preventDefault();
        main.focus();
      }
      return;
    }
    var link = event.target.closest && event.target.closest('.error-summary a[href^="#"]');
    if (!link) return;
    var field = document.getElementById(link.getAttribute("href").slice(1));
    if (!field) return;
    event.preventDefault();
    var holder = field.closest(".field") || field;
    holder.scrollIntoView({ block: "center" });
    field.focus({ preventScroll: true });
  });

  // A request nobody asked for just now — a progress page polling (hx-trigger="every 2s") — has
  // no triggering event: it neither records where focus was nor moves it when it settles.
  function polled(event) {
    var config = event.detail && event.detail.requestConfig;
    return !!config && !config.triggeringEvent;
  }

  document.addEventListener("htmx:beforeRequest", function (event) {
    if (polled(event)) return;
    var elt = event.detail && event.detail.elt;
    if (elt && elt.closest && !elt.closest('[role="dialog"]')) pending = remember(elt);
  });

  document.addEventListener("htmx:afterSettle", function (event) {
    if (polled(event)) return;
    var dialog = openDialog();
    if (dialog) {
      if (!returnTo) returnTo = pending;
      if (!dialog.contains(document.activeElement) || dialog.querySelector('[aria-invalid="true"]')) {
        focusFirstField(dialog);
      }
      return;
    }
    if (returnTo) {
      restoreFocus(returnTo);
      returnTo = null;
      return;
    }
    // htmx replaced the focused control: focus an invalid field, else an in-place editor's first
    // field (data-focus-first), else the control that was used, if it is there again.
    var target = event.detail && event.detail.target;
    // An outerHTML swap settles on the element it replaced: find the new one by its id.
    if (target && !target.isConnected && target.id) target = document.getElementById(target.id);
    var lost = !document.activeElement || document.activeElement === document.body;
    if (!lost || !target || !target.isConnected) return;
    var invalid = target.querySelector('[aria-invalid="true"]');
    var editor = target.querySelector("[data-focus-first]");
    if (editor && !editorReturn) editorReturn = pending;
    if (invalid) invalid.focus();
    else if (editor) focusFirstField(editor);
    else if (editorReturn) restoreFocus(editorReturn);
    else if (pending) restoreFocus(pending);
    if (!editor) editorReturn = null;
  });

  document.addEventListener("keydown", function (event) {
    var dialog = openDialog();
    if (!dialog) {
      // Escape in an in-place editor presses its 取消.
      var editor = event.key === "Escape" && event.target.closest && event.target.closest("[data-focus-first]");
      var cancel = editor && editor.querySelector("[data-cancel]");
      if (cancel) {
        event.preventDefault();
        cancel.click();
      }
      return;
    }
    if (event.key === "Escape") {
      event.preventDefault();
      closeDialog(dialog);
      return;
    }
    if (event.key !== "Tab") return;
    var items = focusables(dialog);
    if (!items.length) return;
    var first = items[0];
    var last = items[items.length - 1];
    if (!dialog.contains(document.activeElement)) {
      event.preventDefault();
      first.focus();
    } else if (event.shiftKey && document.activeElement === first) {
      event.preventDefault();
      last.focus();
    } else if (!event.shiftKey && document.activeElement === last) {
      event.preventDefault();
      first.focus();
    }
  });
})();
