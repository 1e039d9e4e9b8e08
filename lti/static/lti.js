// OpenNPAC Low Tech Interface. The pages work without this script; it
// only shows each time also in the browser's own time zone, next to the
// region's zone the server renders.
(function () {
  "use strict";
  var zone;
  try {
    zone = Intl.DateTimeFormat().resolvedOptions().timeZone;
  } catch (e) {
    return;
  }
  var fmt = new Intl.DateTimeFormat("en-CA", {
    year: "numeric", month: "2-digit", day: "2-digit",
    hour: "2-digit", minute: "2-digit", hourCycle: "h23", timeZoneName: "short"
  });
  function local(d) {
    var p = {};
    fmt.formatToParts(d).forEach(function (x) { p[x.type] = x.value; });
    return p.year + "-" + p.month + "-" + p.day + " " + p.hour + ":" + p.minute + " " + (p.timeZoneName || "");
  }
  document.querySelectorAll("time[data-t]").forEach(function (el) {
    var d = new Date(el.getAttribute("datetime"));
    if (isNaN(d.getTime())) return;
    var s = local(d);
    if (s === el.textContent.trim()) return; // the same zone: nothing to add
    var span = document.createElement("span");
    span.className = "local";
    span.textContent = s;
    span.title = "Your time zone, " + zone;
    el.insertAdjacentElement("afterend", span);
  });
  var lz = document.querySelector("[data-localzone]");
  if (lz) lz.textContent = "· yours: " + zone + " (second line of each time when it differs).";
})();
// The LOA signature pad: drawing on the canvas fills a hidden field with
// the PNG; without this script the typed name alone signs.
(function () {
  "use strict";
  var box = document.querySelector("[data-signature]");
  if (!box) return;
  var pad = box.querySelector("canvas"), out = document.getElementById("loa_signature");
  var ctx = pad.getContext && pad.getContext("2d");
  if (!ctx || !out) return;
  box.hidden = false;
  ctx.lineWidth = 2;
  ctx.lineCap = "round";
  var drawing = false, drawn = false;
  function at(e) {
    var r = pad.getBoundingClientRect();
    return [(e.clientX - r.left) * pad.width / r.width, (e.clientY - r.top) * pad.height / r.height];
  }
  pad.addEventListener("pointerdown", function (e) {
    drawing = true;
    var p = at(e);
    ctx.beginPath();
    ctx.moveTo(p[0], p[1]);
    try { pad.setPointerCapture(e.pointerId); } catch (x) { /* a synthetic pointer */ }
  });
  pad.addEventListener("pointermove", function (e) {
    if (!drawing) return;
    var p = at(e);
    ctx.lineTo(p[0], p[1]);
    ctx.stroke();
    drawn = true;
  });
  function end() {
    if (!drawing) return;
    drawing = false;
    if (drawn) out.value = pad.toDataURL("image/png");
  }
  pad.addEventListener("pointerup", end);
  pad.addEventListener("pointercancel", end);
  document.getElementById("loa-clear").addEventListener("click", function () {
    ctx.clearRect(0, 0, pad.width, pad.height);
    out.value = "";
    drawn = false;
  });
})();
