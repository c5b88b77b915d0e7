// Time-on-task while an app is open in the launcher: a heartbeat every interval, visible or
// hidden (the page's visibility), stopping after `hidden-limit` hidden beats in a row or
// when the server says so. Each beat carries a sequence number: a resent beat is stored once.
(function () {
  "use strict";
  var el = document.getElementById("heartbeat");
  if (!el) { return; }
  var interval = parseInt(el.dataset.interval, 10);
  var hiddenLimit = parseInt(el.dataset.hiddenLimit, 10);
  var sequence = 0;
  var hiddenInARow = 0;
  var timer = null;

  function stop() {
    if (timer !== null) { clearInterval(timer); timer = null; }
    el.dataset.stopped = "true";
  }

  function beat() {
    var visible = document.visibilityState === "visible";
    hiddenInARow = visible ? 0 : hiddenInARow + 1;
    if (hiddenInARow > hiddenLimit) { stop(); return; }
    var body = JSON.stringify({
      tool: parseInt(el.dataset.tool, 10),
      "class": el.dataset.class,
      session: el.dataset.session,
      sequence: sequence,
      visible: visible
    });
    sequence += 1;
    fetch(el.dataset.url, {
      method: "POST",
      credentials: "same-origin",
      headers: { "Content-Type": "application/json", "X-CSRFToken": el.dataset.csrf },
      body: body
    }).then(function (response) {
      el.dataset.sent = String(sequence);
      if (response.status === 200) {
        return response.json().then(function (data) { if (data.stopped) { stop(); } });
      }
      return null;
    }).catch(function () { /* the next beat tries again */ });
  }

  timer = setInterval(beat, interval);
  window.addEventListener("pagehide", stop);
}());
