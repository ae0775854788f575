// The learner code page: fetches a fresh code at the start of every minute and swaps the QR
// code in place. Without JavaScript the page's "show a new code" link does the same.
(function () {
  "use strict";
  var figure = document.getElementById("learner-code");
  if (!figure || !window.fetch) { return; }
  var qr = document.getElementById("learner-code-qr");
  var changesAt = document.getElementById("learner-code-changes-at");
  function clock(date) {
    var pad = function (n) { return (n < 10 ? "0" : "") + n; };
    return pad(date.getHours()) + ":" + pad(date.getMinutes());
  }
  function schedule(refreshAtMillis) {
    var wait = Math.max(1000, refreshAtMillis - Date.now());
    window.setTimeout(refresh, Math.min(wait, 60000));
  }
  function refresh() {
    fetch("/api/v1/me/learner-code", { credentials: "same-origin", cache: "no-store" })
      .then(function (response) {
        if (!response.ok) { throw new Error("HTTP " + response.status); }
        return response.json();
      })
      .then(function (code) {
        qr.innerHTML = code.svg; // our own SVG, drawn by the server
        figure.setAttribute("data-token", code.token);
        var next = Date.parse(code.refresh_at);
        changesAt.textContent = clock(new Date(next));
        schedule(next);
      })
      .catch(function () { schedule(Date.now() + 10000); });
  }
  schedule(Number(figure.getAttribute("data-refresh-at")) * 1000);
})();
