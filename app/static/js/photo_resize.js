/* 拍照上传: photos chosen in an evidence file input marked data-photo-resize are made smaller on the phone before
   they are sent. An image longer than MAX_SIDE px or bigger than MAX_BYTES is drawn on a canvas and replaced by a
   JPEG (quality 0.85) in the input itself (DataTransfer), so the form posts it like any chosen file; the server
   checks its content as it checks every evidence file. Each chosen photo shows as a thumbnail with its size.
   Without this script (or a browser without DataTransfer) the originals are sent. The page's CSP allows images
   from data: URLs only, hence createImageBitmap and data: thumbnails (no blob: URLs). */
(function () {
  var MAX_SIDE = 1600, MAX_BYTES = 1.5 * 1024 * 1024, QUALITY = 0.85, THUMB = 96;
  var inputs = Array.prototype.slice.call(document.querySelectorAll("input[type=file][data-photo-resize]"));
  if (!inputs.length || typeof DataTransfer === "undefined" || !window.HTMLCanvasElement) return;
  var pending = 0;

  function sizeText(bytes) {
    return bytes >= 1048576 ? (bytes / 1048576).toFixed(1) + " MB" : Math.max(1, Math.round(bytes / 1024)) + " KB";
  }

  function decode(file) {  // an ImageBitmap (or an <img> from a data: URL) with EXIF orientation applied
    if (window.createImageBitmap) {
      return createImageBitmap(file, {imageOrientation: "from-image"}).catch(function () {
        return createImageBitmap(file);
      });
    }
    return new Promise(function (resolve, reject) {
      var reader = new FileReader();
      reader.onload = function () {
        var img = new Image();
        img.onload = function () { resolve(img); };
        img.onerror = reject;
        img.src = reader.result;
      };
      reader.onerror = reject;
      reader.readAsDataURL(file);
    });
  }

  function draw(image, width, height) {
    var canvas = document.createElement("canvas");
    canvas.width = width;
    canvas.height = height;
    var ctx = canvas.getContext("2d");
    ctx.fillStyle = "#fff";  // a transparent PNG becomes a JPEG on white, not on black
    ctx.fillRect(0, 0, width, height);
    ctx.drawImage(image, 0, 0, width, height);
    return canvas;
  }

  function shrink(file) {  // resolves to {file, thumb}: the file to send (a smaller JPEG, or the original)
    return decode(file).then(function (image) {
      var w = image.width, h = image.height, long = Math.max(w, h);
      var scale = long > MAX_SIDE ? MAX_SIDE / long : 1;
      var small = Math.min(1, THUMB * 2 / long);
      var thumb = draw(image, Math.max(1, Math.round(w * small)), Math.max(1, Math.round(h * small)))
        .toDataURL("image/jpeg", 0.7);
      if (scale === 1 && file.size <= MAX_BYTES) return {file: file, thumb: thumb};
      var canvas = draw(image, Math.round(w * scale), Math.round(h * scale));
      return new Promise(function (resolve) {
        canvas.toBlob(function (blob) {
          if (!blob || (scale === 1 && blob.size >= file.size)) return resolve({file: file, thumb: thumb});
          var name = file.name.replace(/\.[^.]*$/, "") + ".jpg";
          resolve({file: new File([blob], name, {type: "image/jpeg", lastModified: Date.now()}), thumb: thumb});
        }, "image/jpeg", QUALITY);
      });
    }).catch(function () { return {file: file, thumb: null}; });  // not an image we can read: sent as it is
  }

  function previews(input) {
    var list = input.parentNode.querySelector(".photo-previews");
    if (!list) {
      list = document.createElement("ul");
      list.className = "photo-previews";
      list.setAttribute("aria-live", "polite");
      input.insertAdjacentElement("afterend", list);
    }
    return list;
  }

  function submits(form) {
    return Array.prototype.slice.call(form.querySelectorAll("button[type=submit], input[type=submit]"));
  }

  function busy(form, on) {
    pending += on ? 1 : -1;
    submits(form).forEach(function (b) {  // only the buttons this script disabled are enabled again
      if (pending > 0 && !b.disabled) { b.disabled = true; b.dataset.photoWait = "1"; }
      else if (pending === 0 && b.dataset.photoWait) { b.disabled = false; delete b.dataset.photoWait; }
    });
    form.dataset.photosBusy = pending > 0 ? "1" : "";
  }

  inputs.forEach(function (input) {
    input.addEventListener("change", function () {
      var files = Array.prototype.slice.call(input.files || []);
      var list = previews(input);
      list.textContent = "";
      if (!files.length || input.dataset.resizing === "1") return;
      var form = input.form;
      busy(form, true);
      Promise.all(files.map(function (f) {
        return /^image\//.test(f.type) ? shrink(f) : Promise.resolve({file: f, thumb: null});
      })).then(function (done) {
        var transfer = new DataTransfer();
        done.forEach(function (d, i) {
          transfer.items.add(d.file);
          var item = document.createElement("li");
          if (d.thumb) {
            var img = document.createElement("img");
            img.src = d.thumb;
            img.alt = d.file.name;
            item.appendChild(img);
          }
          var text = d.file.name + " · " + sizeText(d.file.size);
          if (d.file !== files[i]) text += "（" + (input.dataset.shrunk || "{size}").replace("{size}", sizeText(files[i].size)) + "）";
          item.appendChild(document.createTextNode(text));
          list.appendChild(item);
        });
        input.dataset.resizing = "1";  // setting .files fires no change event, but be sure
        input.files = transfer.files;
        input.dataset.resizing = "";
      }).finally(function () { busy(form, false); });
    });
  });

  document.addEventListener("submit", function (event) {  // a photo still being made smaller: wait for it
    if (event.target.dataset && event.target.dataset.photosBusy === "1") event.preventDefault();
  }, true);
})();
