/* Photos are made smaller on the phone before they are queued: the long side at most 1,600 px,
 * re-encoded as JPEG by a canvas (which also drops the file's EXIF, GPS position included: the
 * place is recorded as the report's point instead). */
(function (global) {
  "use strict";
  var MAX_SIDE = 1600;
  var QUALITY = 0.8;

  async function compress(file) {
    var bitmap = await createImageBitmap(file);
    var scale = Math.min(1, MAX_SIDE / Math.max(bitmap.width, bitmap.height));
    var w = Math.max(1, Math.round(bitmap.width * scale));
    var h = Math.max(1, Math.round(bitmap.height * scale));
    var canvas = document.createElement("canvas");
    canvas.width = w;
    canvas.height = h;
    canvas.getContext("2d").drawImage(bitmap, 0, 0, w, h);
    if (bitmap.close) bitmap.close();
    var blob = await new Promise(function (resolve) { canvas.toBlob(resolve, "image/jpeg", QUALITY); });
    return { blob: blob, width: w, height: h };
  }

  function locate(timeout) {
    return new Promise(function (resolve) {
      if (!navigator.geolocation) return resolve(null);
      navigator.geolocation.getCurrentPosition(
        function (p) { resolve({ lat: p.coords.latitude, lng: p.coords.longitude }); },
        function () { resolve(null); },
        { enableHighAccuracy: true, timeout: timeout || 8000, maximumAge: 60000 }
      );
    });
  }

  global.JinlinPhoto = { compress: compress, locate: locate, MAX_SIDE: MAX_SIDE };
})(window);
