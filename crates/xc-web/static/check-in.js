// The staff check-in page: where the browser has a camera and BarcodeDetector, a button scans
// the learner's QR code and submits the form. The text field works on its own (a scanner gun
// types the code and Enter; a person pastes it), with or without this script.
(function () {
  "use strict";
  var panel = document.getElementById("check-in-camera");
  var form = document.getElementById("check-in-form");
  var field = document.getElementById("check-in-code");
  if (!panel || !form || !field) { return; }
  if (!("BarcodeDetector" in window) || !navigator.mediaDevices || !navigator.mediaDevices.getUserMedia) {
    return;
  }
  var start = document.getElementById("check-in-camera-start");
  var stop = document.getElementById("check-in-camera-stop");
  var video = document.getElementById("check-in-video");
  var stream = null;
  var detector = new window.BarcodeDetector({ formats: ["qr_code"] });
  panel.hidden = false;
  function halt() {
    if (stream) { stream.getTracks().forEach(function (track) { track.stop(); }); }
    stream = null;
    video.hidden = true;
    stop.hidden = true;
    start.hidden = false;
  }
  function look() {
    if (!stream) { return; }
    detector.detect(video).then(function (codes) {
      if (codes.length > 0 && codes[0].rawValue) {
        field.value = codes[0].rawValue.trim();
        halt();
        form.submit();
        return;
      }
      window.requestAnimationFrame(look);
    }).catch(function () { window.requestAnimationFrame(look); });
  }
  start.addEventListener("click", function () {
    navigator.mediaDevices.getUserMedia({ video: { facingMode: "environment" } })
      .then(function (media) {
        stream = media;
        video.srcObject = media;
        video.hidden = false;
        stop.hidden = false;
        start.hidden = true;
        return video.play();
      })
      .then(look)
      .catch(halt);
  });
  stop.addEventListener("click", halt);
})();
