// The 创建工作总结 page: an 插入 button puts its figure's sentence into its part at the cursor
// (after what is typed, on a new line, when the cursor is not in that part) instead of posting
// the form; the part keeps focus and the change is announced. Without this script the button
// posts the form and the page comes back with the sentence added.
(function () {
  "use strict";

  function announce(text) {
    var region = document.getElementById("summary-announcer");
    if (!region) return;
    region.textContent = "";
    window.setTimeout(function () { region.textContent = text; }, 50);
  }

  function insert(area, text) {
    var value = area.value;
    var start = area.dataset.cursor !== undefined ? Math.min(Number(area.dataset.cursor), value.length) : value.length;
    var before = value.slice(0, start);
    var after = value.slice(start);
    var glue = before && !/\n$/.test(before) ? "\n" : "";
    area.value = before + glue + text + after;
    var caret = (before + glue + text).length;
    area.focus();
    area.setSelectionRange(caret, caret);
    area.dataset.cursor = String(caret);
    area.dispatchEvent(new Event("input", { bubbles: true }));
  }

  document.addEventListener("DOMContentLoaded", function () {
    // Where the cursor was when the textarea lost focus to the button.
    document.querySelectorAll(".summary-form textarea").forEach(function (area) {
      area.addEventListener("blur", function () { area.dataset.cursor = String(area.selectionEnd); });
    });
    document.querySelectorAll("[data-insert-target]").forEach(function (button) {
      button.addEventListener("click", function (event) {
        var area = document.getElementById(button.dataset.insertTarget);
        if (!area) return;
        event.preventDefault();
        insert(area, button.dataset.insertText || "");
        announce("已插入，请检查后保存。");
      });
    });
  });
})();
