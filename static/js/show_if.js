// Progressive enhancement of service forms: hide questions whose "show only if" rule is not met.
// The server decides what counts (services/form_builder.py); without this file every question shows
// with a note saying when it applies.
(function () {
  "use strict";
  var YES = ["yes", "ja", "oui", "si", "sì", "true", "1", "y", "j"];
  var NO = ["no", "nein", "non", "false", "0", "n"];
  var ADDRESS_PARTS = ["street", "house_number", "postcode", "town"];

  function canonical(text) {
    text = String(text || "").trim().toLowerCase();
    if (YES.indexOf(text) !== -1) { return "yes"; }
    if (NO.indexOf(text) !== -1) { return "no"; }
    return text;
  }

  function belongsTo(input, name) {
    if (input.name === name) { return true; }
    return ADDRESS_PARTS.some(function (part) { return input.name === name + "_" + part; });
  }

  // The current answer of a question as a list of strings (empty when unanswered or hidden itself).
  function valuesOf(form, name) {
    var values = [];
    Array.prototype.forEach.call(form.querySelectorAll("input[name], select[name], textarea[name]"), function (input) {
      if (!belongsTo(input, name) || input.closest("[hidden]")) { return; }
      if ((input.type === "radio" || input.type === "checkbox") && !input.checked) { return; }
      if (input.type === "file") {
        Array.prototype.forEach.call(input.files || [], function (file) { values.push(file.name); });
        return;
      }
      if (input.tagName === "SELECT" && input.multiple) {
        Array.prototype.forEach.call(input.selectedOptions, function (option) { values.push(option.value); });
        return;
      }
      if (input.value.trim()) { values.push(input.value.trim()); }
    });
    return values;
  }

  function met(rule, values) {
    var expected = canonical(rule.value);
    var answers = values.map(canonical);
    switch (rule.operator) {
      case "filled": return answers.length > 0;
      case "empty": return answers.length === 0;
      case "contains": return answers.some(function (answer) { return answer.indexOf(expected) !== -1; });
      case "not_equals": return answers.indexOf(expected) === -1;
      default: return answers.indexOf(expected) !== -1;
    }
  }

  function update(form) {
    // In document order, so a question that depends on a hidden question is hidden too.
    Array.prototype.forEach.call(form.querySelectorAll("[data-show-if]"), function (question) {
      var rule;
      try { rule = JSON.parse(question.getAttribute("data-show-if")); } catch (error) { return; }
      question.hidden = !met(rule, valuesOf(form, rule.field));
    });
  }

  Array.prototype.forEach.call(document.querySelectorAll("form[data-service-form]"), function (form) {
    if (!form.querySelector("[data-show-if]")) { return; }
    form.addEventListener("change", function () { update(form); });
    form.addEventListener("input", function () { update(form); });
    update(form);
  });
})();
