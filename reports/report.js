// logward report filters: framework, status and cloud. Without this script every row shows.
(function () {
  "use strict";
  var form = document.getElementById("filters");
  if (!form) { return; }
  form.hidden = false;
  var items = document.querySelectorAll("[data-filter]");
  var groups = document.querySelectorAll("details.policy, section.severity");
  var counter = document.getElementById("filter-count");

  function has(el, key, want) {
    if (!want) { return true; }
    var value = el.getAttribute("data-" + key);
    return value !== null && (" " + value + " ").indexOf(" " + want + " ") >= 0;
  }

  function apply() {
    var fw = form.elements.fw.value;
    var status = form.elements.status.value;
    var cloud = form.elements.cloud.value;
    var shown = 0;
    for (var i = 0; i < items.length; i++) {
      var el = items[i];
      var kind = el.getAttribute("data-filter");
      var show = has(el, "fw", fw);
      if (kind === "finding" || kind === "gap") {
        show = show && has(el, "status", status) && has(el, "cloud", cloud);
        if (show && kind === "finding" && el.tagName === "TR") { shown += 1; }
      } else if (kind === "control") {
        show = show && has(el, "status", status);
      }
      el.hidden = !show;
    }
    for (var j = 0; j < groups.length; j++) {
      groups[j].hidden = groups[j].querySelector("tr[data-filter]:not([hidden])") === null;
    }
    if (counter) {
      counter.textContent = (fw || status || cloud) ? shown + " finding rows match" : "";
    }
  }

  form.addEventListener("change", apply);
  form.addEventListener("submit", function (event) { event.preventDefault(); apply(); });
  form.addEventListener("reset", function () { window.setTimeout(apply, 0); });
}());
