// The site form's map picker (django-leaflet's widget with Leaflet.draw), set up before the
// widget builds its map on "load":
// - the default marker's images: Leaflet guesses their folder from leaflet.css's URL, which the
//   collected static files' content hashes break (`make run`, production); the folder comes
//   from this script's data-images attribute instead;
// - the drawing toolbar in the page's language: Leaflet.draw speaks English and django-leaflet
//   has no Indonesian catalogue, so the Indonesian texts live here (English stays Leaflet.draw's).
(function () {
  "use strict";
  if (!window.L) { return; }
  var script = document.currentScript;
  if (script && script.dataset.images && L.Icon && L.Icon.Default) {
    L.Icon.Default.imagePath = script.dataset.images;
  }

  var lang = (document.documentElement.lang || "").toLowerCase();
  if (!L.drawLocal || lang.split("-")[0] !== "id") { return; }
  var draw = L.drawLocal.draw;
  var edit = L.drawLocal.edit;
  draw.toolbar.actions = { title: "Batalkan menggambar", text: "Batal" };
  draw.toolbar.finish = { title: "Selesai menggambar", text: "Selesai" };
  draw.toolbar.undo = { title: "Hapus titik terakhir yang digambar", text: "Hapus titik terakhir" };
  draw.toolbar.buttons = {
    polyline: "Gambar garis",
    polygon: "Gambar poligon",
    rectangle: "Gambar persegi panjang",
    circle: "Gambar lingkaran",
    marker: "Tempatkan titik lokasi",
    circlemarker: "Tempatkan penanda lingkaran"
  };
  draw.handlers.circle.tooltip.start = "Klik dan seret untuk menggambar lingkaran.";
  draw.handlers.circle.radius = "Jari-jari";
  draw.handlers.circlemarker.tooltip.start = "Klik peta untuk menempatkan penanda lingkaran.";
  draw.handlers.marker.tooltip.start = "Ketuk atau klik peta untuk menempatkan titik lokasi.";
  draw.handlers.polygon.tooltip = {
    start: "Klik untuk mulai menggambar bidang.",
    cont: "Klik untuk melanjutkan bidang.",
    end: "Klik titik pertama untuk menutup bidang."
  };
  draw.handlers.polyline.error = "<strong>Kesalahan:</strong> sisi bidang tidak boleh bersilangan.";
  draw.handlers.polyline.tooltip = {
    start: "Klik untuk mulai menggambar garis.",
    cont: "Klik untuk melanjutkan garis.",
    end: "Klik titik terakhir untuk menyelesaikan garis."
  };
  draw.handlers.rectangle.tooltip.start = "Klik dan seret untuk menggambar persegi panjang.";
  draw.handlers.simpleshape.tooltip.end = "Lepaskan untuk selesai menggambar.";
  edit.toolbar.actions = {
    save: { title: "Simpan perubahan", text: "Simpan" },
    cancel: { title: "Batalkan penyuntingan, buang semua perubahan", text: "Batal" },
    clearAll: { title: "Hapus semua", text: "Hapus semua" }
  };
  edit.toolbar.buttons = {
    edit: "Pindahkan titik",
    editDisabled: "Belum ada titik untuk dipindahkan",
    remove: "Hapus titik",
    removeDisabled: "Belum ada titik untuk dihapus"
  };
  edit.handlers.edit.tooltip = {
    text: "Seret titik untuk memindahkannya.",
    subtext: "Klik Batal untuk membatalkan perubahan."
  };
  edit.handlers.remove.tooltip.text = "Klik titik untuk menghapusnya.";
}());
