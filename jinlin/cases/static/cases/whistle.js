// The whistle (吹哨) form on a phone: typing filters the units by name across every group (opening
// the groups that hold a match), and the lead unit chosen above is ticked below so that nobody has
// to find it twice. Without JavaScript the form still works: the groups are plain checkboxes.
(function () {
  "use strict";
  document.querySelectorAll("[data-whistle-units]").forEach(function (box) {
    var search = box.querySelector("[data-whistle-search]");
    var lead = box.parentElement.querySelector("[data-whistle-lead]");
    if (search) {
      search.addEventListener("input", function () {
        var words = search.value.trim();
        box.querySelectorAll(".whistle-group").forEach(function (group) {
          var shown = 0;
          group.querySelectorAll(".whistle-unit").forEach(function (label) {
            var match = !words || label.textContent.indexOf(words) !== -1;
            label.hidden = !match;
            if (match) shown += 1;
          });
          group.hidden = shown === 0;
          if (words && shown) group.open = true;
        });
      });
    }
    if (lead) {
      lead.addEventListener("change", function () {
        var tick = box.querySelector('input[type="checkbox"][value="' + lead.value + '"]');
        if (tick) tick.checked = true;
      });
    }
  });
})();
