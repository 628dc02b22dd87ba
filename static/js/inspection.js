/* The inspector's scoring page (现场验收评分): nothing typed is lost without signal.

   - Every change is first written to localStorage (one entry per acceptance and indicator, under
     the signed-in user's id: the latest values of the card and `entered_at`, the phone's time of
     typing), then POSTed to the card's save URL, debounced. The server keeps the latest
     `entered_at`, so a retried or late entry never overwrites a newer one.
   - An entry stays in the store after it is sent (marked `sent`) until the page the server
     renders shows it: a page opened from the service worker's cache may be older than what was
     saved, and the store puts the newer values back into the inputs.
   - Unsent entries are sent again on `online`, on page load and every 30 s while any wait; the
     notice at the top says how many wait on the phone.
   - A service worker (/inspection-sw.js) keeps this page and its static files, so it opens
     again without signal.
   No inline code (CSP script-src 'self'): everything the script needs comes in data-* attributes. */
(function () {
  "use strict";

  var root = document.querySelector("[data-inspection]");
  if (!root) return;

  var PREFIX = "inspection:" + root.dataset.user + ":" + root.dataset.acceptance + ":";
  var editable = root.dataset.editable === "yes";
  var DEBOUNCE_MS = 700;
  var RETRY_MS = 30000;
  var timers = {};
  var inFlight = {};
  var again = {};
  var lastProblem = ""; // why the last send did not reach the server ("offline", "login", "csrf", "server")
  var net = root.querySelector("[data-net]");

  // The store ------------------------------------------------------------------------------

  // Where localStorage is refused (private mode, full), entries live in memory until sent.
  var memory = {};

  function load(id) {
    try {
      var raw = localStorage.getItem(PREFIX + id);
      if (raw) return JSON.parse(raw);
    } catch (e) {
      /* fall back to memory */
    }
    return memory[id] || null;
  }

  function store(id, entry) {
    memory[id] = entry;
    try {
      localStorage.setItem(PREFIX + id, JSON.stringify(entry));
      delete memory[id];
      return true;
    } catch (e) {
      return false;
    }
  }

  function drop(id) {
    delete memory[id];
    try {
      localStorage.removeItem(PREFIX + id);
    } catch (e) {
      /* nothing stored there */
    }
  }

  function storedIds() {
    var ids = Object.keys(memory);
    try {
      for (var i = 0; i < localStorage.length; i++) {
        var key = localStorage.key(i);
        if (key && key.indexOf(PREFIX) === 0 && ids.indexOf(key.slice(PREFIX.length)) === -1) {
          ids.push(key.slice(PREFIX.length));
        }
      }
    } catch (e) {
      /* no storage: only what is in memory */
    }
    return ids;
  }

  function waiting() {
    return storedIds().filter(function (id) {
      var entry = load(id);
      return entry && !entry.sent;
    });
  }

  // Cards ----------------------------------------------------------------------------------

  function card(id) {
    return root.querySelector('.insp-item[data-indicator="' + id + '"]');
  }

  function formOf(item) {
    return item && item.querySelector("[data-score-form]");
  }

  function fieldsOf(form) {
    return (form.dataset.fields || "").split(" ").filter(Boolean);
  }

  function valueOf(form, name) {
    var controls = form.querySelectorAll('[name="' + name + '"]');
    for (var i = 0; i < controls.length; i++) {
      var el = controls[i];
      if (el.type === "radio") {
        if (el.checked) return el.value;
      } else {
        return el.value;
      }
    }
    return "";
  }

  function setValue(form, name, value) {
    var controls = form.querySelectorAll('[name="' + name + '"]');
    for (var i = 0; i < controls.length; i++) {
      var el = controls[i];
      if (el.type === "radio") el.checked = el.value === value;
      else el.value = value;
    }
  }

  function snapshot(form) {
    var values = {};
    fieldsOf(form).forEach(function (name) {
      values[name] = valueOf(form, name);
    });
    return values;
  }

  function isAnswered(item) {
    var form = formOf(item);
    if (!form) return item.classList.contains("insp-item--done");
    return (item.dataset.required || "").split(" ").filter(Boolean).every(function (name) {
      return valueOf(form, name) !== "";
    });
  }

  function say(item, text, state) {
    var status = item.querySelector("[data-status]");
    if (!status) return;
    status.textContent = text;
    status.className = "insp-status insp-status--" + state;
  }

  function showErrors(item, errors) {
    var form = formOf(item);
    item.querySelectorAll("[data-error-for]").forEach(function (slot) {
      var name = slot.dataset.errorFor;
      if (name === "photo") return;
      var text = errors && errors[name] ? errors[name].join("；") : "";
      slot.textContent = text;
      var field = slot.closest(".field");
      if (field) field.classList.toggle("field--error", !!text);
      if (form) {
        form.querySelectorAll('input[name="' + name + '"]:not([type=radio]), select[name="' + name + '"], textarea[name="' + name + '"]').forEach(function (el) {
          if (text) el.setAttribute("aria-invalid", "true");
          else el.removeAttribute("aria-invalid");
        });
      }
    });
  }

  function showPoints(item, score, kindIsScore) {
    var slot = item.querySelector("[data-points]");
    if (!slot) return;
    slot.textContent = score !== "" && score !== undefined && !kindIsScore ? "计 " + score + " 分" : "";
  }

  function clock(date) {
    var d = date || new Date();
    return ("0" + d.getHours()).slice(-2) + ":" + ("0" + d.getMinutes()).slice(-2);
  }

  // Progress and the notice ----------------------------------------------------------------

  function progress() {
    var items = root.querySelectorAll(".insp-item");
    var done = 0;
    items.forEach(function (item) {
      var ok = isAnswered(item);
      if (ok) done++;
      item.classList.toggle("insp-item--done", ok);
      var line = root.querySelector('[data-missing="' + item.dataset.indicator + '"]');
      if (line) line.hidden = ok;
    });
    var count = root.querySelector("[data-done]");
    if (count) count.textContent = String(done);
    var meter = root.querySelector("[data-meter]");
    if (meter) meter.value = done;
    var left = items.length - done;
    var title = root.querySelector("[data-missing-title]");
    if (title) title.hidden = left === 0;
    var leftCount = root.querySelector("[data-missing-count]");
    if (leftCount) leftCount.textContent = String(left);
    var allDone = root.querySelector("[data-all-done]");
    if (allDone) allDone.hidden = left !== 0;
  }

  function notice() {
    if (!net) return;
    var n = waiting().length;
    var text = "";
    var state = "ok";
    if (!navigator.onLine || lastProblem === "offline") {
      state = "offline";
      text = n ? "无网络：" + n + " 项已保存在本机，联网后自动上传" : "无网络：填写的内容先保存在本机，联网后自动上传";
    } else if (n && lastProblem === "login") {
      state = "problem";
      text = "登录已过期：" + n + " 项保存在本机，请重新登录后自动上传。";
    } else if (n && lastProblem === "csrf") {
      state = "problem";
      text = "页面已过期：" + n + " 项保存在本机，请刷新本页后自动上传。";
    } else if (n) {
      state = "sending";
      text = "正在上传：" + n + " 项保存在本机";
    }
    net.textContent = text;
    net.hidden = !text;
    net.className = "insp-net insp-net--" + state;
    var login = root.querySelector("[data-login-link]");
    if (lastProblem === "login" && n && !login) {
      login = document.createElement("a");
      login.href = root.dataset.loginUrl;
      login.textContent = "重新登录";
      login.setAttribute("data-login-link", "");
      net.appendChild(document.createTextNode(" "));
      net.appendChild(login);
    }
  }

  // Sending ----------------------------------------------------------------------------------

  function csrfToken() {
    var match = document.cookie.match(/(?:^|;\s*)csrftoken=([^;]+)/);
    return match ? decodeURIComponent(match[1]) : root.dataset.csrf;
  }

  function post(url, body) {
    return fetch(url, {
      method: "POST",
      body: body,
      credentials: "same-origin",
      headers: { "X-CSRFToken": csrfToken(), Accept: "application/json" },
    });
  }

  function readJson(response) {
    var type = response.headers.get("Content-Type") || "";
    if (type.indexOf("application/json") === -1) return Promise.resolve(null);
    return response.json().catch(function () {
      return null;
    });
  }

  function send(id) {
    var item = card(id);
    var entry = load(id);
    if (!item || !entry || entry.sent) return Promise.resolve();
    // The phone says it has no signal: keep the entry, send it on `online` (a request tried now
    // would only fail after a wait — or, behind a captive portal, reach something else).
    if (!navigator.onLine) {
      lastProblem = "offline";
      say(item, "未上传：已存本机，联网后自动上传", "queued");
      notice();
      return Promise.resolve();
    }
    if (inFlight[id]) {
      again[id] = true;
      return inFlight[id];
    }
    var body = new FormData();
    Object.keys(entry.values).forEach(function (name) {
      body.append(name, entry.values[name]);
    });
    body.append("entered_at", entry.entered_at);
    say(item, "保存中…", "sending");
    var sentAt = entry.entered_at;
    var request = post(item.dataset.saveUrl, body)
      .then(function (response) {
        return readJson(response).then(function (data) {
          settle(id, item, sentAt, response.status, data);
        });
      })
      .catch(function () {
        lastProblem = "offline";
        say(item, "未上传：已存本机，联网后自动上传", "queued");
      })
      .then(function () {
        delete inFlight[id];
        notice();
        if (again[id]) {
          delete again[id];
          return send(id);
        }
      });
    inFlight[id] = request;
    return request;
  }

  function markSent(id, sentAt) {
    var current = load(id);
    if (current && current.entered_at === sentAt) {
      current.sent = true;
      store(id, current);
    }
  }

  function settle(id, item, sentAt, status, data) {
    var kindIsScore = fieldsOf(formOf(item) || item).indexOf("score") !== -1;
    if (status === 200 && data) {
      lastProblem = "";
      markSent(id, sentAt);
      showErrors(item, {});
      if (data.stale) say(item, "已保存（服务器上有更新的录入，刷新后可见）", "saved");
      else say(item, "已保存 " + clock(), "saved");
      showPoints(item, data.score, kindIsScore);
      return;
    }
    if (status === 400 && data) {
      lastProblem = "";
      markSent(id, sentAt); // sending it again cannot help: the inspector corrects the value
      showErrors(item, data.errors || {});
      showPoints(item, data.score, kindIsScore);
      say(item, "未保存：请按红字提示修改", "error");
      return;
    }
    if (status === 401) {
      lastProblem = "login";
      say(item, "未上传：已存本机，重新登录后自动上传", "queued");
      return;
    }
    if ((status === 403 || status === 404) && data) {
      lastProblem = "";
      drop(id); // refused for good (submitted, signed, no longer on the team)
      say(item, "未保存：" + (data.error || "无权评分"), "error");
      return;
    }
    if (status === 403) {
      lastProblem = "csrf";
      say(item, "未上传：已存本机，请刷新页面后自动上传", "queued");
      return;
    }
    lastProblem = "server";
    say(item, "未上传：服务器暂时无法保存，已存本机，稍后自动重试", "queued");
  }

  function flush() {
    var ids = waiting();
    notice();
    return ids.reduce(function (chain, id) {
      return chain.then(function () {
        return send(id);
      });
    }, Promise.resolve());
  }

  // Typing -----------------------------------------------------------------------------------

  function remember(item) {
    var form = formOf(item);
    var id = item.dataset.indicator;
    var entry = { values: snapshot(form), entered_at: new Date().toISOString(), sent: false };
    var kept = store(id, entry);
    say(item, kept ? "未保存：已存本机，等待上传" : "未保存：本机无法存储，请保持联网", "queued");
    progress();
    notice();
    return kept;
  }

  function schedule(item, delay) {
    var id = item.dataset.indicator;
    clearTimeout(timers[id]);
    timers[id] = setTimeout(function () {
      delete timers[id];
      send(id);
    }, delay);
  }

  function onEdit(event, delay) {
    var form = event.target.closest("[data-score-form]");
    if (!form) return;
    var item = form.closest(".insp-item");
    // Without local storage the entry waits in memory only: send it at once.
    schedule(item, remember(item) ? delay : 0);
  }

  // The page ---------------------------------------------------------------------------------

  function restore() {
    storedIds().forEach(function (id) {
      var entry = load(id);
      var item = card(id);
      var form = formOf(item);
      if (!entry || !item || !form || !entry.values) {
        drop(id);
        return;
      }
      var serverAt = item.dataset.enteredAt ? Date.parse(item.dataset.enteredAt) : NaN;
      var localAt = Date.parse(entry.entered_at);
      if (!isNaN(serverAt) && serverAt >= localAt) {
        drop(id); // the page already shows this entry, or a later one
        return;
      }
      Object.keys(entry.values).forEach(function (name) {
        setValue(form, name, entry.values[name]);
      });
      say(item, entry.sent ? "已保存" : "未保存：已存本机，等待上传", entry.sent ? "saved" : "queued");
    });
  }

  function bindForms() {
    root.addEventListener("input", function (event) {
      if (event.target.matches("input[type=text], textarea")) onEdit(event, DEBOUNCE_MS);
    });
    root.addEventListener("change", function (event) {
      if (event.target.closest("[data-photo-form]")) return;
      onEdit(event, 0);
    });
    root.addEventListener("click", function (event) {
      var full = event.target.closest("[data-full-score]");
      if (!full) return;
      var item = full.closest(".insp-item");
      var input = item.querySelector('input[name="score"]');
      input.value = full.dataset.fullScore;
      remember(item);
      schedule(item, 0);
      input.focus();
    });
    root.addEventListener("submit", function (event) {
      var form = event.target;
      if (form.matches("[data-score-form]")) {
        event.preventDefault();
        var item = form.closest(".insp-item");
        remember(item);
        schedule(item, 0);
      } else if (form.matches("[data-photo-form]")) {
        event.preventDefault();
        uploadPhoto(form);
      } else if (form.matches("[data-submit-form]")) {
        beforeSubmit(event, form);
      }
    });
  }

  function uploadPhoto(form) {
    var item = form.closest(".insp-item");
    var slot = form.querySelector('[data-error-for="photo"]');
    var input = form.querySelector("input[type=file]");
    var button = form.querySelector("button[type=submit]");
    if (!input.files.length) {
      slot.textContent = "请先选择一张照片。";
      return;
    }
    if (!navigator.onLine) {
      slot.textContent = "没有网络，照片未上传。评分已存本机；有信号后再上传照片。";
      return;
    }
    slot.textContent = "";
    button.disabled = true;
    button.textContent = "上传中…";
    post(item.dataset.saveUrl, new FormData(form))
      .then(function (response) {
        return readJson(response).then(function (data) {
          if (response.ok && data && data.photo_url) {
            var link = item.querySelector("[data-photo-link]");
            link.hidden = false;
            link.querySelector("a").href = data.photo_url;
            item.querySelector("[data-photo-state]").textContent = " · 已上传 1 张";
            input.value = "";
            slot.textContent = "";
            say(item, "照片已上传 " + clock(), "saved");
          } else {
            slot.textContent = (data && ((data.errors && data.errors.photo) || [data.error]).join("；")) || "照片未上传，请稍后再试。";
          }
        });
      })
      .catch(function () {
        slot.textContent = "没有网络，照片未上传。有信号后再上传。";
      })
      .then(function () {
        button.disabled = false;
        button.textContent = "上传照片";
      });
  }

  function beforeSubmit(event, form) {
    var left = waiting();
    var wait = form.querySelector("[data-submit-wait]");
    if (!navigator.onLine) {
      event.preventDefault();
      wait.hidden = false;
      wait.textContent = "没有网络：提交需要网络。评分已存本机，有信号后再提交。";
      return;
    }
    if (!left.length) return;
    event.preventDefault();
    wait.hidden = false;
    wait.textContent = "还有 " + left.length + " 项保存在本机、尚未上传，正在上传……";
    flush().then(function () {
      var still = waiting().length;
      if (still) {
        wait.textContent = "还有 " + still + " 项未上传（" + (navigator.onLine ? "请稍后再试" : "没有网络") + "），上传后才能提交。";
      } else {
        wait.hidden = true;
        form.submit();
      }
    });
  }

  // The service worker -------------------------------------------------------------------------

  function offlineReady() {
    root.dataset.offlineReady = "yes";
    var note = root.querySelector("[data-offline-ready-note]");
    if (note) note.hidden = false;
  }

  function registerWorker() {
    if (!("serviceWorker" in navigator) || !root.dataset.sw) return;
    var wasControlled = !!navigator.serviceWorker.controller;
    navigator.serviceWorker
      .register(root.dataset.sw, { scope: root.dataset.swScope })
      .then(function () {
        return navigator.serviceWorker.ready;
      })
      .then(function (registration) {
        var worker = registration.active;
        if (!worker) return;
        var assets = Array.prototype.map.call(
          document.querySelectorAll('link[rel="stylesheet"][href], link[rel="icon"][href], script[src]'),
          function (el) {
            return el.href || el.src;
          }
        );
        var channel = new MessageChannel();
        channel.port1.onmessage = function (event) {
          if (event.data && event.data.ok) offlineReady();
        };
        worker.postMessage(
          // A page the worker did not serve (the first visit) is fetched once more to be kept.
          { type: "keep", page: wasControlled ? "" : location.pathname, assets: assets },
          [channel.port2]
        );
      })
      .catch(function () {
        /* no worker (private mode, old browser): the page still saves to localStorage */
      });
  }

  if (editable) {
    restore();
    bindForms();
    progress();
    window.addEventListener("online", function () {
      lastProblem = "";
      flush();
    });
    window.addEventListener("offline", notice);
    setInterval(function () {
      if (waiting().length && navigator.onLine) flush();
    }, RETRY_MS);
    flush();
  } else {
    // Read-only now (submitted, signed): what the store still holds can no longer be saved.
    storedIds().forEach(drop);
  }
  registerWorker();
  var errors = document.getElementById("insp-submit-errors");
  if (errors) errors.focus();
})();
