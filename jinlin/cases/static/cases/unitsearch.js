// The dispatch unit picker: typing narrows the unit list (grouped, the suggested units first) to
// the names that contain the words, and picks the first match so the person list follows it.
// Without JavaScript the grouped list still works on its own.
(function () {
  "use strict";
  document.querySelectorAll("[data-unit-search]").forEach(function (search) {
    var select = search.closest("form").querySelector("[data-unit-picker]");
    if (!select) return;
    search.addEventListener("input", function () {
      var words = search.value.trim();
      var first = null;
      select.querySelectorAll("optgroup").forEach(function (group) {
        var shown = 0;
        group.querySelectorAll("option").forEach(function (option) {
          var match = !words || option.textContent.indexOf(words) !== -1;
          option.hidden = !match;
          option.disabled = !match;
          if (match) {
            shown += 1;
            if (!first) first = option;
          }
        });
        group.hidden = shown === 0;
      });
      if (words && first && select.value !== first.value) {
        select.value = first.value;
        select.dispatchEvent(new Event("change", { bubbles: true }));
      }
    });
  });
})();
