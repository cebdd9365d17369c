// On a phone (and any narrow window) the book's wide figures and tables stay usable (issue 27):
// - a figure shrunk to under 3/4 of its real width becomes a link to the full-size image, with a "full size" hint;
// - a table wider than the text column scrolls inside its own box, with a hint above it saying so.
// Both editions; runs once the images have loaded, and again when the window is resized.
(function () {
  "use strict";
  var zh = (document.documentElement.lang || "").indexOf("zh") === 0;
  var FIGURE_HINT = zh ? "⤢ 点击查看原尺寸" : "⤢ tap for full size";
  var TABLE_HINT = zh ? "表格较宽：左右滑动查看其余各列 →" : "Wide table: scroll sideways for more columns →";

  function zoomable(img) {
    if (img.closest("a") || !img.naturalWidth) return;
    if (img.getBoundingClientRect().width >= 0.75 * img.naturalWidth) return;
    var link = document.createElement("a");
    link.href = img.currentSrc || img.src;
    link.target = "_blank";
    link.rel = "noopener";
    link.className = "zoom-link";
    link.title = FIGURE_HINT;
    img.parentNode.insertBefore(link, img);
    link.appendChild(img);
    var hint = document.createElement("div");
    hint.className = "zoom-hint";
    hint.textContent = FIGURE_HINT;
    link.parentNode.insertBefore(hint, link.nextSibling);
  }

  function scrollable(table) {
    var box = table.parentNode;
    if (!box.classList.contains("table-scroll")) {
      box = document.createElement("div");
      box.className = "table-scroll";
      table.parentNode.insertBefore(box, table);
      box.appendChild(table);
    }
    var hint = box.previousElementSibling;
    var has = hint && hint.classList.contains("table-scroll-hint");
    if (table.scrollWidth > box.clientWidth + 2) {
      if (!has) {
        hint = document.createElement("div");
        hint.className = "table-scroll-hint";
        hint.textContent = TABLE_HINT;
        box.parentNode.insertBefore(hint, box);
      }
    } else if (has) {
      hint.remove();
    }
  }

  function run() {
    document.querySelectorAll("main .cell_output img, main figure img").forEach(zoomable);
    document.querySelectorAll("main table").forEach(scrollable);
  }

  window.addEventListener("load", run);
  window.addEventListener("resize", run);
  document.addEventListener("click", function () { setTimeout(run, 200); });  // an opened solution or dropdown
})();
