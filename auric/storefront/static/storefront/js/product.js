/* 360° spin viewer: drag, swipe or press the arrow keys to step through the frames.
   Frames come from data-frames (URLs separated by "|"); they are preloaded after the first turn. */
(function () {
  "use strict";
  var PIXELS_PER_FRAME = 8;

  function setup(viewer) {
    var frames = (viewer.getAttribute("data-frames") || "").split("|").filter(Boolean);
    var img = viewer.querySelector("img");
    if (!img || frames.length < 2) { return; }
    var index = 0, startX = null, startIndex = 0, preloaded = false;

    function preload() {
      if (preloaded) { return; }
      preloaded = true;
      frames.forEach(function (src) { var i = new Image(); i.src = src; });
    }
    function show(i) {
      index = ((i % frames.length) + frames.length) % frames.length;
      img.src = frames[index];
      viewer.setAttribute("aria-valuenow", String(index + 1));
    }
    viewer.setAttribute("aria-valuemin", "1");
    viewer.setAttribute("aria-valuemax", String(frames.length));
    viewer.setAttribute("aria-valuenow", "1");

    viewer.addEventListener("pointerdown", function (e) {
      preload();
      startX = e.clientX; startIndex = index;
      viewer.setPointerCapture(e.pointerId);
      viewer.classList.add("dragging");
      e.preventDefault();
    });
    viewer.addEventListener("pointermove", function (e) {
      if (startX === null) { return; }
      var steps = Math.round((e.clientX - startX) / PIXELS_PER_FRAME);
      show(startIndex - steps);
    });
    function stop() { startX = null; viewer.classList.remove("dragging"); }
    viewer.addEventListener("pointerup", stop);
    viewer.addEventListener("pointercancel", stop);
    viewer.addEventListener("keydown", function (e) {
      if (e.key === "ArrowLeft") { preload(); show(index - 1); e.preventDefault(); }
      else if (e.key === "ArrowRight") { preload(); show(index + 1); e.preventDefault(); }
    });
  }

  document.querySelectorAll(".spin-viewer").forEach(setup);
})();
