// Progressive enhancement only: every page works without this file.
(function () {
  "use strict";
  // Collapsible main navigation on small screens.
  var nav = document.querySelector("[data-main-nav]");
  var toggle = document.querySelector("[data-nav-toggle]");
  if (nav && toggle) {
    var narrow = window.matchMedia("(max-width: 48rem)");
    var apply = function () {
      var collapsed = narrow.matches && toggle.getAttribute("aria-expanded") !== "true";
      nav.setAttribute("data-collapsed", collapsed ? "true" : "false");
    };
    toggle.addEventListener("click", function () {
      toggle.setAttribute("aria-expanded", toggle.getAttribute("aria-expanded") === "true" ? "false" : "true");
      apply();
    });
    narrow.addEventListener("change", apply);
    apply();
  }
  // Move focus to an error summary so screen-reader users hear it first.
  var summary = document.querySelector("[data-error-summary]");
  if (summary) { summary.focus(); }
  // After "Add another person" the new entry's first field takes focus. Browsers ignore `autofocus`
  // when the address has a #fragment (the form's anchor) and scroll to the fragment after loading,
  // so focus it once that is done.
  var requested = !summary && document.querySelector("form [autofocus]");
  if (requested) {
    window.addEventListener("load", function () {
      window.setTimeout(function () { requested.focus(); }, 0);
    });
  }
})();
