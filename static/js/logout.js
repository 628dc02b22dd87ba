/* Signing out on a shared phone: the inspection page keeps typed scores and a copy of itself on
   the phone (static/js/inspection.js, inspection-sw.js). On 退出 they are removed, so the next
   person cannot read them — after asking, when some scores have not reached the server yet. */
(function () {
  "use strict";

  var form = document.querySelector(".topbar__logout");
  if (!form) return;

  function keys() {
    var found = [];
    try {
      for (var i = 0; i < localStorage.length; i++) {
        var key = localStorage.key(i);
        if (key && key.indexOf("inspection:") === 0) found.push(key);
      }
    } catch (e) {
      /* storage refused: nothing kept */
    }
    return found;
  }

  function unsent(found) {
    return found.filter(function (key) {
      try {
        var entry = JSON.parse(localStorage.getItem(key));
        return entry && !entry.sent;
      } catch (e) {
        return false;
      }
    }).length;
  }

  form.addEventListener("submit", function (event) {
    var found = keys();
    var waiting = unsent(found);
    if (waiting && !window.confirm("本机还有 " + waiting + " 项验收评分尚未上传，退出后将丢失。仍要退出吗？")) {
      event.preventDefault();
      return;
    }
    found.forEach(function (key) {
      try {
        localStorage.removeItem(key);
      } catch (e) {
        /* ignore */
      }
    });
    if (window.caches && caches.keys) {
      event.preventDefault();
      var done = function () {
        form.submit();
      };
      caches
        .keys()
        .then(function (names) {
          return Promise.all(
            names
              .filter(function (name) {
                return name.indexOf("inspection-") === 0;
              })
              .map(function (name) {
                return caches.delete(name);
              })
          );
        })
        .then(done, done);
    }
  });
})();
